package io.flinkpersist.state;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One Parquet file of a trace batch: the batch's updates whose keys lie at or after {@code lower}
 * and before the next part's lower (the last part has no upper bound). The parts of a batch are in
 * key order and never overlap; their union is the batch.
 *
 * @param key the blob key
 * @param lower the smallest key the part may hold, in the order of unsigned bytes; empty for "no
 *     lower bound"
 * @param sizeBytes the blob's length
 * @param updateCount the number of updates
 */
public record BatchPart(String key, byte[] lower, long sizeBytes, long updateCount) {

    /** The most bytes a part's lower bound may take; cuts are chosen short. */
    public static final int MAX_LOWER_BYTES = 1024;

    public BatchPart {
        Objects.requireNonNull(key, "key");
        lower = lower.clone();
    }

    /** A part without a lower bound. */
    public static BatchPart whole(String key, long sizeBytes, long updateCount) {
        return new BatchPart(key, new byte[0], sizeBytes, updateCount);
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
                && updateCount == p.updateCount;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, Arrays.hashCode(lower), sizeBytes, updateCount);
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
                + "}";
    }
}
