package io.flinkpersist.read;

import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.Cursors;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;

/**
 * Opens the batches a state refers to, checking each decoded update against what the state records
 * about its batch: the trace batch's description (I6) or the unsealed batch's time bounds (I4). The
 * Parquet reader itself checks order, consolidation and non-zero diffs (I8).
 */
public final class BatchCursors {

    private BatchCursors() {}

    public static UpdateCursor openTrace(BlobStore store, TraceBatchMeta batch) throws IOException {
        return checkTrace(BatchReader.open(store, batch.key()), batch);
    }

    public static UpdateCursor openTrace(BlobStore store, TraceBatchMeta batch, int fromRowGroup, int toRowGroup)
            throws IOException {
        return checkTrace(BatchReader.open(store, batch.key(), fromRowGroup, toRowGroup), batch);
    }

    public static UpdateCursor openUnsealed(BlobStore store, UnsealedBatchMeta batch) throws IOException {
        return checkUnsealed(BatchReader.open(store, batch.key()), batch);
    }

    public static UpdateCursor openUnsealed(
            BlobStore store, UnsealedBatchMeta batch, int fromRowGroup, int toRowGroup) throws IOException {
        return checkUnsealed(BatchReader.open(store, batch.key(), fromRowGroup, toRowGroup), batch);
    }

    private static UpdateCursor checkTrace(UpdateCursor in, TraceBatchMeta batch) {
        return Cursors.checkTimes(in, batch.key(), batch.desc()::admits, "trace batch " + batch.desc() + " (I6)");
    }

    private static UpdateCursor checkUnsealed(UpdateCursor in, UnsealedBatchMeta batch) {
        long lo = batch.tsLower();
        long hi = batch.tsUpper();
        return Cursors.checkTimes(
                in, batch.key(), t -> lo <= t && t <= hi, "unsealed times in [" + lo + ", " + hi + "] (I4)");
    }
}
