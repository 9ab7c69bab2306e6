package io.flinkpersist.source.enumerator;

import io.flinkpersist.DiffSums;
import io.flinkpersist.Frontier;
import io.flinkpersist.batch.BatchFooter;
import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.RowGroupInfo;
import io.flinkpersist.batch.UpdateOrder;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.read.BatchSlice;
import io.flinkpersist.read.KeyRange;
import io.flinkpersist.read.ReadTimes;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.read.SnapshotPart;
import io.flinkpersist.read.SplitPlanner;
import io.flinkpersist.source.ReadFilter;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.annotation.Internal;

/**
 * Cuts a pinned snapshot into splits of nearly equal stored bytes.
 *
 * <ul>
 *   <li>Raw: row groups are dealt largest first to the part with the fewest bytes ({@link
 *       Snapshot#split}).
 *   <li>Consolidated: key ranges whose boundaries are row-group minimum keys, chosen so the row
 *       groups before each boundary add up to an equal share of the bytes; each split reads, from
 *       every batch, the row groups whose key range overlaps its own.
 * </ul>
 */
@Internal
public final class PersistSplitPlanner {

    private PersistSplitPlanner() {}

    /**
     * The splits of a snapshot read, largest first: consolidated key ranges or raw row groups, one
     * per reader at most.
     */
    public static List<PersistSplit> snapshot(
            BlobStore store, Snapshot snapshot, int parts, boolean consolidated)
            throws IOException {
        return snapshot(store, snapshot, parts, consolidated, ReadFilter.NONE);
    }

    /**
     * As {@link #snapshot(BlobStore, Snapshot, int, boolean)}, leaving out the batches, parts and
     * row groups that {@code filter} says hold nothing the read keeps (consolidated reads; a raw
     * read leaves them out when it reads).
     */
    public static List<PersistSplit> snapshot(
            BlobStore store, Snapshot snapshot, int parts, boolean consolidated, ReadFilter filter)
            throws IOException {
        List<PersistSplit> splits =
                consolidated ? consolidated(store, snapshot, parts, filter) : raw(snapshot, parts);
        splits.sort(Comparator.comparingLong(PersistSplit::bytes).reversed());
        return splits;
    }

    public static List<PersistSplit> raw(Snapshot snapshot, int parts) throws IOException {
        List<PersistSplit> out = new ArrayList<>();
        int i = 0;
        for (SnapshotPart part : snapshot.split(parts)) {
            if (!part.slices().isEmpty()) {
                out.add(
                        new PersistSplit(
                                "raw-" + snapshot.seqNo() + "-" + i++,
                                PersistSplit.Mode.RAW,
                                part.slices(),
                                part.times(),
                                null,
                                null,
                                0));
            }
        }
        return out;
    }

    /**
     * The splits that count the rows of a snapshot ({@link PersistSplit.Mode#COUNT}), at most
     * {@code parts}: a batch the read keeps whole is counted from the diff sum the state records
     * for it (a trace batch's parts) or, for an unsealed batch or one written before sums were
     * recorded, from its footer; the batches the read keeps only some times of, or with no sum
     * anywhere, are read, balanced by bytes. The first split carries the counted sum.
     */
    public static List<PersistSplit> count(BlobStore store, Snapshot snapshot, int parts)
            throws IOException {
        ReadTimes times = snapshot.times();
        long counted = 0;
        List<BatchSlice> toRead = new ArrayList<>();
        for (BatchSlice b : snapshot.wholeBatches()) {
            long sum = DiffSums.UNKNOWN;
            if (b.trace() != null && readWhole(b.trace(), times)) {
                sum = b.trace().diffSum();
                if (!DiffSums.isKnown(sum)) {
                    sum = BatchReader.readFooter(store, b.key()).diffSum();
                }
            } else if (b.unsealed() != null && readWhole(b.unsealed(), times)) {
                sum = BatchReader.readFooter(store, b.key()).diffSum();
            }
            long total = DiffSums.add(counted, sum);
            if (DiffSums.isKnown(total)) {
                counted = total;
            } else {
                toRead.add(b);
            }
        }
        List<PersistSplit> out = new ArrayList<>();
        for (SnapshotPart part : SplitPlanner.balance(toRead, parts, times)) {
            if (!part.slices().isEmpty()) {
                out.add(
                        new PersistSplit(
                                "count-" + snapshot.seqNo() + "-" + out.size(),
                                PersistSplit.Mode.COUNT,
                                part.slices(),
                                times,
                                null,
                                null,
                                0,
                                out.isEmpty() ? counted : 0));
            }
        }
        if (out.isEmpty()) {
            out.add(
                    new PersistSplit(
                            "count-" + snapshot.seqNo() + "-0",
                            PersistSplit.Mode.COUNT,
                            List.of(),
                            times,
                            null,
                            null,
                            0,
                            counted));
        }
        return out;
    }

