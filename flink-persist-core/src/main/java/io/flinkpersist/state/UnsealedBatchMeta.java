package io.flinkpersist.state;

import io.flinkpersist.Frontier;
import java.util.Objects;

/**
 * An unsealed batch as the state records it: a sorted, consolidated Parquet blob of updates in the
 * order they were written, not yet moved into the trace.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>I3: {@code seqNos} is non-empty.
 *   <li>I4: {@code tsLower <= tsUpper}, the inclusive minimum and maximum of its update times
 *       (checked against the data when the batch is decoded).
 * </ul>
 *
 * @param key the blob key
 * @param seqNos the write sequence numbers it covers
 * @param tsLower the smallest update time, inclusive
 * @param tsUpper the largest update time, inclusive
 * @param sizeBytes the blob's length
 * @param updateCount the number of (consolidated) updates
 */
public record UnsealedBatchMeta(
        String key,
        SeqNoRange seqNos,
        long tsLower,
        long tsUpper,
        long sizeBytes,
        long updateCount) {

    public UnsealedBatchMeta {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(seqNos, "seqNos");
    }

    /**
     * Whether every update of this batch lies in {@code [lower, upper)}: a drain of that range
     * adopts it whole.
     */
    public boolean liesWithin(Frontier lower, Frontier upper) {
        return lower.lessEqual(tsLower) && upper.isBefore(tsUpper);
    }

    public void validate() {
        seqNos.validate();
        InvariantViolationException.check(
                0 <= tsLower && tsLower <= tsUpper,
                "I4",
                "unsealed batch must have 0 <= tsLower <= tsUpper (key=%s, tsLower=%d, tsUpper=%d)",
                key,
                tsLower,
                tsUpper);
        InvariantViolationException.check(
                updateCount > 0 && sizeBytes > 0,
                "I4",
                "unsealed batch must hold updates (key=%s, updateCount=%d, sizeBytes=%d)",
                key,
                updateCount,
                sizeBytes);
    }
}
