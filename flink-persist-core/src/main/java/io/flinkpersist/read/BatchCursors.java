package io.flinkpersist.read;

import io.flinkpersist.Frontier;
import io.flinkpersist.batch.BatchCache;
import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.Cursors;
import io.flinkpersist.batch.IndexCache;
import io.flinkpersist.batch.MergingCursor;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the batches a state refers to, checking each decoded update against what the state records
 * about its batch: the trace batch's description (I6) or the unsealed batch's time bounds (I4). The
 * Parquet reader itself checks order, consolidation and non-zero diffs (I8).
 */
public final class BatchCursors {

    private BatchCursors() {}

    /**
     * A whole trace batch, consolidated: the parts of each run one after another, in key order
     * (checked where one part meets the next), and its runs, if several, merged.
     */
    public static UpdateCursor openTrace(BlobStore store, TraceBatchMeta batch) throws IOException {
        if (batch.runCount() > 1) {
            List<UpdateCursor> runs = new ArrayList<>();
            try {
                for (TraceBatchMeta run : batch.runs()) {
                    runs.add(openTrace(store, run));
                }
            } catch (IOException | RuntimeException e) {
                for (UpdateCursor c : runs) {
                    c.close();
                }
                throw e;
            }
            return new MergingCursor(runs);
        }
        if (batch.isMultiPart()) {
            List<Cursors.CursorSupplier> parts = new ArrayList<>();
            for (TraceBatchMeta part : batch.partViews()) {
                parts.add(() -> openTrace(store, part));
            }
            return Cursors.concatSorted(batch.partKeys(), parts);
        }
        return checkTrace(BatchReader.open(store, batch.key()), batch);
    }

    /**
     * Row groups {@code [from, to)} of a one-part trace batch (or one part's view, {@link
     * TraceBatchMeta#partViews()}), through {@code cache}.
     */
    public static UpdateCursor openTrace(
            BlobStore store,
            TraceBatchMeta batch,
            int fromRowGroup,
            int toRowGroup,
            BatchCache cache)
            throws IOException {
        if (batch.isMultiPart()) {
            throw new IllegalArgumentException(
                    "Cannot open row groups of trace batch "
                            + batch.key()
                            + ": it has "
                            + batch.parts().size()
                            + " parts; open one part's view");
        }
        return checkTrace(
                BatchReader.open(store, batch.key(), fromRowGroup, toRowGroup, cache), batch);
    }

    public static UpdateCursor openUnsealed(BlobStore store, UnsealedBatchMeta batch)
            throws IOException {
        return checkUnsealed(BatchReader.open(store, batch.key()), batch);
    }

    /** Row groups {@code [from, to)} of an unsealed batch, through {@code cache}. */
    public static UpdateCursor openUnsealed(
            BlobStore store,
            UnsealedBatchMeta batch,
            int fromRowGroup,
            int toRowGroup,
            BatchCache cache)
            throws IOException {
        return checkUnsealed(
                BatchReader.open(store, batch.key(), fromRowGroup, toRowGroup, cache), batch);
    }

    /**
     * The updates with keys in {@code [lo, hi)} of one part of a trace batch (a view, {@link
     * TraceBatchMeta#partViews()}), reading only the row groups and pages that can hold them.
     */
    public static UpdateCursor lookupTrace(
            BlobStore store,
            TraceBatchMeta part,
            byte[] lo,
            byte[] hi,
            boolean single,
            IndexCache cache)
            throws IOException {
        return checkTrace(BatchReader.openKeyRange(store, part.key(), lo, hi, single, cache), part);
    }

    /** The updates with keys in {@code [lo, hi)} of an unsealed batch, as {@link #lookupTrace}. */
    public static UpdateCursor lookupUnsealed(
            BlobStore store,
            UnsealedBatchMeta batch,
            byte[] lo,
            byte[] hi,
            boolean single,
            IndexCache cache)
            throws IOException {
        return checkUnsealed(
                BatchReader.openKeyRange(store, batch.key(), lo, hi, single, cache), batch);
    }

    /**
     * The updates of {@code batches} with times in {@code [lower, upper)}: one cursor per batch
     * whose time bounds overlap the range, opened now.
     *
     * @throws IllegalArgumentException if {@code upper} is before {@code lower}
     */
    public static List<UpdateCursor> unsealedRange(
            BlobStore store, List<UnsealedBatchMeta> batches, long lower, Frontier upper)
            throws IOException {
        if (upper.lessThan(Frontier.at(lower))) {
            throw new IllegalArgumentException(
                    "Cannot read unsealed range: upper "
                            + upper
                            + " is before lower {"
                            + lower
                            + "}");
        }
        List<UpdateCursor> out = new ArrayList<>();
        try {
            for (UnsealedBatchMeta b : batches) {
                if (lower <= b.tsUpper() && upper.isBefore(b.tsLower())) {
                    out.add(Cursors.filterTimes(openUnsealed(store, b), lower, upper));
                }
            }
        } catch (IOException | RuntimeException e) {
            for (UpdateCursor c : out) {
                c.close();
            }
            throw e;
        }
        return out;
    }

    private static UpdateCursor checkTrace(UpdateCursor in, TraceBatchMeta batch) {
        return Cursors.checkTimes(
                in, batch.key(), batch.desc()::admits, "trace batch " + batch.desc() + " (I6)");
    }

    private static UpdateCursor checkUnsealed(UpdateCursor in, UnsealedBatchMeta batch) {
        long lo = batch.tsLower();
        long hi = batch.tsUpper();
        return Cursors.checkTimes(
                in,
                batch.key(),
                t -> lo <= t && t <= hi,
                "unsealed times in [" + lo + ", " + hi + "] (I4)");
    }
}
