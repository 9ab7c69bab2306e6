package io.flinkpersist.compaction;

import io.flinkpersist.Frontier;
import io.flinkpersist.batch.BatchStats;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.Cursors;
import io.flinkpersist.batch.MergingCursor;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.CorruptBlobException;
import io.flinkpersist.read.BatchCursors;
import io.flinkpersist.state.Description;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.Transition;
import io.flinkpersist.state.Transition.NewTraceBatch;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import io.flinkpersist.state.UnsealedBatchMeta;
import io.flinkpersist.write.BatchPublisher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Carries out maintenance plans: reads the input batches as streams, merges them, writes the result
 * as a new immutable batch, and returns the {@link Transition} that installs it. Nothing is
 * committed here; results of plans that became stale are no-ops when applied.
 *
 * <p>Every merge streams: memory holds one row group per input and one row group of output,
 * whatever the size of the batches.
 */
public final class Maintainer {

    private final BlobStore store;
    private final BatchPublisher publisher;

    public Maintainer(BlobStore store, BatchWriteOptions writeOptions) {
        this.store = store;
        this.publisher = new BatchPublisher(store, writeOptions);
    }

    /**
     * Drains {@code plan}: the unsealed updates with times in {@code [lower, upper)}, merged into
     * one level-0 trace batch. Writes no batch, and returns an {@code ApplyDrain} without one, when
     * the range holds no update after consolidation.
     */
    public Transition.ApplyDrain drain(DrainPlan plan) throws IOException {
        List<UpdateCursor> inputs =
                BatchCursors.unsealedRange(store, plan.inputs(), plan.lower().time(), plan.upper());
        Description desc = new Description(plan.lower(), plan.upper(), Frontier.minimum());
        Optional<NewTraceBatch> batch = write(new MergingCursor(inputs), desc);
        return new Transition.ApplyDrain(plan.lower(), plan.upper(), batch);
    }

    /**
     * Rewrites {@code plan.batch()} without its updates below the trace upper, same SeqNo range.
     */
    public Transition.ApplyTrim trim(TrimPlan plan) throws IOException {
        UnsealedBatchMeta b = plan.batch();
        UpdateCursor in =
                Cursors.filterTimes(
                        BatchCursors.openUnsealed(store, b),
                        plan.traceUpper().time(),
                        Frontier.closed());
        Optional<NewUnsealedBatch> replacement = publisher.writeUnsealed(in);
        if (replacement.isEmpty()) {
            // The state said some update is at or beyond the trace upper (tsUpper); the data
            // disagrees.
            throw new CorruptBlobException(
                    b.key(),
                    "no update at or after the trace upper "
                            + plan.traceUpper()
                            + " but tsUpper="
                            + b.tsUpper());
        }
        return new Transition.ApplyTrim(b.key(), replacement.get());
    }

    /**
     * Carries out {@code plan} in one pass: its run of trace batches, and the unsealed updates of
     * its drain if it has one, merged with times advanced to its since into one new trace batch,
     * whose level follows {@link MergePlan#mergedLevel}.
     */
    public Transition.ApplyMerge merge(MergePlan plan) throws IOException {
        List<UpdateCursor> drained =
                plan.drain().isPresent()
                        ? BatchCursors.unsealedRange(
                                store,
                                plan.drain().get().inputs(),
                                plan.drain().get().lower().time(),
                                plan.drain().get().upper())
                        : List.of();
        List<UpdateCursor> cursors = openTrace(plan.run(), plan.since(), drained);
        Description desc = new Description(plan.lower(), plan.upper(), plan.since());
        BatchPublisher.Written written = publisher.writeTrace(new MergingCursor(cursors));
        BatchStats stats = written.stats();
        NewTraceBatch merged =
                new NewTraceBatch(
                        written.key(),
                        desc,
                        plan.mergedLevel(stats.sizeBytes()),
                        stats.sizeBytes(),
                        stats.updateCount());
        return new Transition.ApplyMerge(
                plan.keys(),
                plan.drain().map(d -> new Transition.Drained(d.lower(), d.upper())),
                merged);
    }

    /**
     * Opens {@code trace} and then takes {@code more}, all with times advanced to {@code since}; on
     * a failure closes whatever it holds, {@code more} included.
     */
    private List<UpdateCursor> openTrace(
            List<TraceBatchMeta> trace, Frontier since, List<UpdateCursor> more)
            throws IOException {
        List<UpdateCursor> cursors = new ArrayList<>(trace.size() + more.size());
        try {
            for (TraceBatchMeta b : trace) {
                cursors.add(Cursors.advanceTimes(BatchCursors.openTrace(store, b), since.time()));
            }
        } catch (IOException | RuntimeException e) {
            cursors.addAll(more);
            for (UpdateCursor c : cursors) {
                try {
                    c.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        for (UpdateCursor c : more) {
            cursors.add(Cursors.advanceTimes(c, since.time()));
        }
        return cursors;
    }

    private Optional<NewTraceBatch> write(UpdateCursor in, Description desc) throws IOException {
        BatchPublisher.Written written = publisher.writeTrace(in);
        BatchStats stats = written.stats();
        if (stats.updateCount() == 0) {
            store.delete(written.key());
            return Optional.empty();
        }
        return Optional.of(
                new NewTraceBatch(written.key(), desc, 0, stats.sizeBytes(), stats.updateCount()));
    }
}
