package io.flinkpersist.read;

import io.flinkpersist.batch.BatchCache;
import io.flinkpersist.batch.IndexCache;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.util.Objects;

/**
 * A range of row groups {@code [fromRowGroup, toRowGroup)} of one batch of a snapshot: the unit a
 * snapshot is split into. Exactly one of {@code trace} and {@code unsealed} is set.
 */
public record BatchSlice(
        TraceBatchMeta trace,
        UnsealedBatchMeta unsealed,
        int fromRowGroup,
        int toRowGroup,
        long bytes) {

    public BatchSlice {
        if ((trace == null) == (unsealed == null)) {
            throw new IllegalArgumentException(
                    "Cannot create batch slice: exactly one of trace and unsealed must be set");
        }
        if (fromRowGroup < 0 || toRowGroup < fromRowGroup) {
            throw new IllegalArgumentException(
                    "Cannot create batch slice: bad row group range ["
                            + fromRowGroup
                            + ", "
                            + toRowGroup
                            + ")");
        }
    }

    public static BatchSlice ofTrace(TraceBatchMeta b, int from, int to, long bytes) {
        return new BatchSlice(Objects.requireNonNull(b), null, from, to, bytes);
    }

    public static BatchSlice ofUnsealed(UnsealedBatchMeta b, int from, int to, long bytes) {
        return new BatchSlice(null, Objects.requireNonNull(b), from, to, bytes);
    }

    public String key() {
        return trace != null ? trace.key() : unsealed.key();
    }

    /**
     * Opens the slice's updates, validated and with {@code times} applied, through {@code cache}.
     */
    public UpdateCursor open(BlobStore store, ReadTimes times, BatchCache cache)
            throws IOException {
        if (trace != null) {
            return times.applyToTrace(
                    BatchCursors.openTrace(store, trace, fromRowGroup, toRowGroup, cache));
        }
        return times.applyToUnsealed(
                BatchCursors.openUnsealed(store, unsealed, fromRowGroup, toRowGroup, cache));
    }

    /**
     * Opens the updates of the slice's batch (all of it, not only the slice's row groups) with keys
     * in {@code range}, validated and with {@code times} applied, reading only the row groups and
     * pages whose key statistics overlap the range (and, for one key, whose bloom filter may hold
     * it).
     */
    public UpdateCursor openKeyRange(
            BlobStore store, ReadTimes times, KeyRange range, IndexCache cache) throws IOException {
        boolean single = range.isSingleKey();
        if (trace != null) {
            return times.applyToTrace(
                    BatchCursors.lookupTrace(
                            store, trace, range.lower(), range.upper(), single, cache));
        }
        return times.applyToUnsealed(
                BatchCursors.lookupUnsealed(
                        store, unsealed, range.lower(), range.upper(), single, cache));
    }
}
