package io.flinkpersist.source.reader;

import io.flinkpersist.batch.BatchCache;
import io.flinkpersist.batch.Cursors;
import io.flinkpersist.batch.MergingCursor;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.BlobStores;
import io.flinkpersist.read.BatchSlice;
import io.flinkpersist.read.SnapshotPart;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.source.split.PersistSplit;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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
 */
@Internal
public final class PersistSplitReader implements SplitReader<RawUpdate, PersistSplit> {

    private static final int FETCH_SIZE = 4096;

    private final SourceSettings settings;
    private final Deque<PersistSplit> queue = new ArrayDeque<>();
    private BlobStore store;
    private PersistSplit current;
    private UpdateCursor cursor;

    public PersistSplitReader(SourceSettings settings) {
        this.settings = settings;
    }

    @Override
    public RecordsWithSplitIds<RawUpdate> fetch() throws IOException {
        if (current == null) {
            current = queue.poll();
            if (current == null) {
                return new RecordsBySplits<>(Map.of(), Set.of());
            }
            cursor = open(current);
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
        while (batch.size() < FETCH_SIZE && (more = cursor.advance())) {
            batch.add(new RawUpdate(cursor.key(), cursor.value(), cursor.time(), cursor.diff()));
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

    private UpdateCursor open(PersistSplit split) throws IOException {
        if (store == null) {
            store = BlobStores.open(settings.location(), settings.collection());
        }
        if (split.mode() == PersistSplit.Mode.RAW) {
            return new SnapshotPart(split.slices(), split.times()).open(store);
        }
        List<UpdateCursor> inputs = new ArrayList<>();
        try {
            for (BatchSlice s : split.slices()) {
                inputs.add(s.open(store, split.times(), BatchCache.disabled()));
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
        if (store != null) {
            store.close();
        }
    }
}