    /** Whether a read with {@code times} keeps every update of trace batch {@code b}. */
    private static boolean readWhole(TraceBatchMeta b, ReadTimes times) {
        if (times.keepFrom() > 0) {
            return false;
        }
        if (times.keepBefore().isClosed()) {
            return true;
        }
        Frontier upper = b.desc().upper();
        Frontier since = b.desc().since();
        if (upper.isClosed() || since.isClosed()) {
            return false;
        }
        // Stored times lie below upper, or were advanced to since.
        return times.keepBefore().isBefore(Math.max(upper.time() - 1, since.time()));
    }

    /** Whether a read with {@code times} keeps every update of unsealed batch {@code b}. */
    private static boolean readWhole(UnsealedBatchMeta b, ReadTimes times) {
        return !times.unsealedFrom().isClosed()
                && times.unsealedFrom().lessEqual(b.tsLower())
                && times.keepFrom() <= b.tsLower()
                && times.keepBefore().isBefore(b.tsUpper());
    }

    /** A row group with the batch it belongs to. */
    private record Group(BatchSlice whole, RowGroupInfo info) {}

    public static List<PersistSplit> consolidated(BlobStore store, Snapshot snapshot, int parts)
            throws IOException {
        return consolidated(store, snapshot, parts, ReadFilter.NONE);
    }

    private static List<PersistSplit> consolidated(
            BlobStore store, Snapshot snapshot, int parts, ReadFilter filter) throws IOException {
        List<BatchSlice> batches = wholeBatches(snapshot.state(), filter);
        List<List<RowGroupInfo>> footers = new ArrayList<>();
        List<Group> groups = new ArrayList<>();
        long total = 0;
        for (BatchSlice b : batches) {
            BatchFooter footer = BatchReader.readFooter(store, b.key());
            List<RowGroupInfo> kept = new ArrayList<>();
            for (RowGroupInfo g : footer.rowGroups()) {
                if (g.hasKeyBounds() && !filter.mayHoldKeys(g.minKey(), g.maxKey())) {
                    continue;
                }
                kept.add(g);
                groups.add(new Group(b, g));
                total += Math.max(1, g.compressedBytes());
            }
            footers.add(kept);
        }
        // Boundaries: minimum keys of row groups, taken where the bytes before them pass each
        // share.
        List<Group> byKey = new ArrayList<>();
        for (Group g : groups) {
            if (g.info().hasKeyBounds()) {
                byKey.add(g);
            }
        }
        byKey.sort(Comparator.comparing(g -> g.info().minKey(), UpdateOrder::compareBytes));
        // Bytes before each row group, in key order, to place the part bounds of trace batches.
        long[] before = new long[byKey.size() + 1];
        for (int i = 0; i < byKey.size(); i++) {
            before[i + 1] = before[i] + Math.max(1, byKey.get(i).info().compressedBytes());
        }
        List<byte[]> partBounds = partBounds(snapshot);
        List<byte[]> bounds = new ArrayList<>();
        long seen = 0;
        int next = 1;
        for (Group g : byKey) {
            if (next < parts && seen >= next * total / parts) {
                byte[] key = g.info().minKey();
                // A trace batch's part bound near the share is a better cut: the split then reads
                // whole parts of it.
                byte[] aligned =
                        nearestPartBound(
                                partBounds, byKey, before, next * total / parts, total / parts / 4);
                if (aligned != null) {
                    key = aligned;
                }
                if (bounds.isEmpty()
                        || UpdateOrder.compareBytes(bounds.get(bounds.size() - 1), key) < 0) {
                    bounds.add(key);
                }
                next++;
            }
            seen += Math.max(1, g.info().compressedBytes());
        }
        List<PersistSplit> out = new ArrayList<>();
        for (int r = 0; r <= bounds.size(); r++) {
            byte[] lower = r == 0 ? null : bounds.get(r - 1);
            byte[] upper = r == bounds.size() ? null : bounds.get(r);
            List<BatchSlice> slices = new ArrayList<>();
            for (int b = 0; b < batches.size(); b++) {
                addOverlapping(slices, batches.get(b), footers.get(b), lower, upper);
            }
            out.add(
                    new PersistSplit(
                            "consolidated-" + snapshot.seqNo() + "-" + r,
                            PersistSplit.Mode.CONSOLIDATED,
                            slices,
                            snapshot.times(),
                            lower,
                            upper,
                            0));
        }
        return out;
    }

