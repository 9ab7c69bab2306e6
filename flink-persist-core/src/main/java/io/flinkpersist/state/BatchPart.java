package io.flinkpersist.state;

import io.flinkpersist.DiffSums;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One Parquet file of a trace batch: the updates of one of the batch's sorted runs whose keys lie
 * at or after {@code lower} and before the next part's lower in the same run (a run's last part has
 * no upper bound). The parts of a run are in key order and never overlap. A batch is one run, or,
 * at level 0, several runs (such as writers' unsealed batches a drain adopted whole), which may
 * overlap in keys; the batch is the union of its runs.
 *
 * @param key the blob key
 * @param lower the smallest key the part may hold, in the order of unsigned bytes; empty for "no
 *     lower bound"
 * @param sizeBytes the blob's length
 * @param updateCount the number of updates
 * @param diffSum the sum of their diffs ({@link DiffSums}); unknown for parts written before sums
 *     were recorded
 * @param run the index of the sorted run the part belongs to (0 in a batch of one run)
 */
public record BatchPart(
        String key, byte[] lower, long sizeBytes, long updateCount, long diffSum, int run) {

    /** The most bytes a part's lower bound may take; cuts are chosen short. */
    public static final int MAX_LOWER_BYTES = 1024;

    public BatchPart {
        Objects.requireNonNull(key, "key");
        lower = lower.clone();
        if (run < 0) {
            throw new IllegalArgumentException(
                    "Cannot describe batch part "
                            + key
                            + ": its run must be >= 0 (run="
                            + run
                            + ")");
        }
    }

    /** A part of run 0. */
    public BatchPart(String key, byte[] lower, long sizeBytes, long updateCount, long diffSum) {
        this(key, lower, sizeBytes, updateCount, diffSum, 0);
    }

    /** A part whose diff sum is unknown. */
    public BatchPart(String key, byte[] lower, long sizeBytes, long updateCount) {
        this(key, lower, sizeBytes, updateCount, DiffSums.UNKNOWN);
    }

    /** A part without a lower bound, whose diff sum is unknown. */
    public static BatchPart whole(String key, long sizeBytes, long updateCount) {
        return whole(key, sizeBytes, updateCount, DiffSums.UNKNOWN);
    }

    /** A part without a lower bound. */
    public static BatchPart whole(String key, long sizeBytes, long updateCount, long diffSum) {
        return new BatchPart(key, new byte[0], sizeBytes, updateCount, diffSum);
    }

    /** This part with {@code diffSum}. */
    public BatchPart withDiffSum(long diffSum) {
        return new BatchPart(key, lower, sizeBytes, updateCount, diffSum, run);
    }

    /** This part in run {@code run}. */
    public BatchPart inRun(int run) {
        return new BatchPart(key, lower, sizeBytes, updateCount, diffSum, run);
    }

    @Override
    public byte[] lower() {
        return lower.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchPart p
                && key.equals(p.key)
                && Arrays.equals(lower, p.lower)
                && sizeBytes == p.sizeBytes
                && updateCount == p.updateCount
                && diffSum == p.diffSum
                && run == p.run;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, Arrays.hashCode(lower), sizeBytes, updateCount, diffSum, run);
    }

    @Override
    public String toString() {
        return "BatchPart{key="
                + key
                + ", lower="
                + HexFormat.of().formatHex(lower)
                + ", sizeBytes="
                + sizeBytes
                + ", updateCount="
                + updateCount
                + (DiffSums.isKnown(diffSum) ? ", diffSum=" + diffSum : "")
                + (run > 0 ? ", run=" + run : "")
                + "}";
    }
}
