package io.flinkpersist.source.reader;

import io.flinkpersist.batch.BatchCache;
import io.flinkpersist.batch.Cursors;
import io.flinkpersist.batch.IndexCache;
import io.flinkpersist.batch.MergingCursor;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.BlobStores;
import io.flinkpersist.read.BatchSlice;
import io.flinkpersist.read.KeyRange;
import io.flinkpersist.read.ReadTimes;
import io.flinkpersist.read.SnapshotPart;
import io.flinkpersist.source.ReadFilter;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.source.split.PersistSplit;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.annotation.Internal;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;

/**
 * Reads splits one after another, a bounded number of updates per fetch. A raw split reads its
 * slices in turn; a consolidated split merges all its slices, keeps its key range, and (without an
 * as-of time) collapses each {@code (key, value)} to one update. A restored split skips the updates
 * it emitted before the checkpoint.
 *
 * <p>What the settings' {@link ReadFilter} leaves out is not read: a consolidated split restricted
 * to key ranges reads each of its batches only where the ranges lie (row groups and pages, by the
 * files' key statistics and column indexes), a raw split drops keys outside them, every split skips
 * updates stored before the filter's time, and a split with a limit stops after that many updates.
 *
 * <p>A count split emits one update: the rows its metadata counted plus the diffs of its slices.
 */
@Internal
public final class PersistSplitReader implements SplitReader<RawUpdate, PersistSplit> {

    private static final int FETCH_SIZE = 4096;

    private static final byte[] EMPTY = new byte[0];

    /**
     * Batch files a key-range read keeps open across its ranges and splits; no decoded pages are
     * kept, a range reads each page once.
     */
    private static final int OPEN_FILES = 32;

    private final SourceSettings settings;
    private final ReadFilter filter;
    private final Deque<PersistSplit> queue = new ArrayDeque<>();
    private BlobStore store;
    private IndexCache indexes;
    private PersistSplit current;
    private UpdateCursor cursor;

    /** Updates of the current split emitted so far, those before a restore included. */
    private long emitted;

    public PersistSplitReader(SourceSettings settings) {
        this.settings = settings;
        this.filter = settings.filter();
    }

    @Override
    public RecordsWithSplitIds<RawUpdate> fetch() throws IOException {
        if (current == null) {
            current = queue.poll();
            if (current == null) {
                return new RecordsBySplits<>(Map.of(), Set.of());
            }
            if (current.mode() == PersistSplit.Mode.COUNT) {
                return count();
            }
            cursor = open(current);
            emitted = current.recordsToSkip();
            for (long i = 0; i < current.recordsToSkip(); i++) {
                if (!cursor.advance()) {
                    throw new IOException(
                            "Cannot resume split "
                                    + current.splitId()
                                    + ": it holds fewer than the "
                                    + current.recordsToSkip()
                                    + " updates already emitted");
                }
            }
        }
        List<RawUpdate> batch = new ArrayList<>(FETCH_SIZE);
        boolean more = true;
        while (batch.size() < FETCH_SIZE
                && (filter.limit() < 0 || emitted < filter.limit())
                && (more = cursor.advance())) {
            batch.add(new RawUpdate(cursor.key(), cursor.value(), cursor.time(), cursor.diff()));
            emitted++;
        }
        if (filter.limit() >= 0 && emitted >= filter.limit()) {
            more = false;
        }
        String id = current.splitId();
        Set<String> finished = Set.of();
        if (!more) {
            cursor.close();
            cursor = null;
            current = null;
            finished = Set.of(id);
        }
        return new RecordsBySplits<>(batch.isEmpty() ? Map.of() : Map.of(id, batch), finished);
    }