    /**
     * Every batch of {@code state}'s snapshot as one whole slice, as {@link
     * Snapshot#wholeBatches()}, without the batches whose times all lie before the filter's time
     * bound and the parts of trace batches whose key range lies outside the filter's key ranges.
     */
    static List<BatchSlice> wholeBatches(CollectionState state, ReadFilter filter) {
        List<BatchSlice> out = new ArrayList<>();
        for (TraceBatchMeta b : state.trace()) {
            if (beforeTimes(b, filter)) {
                continue;
            }
            List<TraceBatchMeta> views = b.partViews();
            for (int i = 0; i < views.size(); i++) {
                byte[] lower = b.parts().get(i).lower();
                byte[] upper = b.partUpper(i);
                if (filter.restrictsKeys() && !overlapsAny(filter, lower, upper)) {
                    continue;
                }
                TraceBatchMeta part = views.get(i);
                out.add(BatchSlice.ofTrace(part, 0, Integer.MAX_VALUE, part.sizeBytes()));
            }
        }
        if (!state.traceUpper().isClosed()) {
            for (UnsealedBatchMeta b : state.unsealed()) {
                if (state.traceUpper().lessEqual(b.tsUpper())
                        && !filter.skipsTimesBefore(b.tsUpper() + 1)) {
                    out.add(BatchSlice.ofUnsealed(b, 0, Integer.MAX_VALUE, b.sizeBytes()));
                }
            }
        }
        return out;
    }

    /**
     * Whether every time stored in trace batch {@code b} lies before the filter's time bound: its
     * times are below its upper, or advanced to its since.
     */
    private static boolean beforeTimes(TraceBatchMeta b, ReadFilter filter) {
        Frontier upper = b.desc().upper();
        Frontier since = b.desc().since();
        if (upper.isClosed() || since.isClosed()) {
            return false;
        }
        return filter.skipsTimesBefore(Math.max(upper.time(), since.time() + 1));
    }

