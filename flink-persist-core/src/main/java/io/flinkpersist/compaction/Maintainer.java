package io.flinkpersist.compaction;

import io.flinkpersist.Frontier;
import io.flinkpersist.batch.BatchCache;
import io.flinkpersist.batch.BatchFooter;
import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.BatchStats;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.Cursors;
import io.flinkpersist.batch.MergingCursor;
import io.flinkpersist.batch.RowGroupInfo;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.batch.UpdateOrder;
import io.flinkpersist.blob.BlobAlreadyExistsException;
import io.flinkpersist.blob.BlobNotFoundException;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.CorruptBlobException;
import io.flinkpersist.read.BatchCursors;
import io.flinkpersist.state.BatchPart;
import io.flinkpersist.state.Description;
import io.flinkpersist.state.MergeRequest;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.Transition;
import io.flinkpersist.state.Transition.NewTraceBatch;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import io.flinkpersist.state.UnsealedBatchMeta;
import io.flinkpersist.write.BatchPublisher;
import io.flinkpersist.write.PassCounters;
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
        Description desc = new Description(plan.lower(), plan.upper(), Frontier.minimum());
        List<BatchPart> written = new ArrayList<>();
        if (!plan.rewritten().isEmpty()) {
            List<UpdateCursor> inputs =
                    BatchCursors.unsealedRange(
                            store, plan.rewritten(), plan.lower().time(), plan.upper());
            BatchPublisher.Written w = publisher.writeTrace(new MergingCursor(inputs));
            BatchStats stats = w.stats();
            PassCounters.add(PassCounters.DRAIN, stats.updateCount(), stats.sizeBytes());
            if (stats.updateCount() == 0) {
                store.delete(w.key());
            } else {
                written.add(
                        BatchPart.whole(
                                w.key(), stats.sizeBytes(), stats.updateCount(), stats.diffSum()));
            }
        }
        return drained(plan, desc, written);
    }

    /**
     * The drain of {@code plan} as a level-0 batch of its adopted unsealed batches, each a run of
     * its own, and then {@code written}, one more run (its parts in key order, the first without
     * lower bound); none if both are empty.
     */
    private Transition.ApplyDrain drained(DrainPlan plan, Description desc, List<BatchPart> written)
            throws IOException {
        List<BatchPart> parts = new ArrayList<>();
        List<String> adopted = new ArrayList<>();
        for (UnsealedBatchMeta b : plan.adopted()) {
            // The file's footer records the sum of its diffs, which the state keeps per part.
            long diffSum = BatchReader.readFooter(store, b.key()).diffSum();
            parts.add(
                    BatchPart.whole(b.key(), b.sizeBytes(), b.updateCount(), diffSum)
                            .inRun(adopted.size()));
            adopted.add(b.key());
            PassCounters.adopt(b.updateCount());
        }
        for (BatchPart p : written) {
            parts.add(p.inRun(adopted.size()));
        }
        Optional<NewTraceBatch> batch =
                parts.isEmpty()
                        ? Optional.empty()
                        : Optional.of(NewTraceBatch.ofParts(desc, 0, parts));
        return new Transition.ApplyDrain(plan.lower(), plan.upper(), batch, adopted);
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
        replacement.ifPresent(
                r -> PassCounters.add(PassCounters.TRIM, r.updateCount(), r.sizeBytes()));
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
     * Carries out {@code plan} as {@code parts} key-range parts written one after another here (as
     * one file if {@code parts <= 1}), and returns the transition that installs them: an {@code
     * ApplyDrain} for a drain alone, else an {@code ApplyMerge}.
     */
    public Transition mergeInParts(MergePlan plan, int parts) throws IOException {
        if (plan.isDrainOnly() && (parts <= 1 || plan.drain().get().rewritten().isEmpty())) {
            return drain(plan.drain().orElseThrow());
        }
        if (parts <= 1) {
            return merge(plan);
        }
        MergeRequest request = MergeRequests.request(store, plan, parts, 0);
        for (int j = 0; j < request.partCount(); j++) {
            writePart(request, plan, j);
        }
        Completion done = complete(request, plan);
        for (String key : done.emptyParts()) {
            store.delete(key);
        }
        return done.transition().result();
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
        PassCounters.add(pass(plan), stats.updateCount(), stats.sizeBytes());
        NewTraceBatch merged =
                NewTraceBatch.single(
                        written.key(),
                        desc,
                        plan.mergedLevel(stats.updateCount()),
                        stats.sizeBytes(),
                        stats.updateCount(),
                        stats.diffSum());
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
            closeAll(cursors, e);
            throw e;
        }
        for (UpdateCursor c : more) {
            cursors.add(Cursors.advanceTimes(c, since.time()));
        }
        return cursors;
    }

    /**
     * Writes part {@code j} of {@code request}, planned as {@code plan}: every input's updates with
     * keys in the part's range, merged with times advanced to the plan's since, under the part's
     * key. Returns false, publishing nothing, if the part exists already (another worker wrote it).
     */
    public boolean writePart(MergeRequest request, MergePlan plan, int j) throws IOException {
        byte[] lo = request.partLower(j);
        byte[] hi = request.partUpper(j);
        List<UpdateCursor> cursors = new ArrayList<>();
        try {
            long since = plan.since().time();
            for (TraceBatchMeta b : TraceBatchMeta.runsOf(plan.run())) {
                List<String> keys = new ArrayList<>();
                List<Cursors.CursorSupplier> parts = new ArrayList<>();
                List<TraceBatchMeta> views = b.partViews();
                for (int i = 0; i < views.size(); i++) {
                    if (overlaps(b.parts().get(i).lower(), b.partUpper(i), lo, hi)) {
                        TraceBatchMeta view = views.get(i);
                        keys.add(view.key());
                        parts.add(
                                () ->
                                        Cursors.advanceTimes(
                                                openRange(
                                                        view.key(),
                                                        lo,
                                                        hi,
                                                        (from, to) ->
                                                                BatchCursors.openTrace(
                                                                        store,
                                                                        view,
                                                                        from,
                                                                        to,
                                                                        BatchCache.disabled())),
                                                since));
                    }
                }
                cursors.add(Cursors.concatSorted(keys, parts));
            }
            if (plan.drain().isPresent()) {
                DrainPlan d = plan.drain().get();
                long lower = d.lower().time();
                for (UnsealedBatchMeta b : drainRead(plan)) {
                    if (lower <= b.tsUpper() && d.upper().isBefore(b.tsLower())) {
                        UpdateCursor in =
                                Cursors.filterTimes(
                                        openRange(
                                                b.key(),
                                                lo,
                                                hi,
                                                (from, to) ->
                                                        BatchCursors.openUnsealed(
                                                                store,
                                                                b,
                                                                from,
                                                                to,
                                                                BatchCache.disabled())),
                                        lower,
                                        d.upper());
                        cursors.add(
                                plan.isDrainOnly()
                                        ? in
                                        : Cursors.advanceTimes(in, plan.since().time()));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            closeAll(cursors, e);
            throw e;
        }
        try {
            BatchStats stats =
                    publisher.writeTrace(request.partKey(j), new MergingCursor(cursors)).stats();
            PassCounters.add(pass(plan), stats.updateCount(), stats.sizeBytes());
            return true;
        } catch (BlobAlreadyExistsException e) {
            return false;
        }
    }

    /** The parts of {@code request} not written yet, by index. */
    public List<Integer> missingParts(MergeRequest request) throws IOException {
        List<Integer> missing = new ArrayList<>();
        for (int j = 0; j < request.partCount(); j++) {
            try {
                store.open(request.partKey(j)).close();
            } catch (BlobNotFoundException e) {
                missing.add(j);
            }
        }
        return missing;
    }

    /**
     * The transition that installs {@code request} once every part is written: its non-empty parts
     * as one batch (a merge keeps one empty part if all are empty; a drain then installs nothing).
     * Also returns the empty parts left out, to delete once it is committed.
     *
     * @throws BlobNotFoundException if a part is missing
     */
    public Completion complete(MergeRequest request, MergePlan plan) throws IOException {
        List<BatchPart> parts = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        long firstEmptySize = 0;
        for (int j = 0; j < request.partCount(); j++) {
            String key = request.partKey(j);
            BatchFooter footer = BatchReader.readFooter(store, key);
            if (footer.totalRows() == 0) {
                if (empty.isEmpty()) {
                    firstEmptySize = footer.fileSizeBytes();
                }
                empty.add(key);
            } else {
                parts.add(
                        new BatchPart(
                                key,
                                request.partLower(j),
                                footer.fileSizeBytes(),
                                footer.totalRows(),
                                footer.diffSum()));
            }
        }
        if (parts.isEmpty() && !plan.isDrainOnly()) {
            String first = empty.remove(0);
            parts.add(BatchPart.whole(first, firstEmptySize, 0, 0));
        }
        Description desc = new Description(plan.lower(), plan.upper(), plan.since());
        if (!parts.isEmpty()) {
            // The first part holds every key below the second's lower: it needs no bound.
            parts.set(
                    0,
                    BatchPart.whole(
                            parts.get(0).key(),
                            parts.get(0).sizeBytes(),
                            parts.get(0).updateCount(),
                            parts.get(0).diffSum()));
        }
        if (plan.isDrainOnly()) {
            Transition.ApplyDrain drain = drained(plan.drain().orElseThrow(), desc, parts);
            return new Completion(new Transition.CompleteRequest(request.id(), drain), empty);
        }
        long updates = parts.stream().mapToLong(BatchPart::updateCount).sum();
        Transition result =
                new Transition.ApplyMerge(
                        plan.keys(),
                        plan.drain().map(d -> new Transition.Drained(d.lower(), d.upper())),
                        NewTraceBatch.ofParts(desc, plan.mergedLevel(updates), parts));
        return new Completion(new Transition.CompleteRequest(request.id(), result), empty);
    }

    /** What completes a request, and its empty parts to delete once that is committed. */
    public record Completion(Transition.CompleteRequest transition, List<String> emptyParts) {}

    /**
     * Opens a batch file's updates with keys in {@code [lo, hi)}, reading only the row groups that
     * can hold them.
     */
    private UpdateCursor openRange(String key, byte[] lo, byte[] hi, RowGroupOpener opener)
            throws IOException {
        List<RowGroupInfo> groups = BatchReader.readFooter(store, key).rowGroups();
        int from = 0;
        int to = groups.size();
        while (from < to
                && groups.get(from).hasKeyBounds()
                && below(groups.get(from).maxKey(), lo)) {
            from++;
        }
        while (to > from
                && groups.get(to - 1).hasKeyBounds()
                && hi != null
                && UpdateOrder.compareBytes(groups.get(to - 1).minKey(), hi) >= 0) {
            to--;
        }
        if (from == to) {
            return UpdateCursor.empty();
        }
        return Cursors.keyRange(opener.open(from, to), lo.length == 0 ? null : lo, hi);
    }

    /** Whether every key up to {@code max} lies below {@code lo}. */
    private static boolean below(byte[] max, byte[] lo) {
        return UpdateOrder.compareBytes(max, lo) < 0;
    }

    /** Whether the part range {@code [lower, upper)} meets {@code [lo, hi)} (null: unbounded). */
    private static boolean overlaps(byte[] lower, byte[] upper, byte[] lo, byte[] hi) {
        boolean startsBeforeHi = hi == null || UpdateOrder.compareBytes(lower, hi) < 0;
        boolean endsAfterLo = upper == null || UpdateOrder.compareBytes(lo, upper) < 0;
        return startsBeforeHi && endsAfterLo;
    }

    @FunctionalInterface
    private interface RowGroupOpener {
        UpdateCursor open(int fromRowGroup, int toRowGroup) throws IOException;
    }

    /**
     * The unsealed batches whose updates {@code plan} reads and writes: a drain alone reads only
     * what it cannot adopt, a drain merged with trace batches every input.
     */
    static List<UnsealedBatchMeta> drainRead(MergePlan plan) {
        DrainPlan d = plan.drain().orElseThrow();
        return plan.isDrainOnly() ? d.rewritten() : d.inputs();
    }

    /** The pass {@code plan} counts as ({@link PassCounters}). */
    private static String pass(MergePlan plan) {
        if (plan.isDrainOnly()) {
            return PassCounters.DRAIN;
        }
        int level = plan.run().stream().mapToInt(TraceBatchMeta::level).max().orElse(0);
        return PassCounters.merge(level, plan.drain().isPresent());
    }

    /** Closes {@code cursors} after {@code failure}, adding their own failures to it. */
    private static void closeAll(List<UpdateCursor> cursors, Exception failure) {
        for (UpdateCursor c : cursors) {
            try {
                c.close();
            } catch (IOException suppressed) {
                failure.addSuppressed(suppressed);
            }
        }
    }
}