    /**
     * Counts the current split: its metadata count plus the diffs of its slices' updates, emitted
     * as one update (nothing if it was emitted before a restore).
     */
    private RecordsWithSplitIds<RawUpdate> count() throws IOException {
        PersistSplit split = current;
        current = null;
        if (split.recordsToSkip() > 0) {
            return new RecordsBySplits<>(Map.of(), Set.of(split.splitId()));
        }
        if (store == null) {
            store = BlobStores.open(settings.location(), settings.collection());
        }
        long rows = split.counted();
        try (UpdateCursor in = new SnapshotPart(split.slices(), split.times()).open(store)) {
            while (in.advance()) {
                try {
                    rows = Math.addExact(rows, in.diff());
                } catch (ArithmeticException e) {
                    throw new IOException(
                            "Cannot count split "
                                    + split.splitId()
                                    + ": the sum of its diffs overflows a long",
                            e);
                }
            }
        }
        RawUpdate counted = new RawUpdate(EMPTY, EMPTY, 0, rows);
        return new RecordsBySplits<>(
                Map.of(split.splitId(), List.of(counted)), Set.of(split.splitId()));
    }

    private UpdateCursor open(PersistSplit split) throws IOException {
        if (store == null) {
            store = BlobStores.open(settings.location(), settings.collection());
        }
        ReadTimes times = split.times().keepingFrom(filter.timesFrom());
        if (split.mode() == PersistSplit.Mode.RAW) {
            UpdateCursor raw = new SnapshotPart(split.slices(), times).open(store);
            List<KeyRange> ranges = filter.keyRanges();
            return ranges == null
                    ? raw
                    : Cursors.filterKeys(raw, key -> KeyRange.anyContains(ranges, key));
        }
        List<UpdateCursor> inputs = new ArrayList<>();
        try {
            if (filter.restrictsKeys()) {
                openKeyRanges(split, times, inputs);
            } else {
                for (BatchSlice s : split.slices()) {
                    inputs.add(s.open(store, times, BatchCache.disabled()));
                }
            }
        } catch (IOException | RuntimeException e) {
            for (UpdateCursor c : inputs) {
                c.close();
            }
            throw e;
        }
        UpdateCursor merged =
                Cursors.keyRange(new MergingCursor(inputs), split.lowerKey(), split.upperKey());
        return split.times().keepBefore().isClosed() ? Cursors.collapseTimes(merged) : merged;
    }

    /**
     * Adds to {@code inputs}, for each batch file of the split, its updates in the filter's key
     * ranges within the split's own range, range after range (so in key order).
     */
    private void openKeyRanges(PersistSplit split, ReadTimes times, List<UpdateCursor> inputs)
            throws IOException {
        if (indexes == null) {
            indexes = new IndexCache(OPEN_FILES, 0);
        }
        List<KeyRange> ranges = new ArrayList<>();
        for (KeyRange r : filter.keyRanges()) {
            KeyRange within = r.intersect(split.lowerKey(), split.upperKey());
            if (!within.isEmpty()) {
                ranges.add(within);
            }
        }
        // A batch may be in the split as several slices (row groups apart): read it once.
        Map<String, BatchSlice> batches = new LinkedHashMap<>();
        for (BatchSlice s : split.slices()) {
            batches.putIfAbsent(s.key(), s);
        }
        for (BatchSlice batch : batches.values()) {
            List<Cursors.CursorSupplier> perRange = new ArrayList<>();
            for (KeyRange r : ranges) {
                perRange.add(() -> batch.openKeyRange(store, times, r, indexes));
            }
            inputs.add(Cursors.concat(perRange));
        }
    }

    @Override
    public void handleSplitsChanges(SplitsChange<PersistSplit> change) {
        if (change instanceof SplitsAddition<PersistSplit> addition) {
            queue.addAll(addition.splits());
        }
    }

    @Override
    public void wakeUp() {}

    @Override
    public void close() throws Exception {
        if (cursor != null) {
            cursor.close();
        }
        if (indexes != null) {
            indexes.close();
        }
        if (store != null) {
            store.close();
        }
    }
}