    /** Whether keys {@code [lower, upper)} (upper null: unbounded) meet a range of the filter. */
    private static boolean overlapsAny(ReadFilter filter, byte[] lower, byte[] upper) {
        for (KeyRange r : filter.keyRanges()) {
            if (!r.intersect(lower, upper).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** The lower key bounds of the parts of the snapshot's multi-part trace batches, sorted. */
    private static List<byte[]> partBounds(Snapshot snapshot) {
        List<byte[]> out = new ArrayList<>();
        for (TraceBatchMeta b : snapshot.state().trace()) {
            for (int i = 1; i < b.parts().size(); i++) {
                byte[] lower = b.parts().get(i).lower();
                if (lower.length > 0) {
                    out.add(lower);
                }
            }
        }
        out.sort(UpdateOrder::compareBytes);
        return out;
    }

    /**
     * The part bound whose bytes before it (all row groups with a smaller least key) lie nearest
     * {@code target}, if within {@code tolerance}; else null.
     */
    private static byte[] nearestPartBound(
            List<byte[]> partBounds,
            List<Group> byKey,
            long[] before,
            long target,
            long tolerance) {
        byte[] best = null;
        long bestDistance = Long.MAX_VALUE;
        for (byte[] bound : partBounds) {
            int lo = 0;
            int hi = byKey.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (UpdateOrder.compareBytes(byKey.get(mid).info().minKey(), bound) < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            long distance = Math.abs(before[lo] - target);
            if (distance <= tolerance && distance < bestDistance) {
                best = bound;
                bestDistance = distance;
            }
        }
        return best;
    }

    /**
     * A continuous read's splits for the newly sealed interval {@code [from, seal)} of {@code
     * state} (with a closed seal, every update at or after {@code from}): the row groups of every
     * trace batch whose description overlaps the interval and of every unsealed batch holding times
     * in it at or after the trace upper, balanced by bytes into at most {@code parts} raw splits
     * that keep only the interval's times. Needs {@code since <= from} in {@code state}, so that no
     * time in the interval has been advanced.
     */
    public static List<PersistSplit> interval(
            BlobStore store, CollectionState state, long from, int parts) throws IOException {
        return interval(store, state, from, state.seal(), parts, ReadFilter.NONE);
    }

    /**
     * As {@link #interval(BlobStore, CollectionState, long, int)} for the interval {@code [from,
     * to)} ({@code to} at most the seal), leaving out the row groups {@code filter} says hold no
     * key the read keeps.
     */
    public static List<PersistSplit> interval(
            BlobStore store,
            CollectionState state,
            long from,
            Frontier to,
            int parts,
            ReadFilter filter)
            throws IOException {
        if (state.seal().lessThan(to)) {
            throw new IllegalArgumentException(
                    "Cannot plan interval ["
                            + from
                            + ", "
                            + to
                            + "): it ends after the seal "
                            + state.seal());
        }
        List<BatchSlice> units = new ArrayList<>();
        for (TraceBatchMeta b : state.trace()) {
            boolean overlaps = b.desc().lower().lessThan(to) && b.desc().upper().isBefore(from);
            if (overlaps) {
                for (TraceBatchMeta part : b.partViews()) {
                    units.addAll(
                            rowGroups(
                                    store,
                                    BatchSlice.ofTrace(
                                            part, 0, Integer.MAX_VALUE, part.sizeBytes()),
                                    filter));
                }
            }
        }
        for (UnsealedBatchMeta b : state.unsealed()) {
            if (b.tsUpper() >= from
                    && to.isBefore(b.tsLower())
                    && state.traceUpper().lessEqual(b.tsUpper())) {
                units.addAll(
                        rowGroups(
                                store,
                                BatchSlice.ofUnsealed(b, 0, Integer.MAX_VALUE, b.sizeBytes()),
                                filter));
            }
        }
        ReadTimes times = new ReadTimes(state.traceUpper(), from, to, 0);
        String name = to.isClosed() ? "closed" : Long.toString(to.time());
        List<PersistSplit> splits = new ArrayList<>();
        int i = 0;
        for (SnapshotPart part : SplitPlanner.balance(units, parts, times)) {
            if (!part.slices().isEmpty()) {
                splits.add(
                        new PersistSplit(
                                "interval-" + name + "-" + i++,
                                PersistSplit.Mode.RAW,
                                part.slices(),
                                times,
                                null,
                                null,
                                0));
            }
        }
        return splits;
    }

    /** One slice per row group of a whole batch, weighed by its compressed bytes. */
    private static List<BatchSlice> rowGroups(BlobStore store, BatchSlice whole, ReadFilter filter)
            throws IOException {
        List<BatchSlice> out = new ArrayList<>();
        for (RowGroupInfo g : BatchReader.readFooter(store, whole.key()).rowGroups()) {
            if (g.hasKeyBounds() && !filter.mayHoldKeys(g.minKey(), g.maxKey())) {
                continue;
            }
            long bytes = Math.max(1, g.compressedBytes());
            out.add(
                    whole.trace() != null
                            ? BatchSlice.ofTrace(whole.trace(), g.index(), g.index() + 1, bytes)
                            : BatchSlice.ofUnsealed(
                                    whole.unsealed(), g.index(), g.index() + 1, bytes));
        }
        return out;
    }

    /**
     * Adds the row groups of one batch that may hold keys in {@code [lower, upper)}, joined when
     * adjacent.
     */
    private static void addOverlapping(
            List<BatchSlice> out,
            BatchSlice whole,
            List<RowGroupInfo> groups,
            byte[] lower,
            byte[] upper) {
        int from = -1;
        int to = -1;
        long bytes = 0;
        for (RowGroupInfo g : groups) {
            boolean overlaps =
                    !g.hasKeyBounds()
                            || ((lower == null || UpdateOrder.compareBytes(g.maxKey(), lower) >= 0)
                                    && (upper == null
                                            || UpdateOrder.compareBytes(g.minKey(), upper) < 0));
            if (overlaps && from >= 0 && g.index() == to) {
                to++;
                bytes += Math.max(1, g.compressedBytes());
            } else if (overlaps) {
                if (from >= 0) {
                    out.add(slice(whole, from, to, bytes));
                }
                from = g.index();
                to = from + 1;
                bytes = Math.max(1, g.compressedBytes());
            }
        }
        if (from >= 0) {
            out.add(slice(whole, from, to, bytes));
        }
    }

    private static BatchSlice slice(BatchSlice whole, int from, int to, long bytes) {
        return whole.trace() != null
                ? BatchSlice.ofTrace(whole.trace(), from, to, bytes)
                : BatchSlice.ofUnsealed(whole.unsealed(), from, to, bytes);
    }
}
