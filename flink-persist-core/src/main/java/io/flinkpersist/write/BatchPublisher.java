package io.flinkpersist.write;

import io.flinkpersist.batch.BatchStats;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.BatchWriter;
import io.flinkpersist.batch.UpdateBuffer;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.state.CollectionLayout;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes sorted, consolidated streams of updates as new batch blobs under fresh keys ({@link
 * CollectionLayout#newBatchKey()}), without committing them: the ingest path's unsealed batches,
 * and the trace batches of drains and merges. The footer names the batch's kind.
 */
public final class BatchPublisher {

    /** The footer metadata key naming a batch's kind, {@code unsealed} or {@code trace}. */
    public static final String KIND_KEY = "flink-persist.kind";

    private final BlobStore store;
    private final BatchWriteOptions options;

    /**
     * Unsealed batches are written without key bloom filters: they live until the next drain, and a
     * filter costs about a fifth of an encode (JMH {@code encode}).
     */
    private final BatchWriteOptions unsealedOptions;

    public BatchPublisher(BlobStore store, BatchWriteOptions options) {
        this.store = store;
        this.options = options;
        this.unsealedOptions = options.withKeyBloomFilterFpp(0);
    }

    /** A trace batch written: its key and what it holds. */
    public record Written(String key, BatchStats stats) {}

    /**
     * Writes a sorted, consolidated stream as a new unsealed batch (not committed), and closes the
     * stream. Returns empty, writing nothing, if the stream is empty.
     */
    public Optional<NewUnsealedBatch> writeUnsealed(UpdateCursor in) throws IOException {
        Written w = write(in, "unsealed");
        BatchStats stats = w.stats();
        if (stats.updateCount() == 0) {
            store.delete(w.key());
            return Optional.empty();
        }
        return Optional.of(
                new NewUnsealedBatch(
                        w.key(),
                        stats.minTime().getAsLong(),
                        stats.maxTime().getAsLong(),
                        stats.sizeBytes(),
                        stats.updateCount()));
    }

    /**
     * Writes a sorted, consolidated buffer as a new unsealed batch (not committed), straight from
     * its arena. Returns empty, writing nothing, if the buffer is empty.
     */
    public Optional<NewUnsealedBatch> writeUnsealed(UpdateBuffer buffer) throws IOException {
        if (buffer.size() == 0) {
            return Optional.empty();
        }
        return Optional.of(writeUnsealed(buffer, Long.MIN_VALUE, Long.MAX_VALUE));
    }

    /**
     * Writes a sorted, consolidated buffer as new unsealed batches (not committed), straight from
     * its arena: one of the updates before {@code cut} and one of the rest, or one if all lie on
     * one side. A drain adopts a batch whole once the seal passes its last time, so a writer cuts
     * its spills at the seal its watermark allows: the batch before the cut is adopted by the next
     * drain, not rewritten, and the one after it (updates ahead of the watermark) by a later one.
     */
    public List<NewUnsealedBatch> writeUnsealed(UpdateBuffer buffer, long cut) throws IOException {
        if (buffer.size() == 0) {
            return List.of();
        }
        if (buffer.minTime() >= cut || buffer.maxTime() < cut) {
            return List.of(writeUnsealed(buffer, Long.MIN_VALUE, Long.MAX_VALUE));
        }
        return List.of(
                writeUnsealed(buffer, Long.MIN_VALUE, cut),
                writeUnsealed(buffer, cut, Long.MAX_VALUE));
    }

    /** The buffer's updates with times in {@code [from, to)}, at least one, as one batch. */
    private NewUnsealedBatch writeUnsealed(UpdateBuffer buffer, long from, long to)
            throws IOException {
        String key = CollectionLayout.newBatchKey();
        BatchStats stats;
        try (BatchWriter out =
                BatchWriter.create(store, key, unsealedOptions, Map.of(KIND_KEY, "unsealed"))) {
            buffer.writeTo(out, from, to);
            stats = out.finish();
        }
        PassCounters.add(PassCounters.SPILL, stats.updateCount(), stats.sizeBytes());
        return new NewUnsealedBatch(
                key,
                stats.minTime().getAsLong(),
                stats.maxTime().getAsLong(),
                stats.sizeBytes(),
                stats.updateCount());
    }

    /** Writes a sorted, consolidated stream as a new trace batch (not committed), and closes it. */
    public Written writeTrace(UpdateCursor in) throws IOException {
        return write(in, "trace");
    }

    /**
     * Writes a sorted, consolidated stream as a trace batch under {@code key}, which must not
     * exist, and closes the stream.
     *
     * @throws io.flinkpersist.blob.BlobAlreadyExistsException if {@code key} exists; nothing is
     *     published
     */
    public Written writeTrace(String key, UpdateCursor in) throws IOException {
        return write(key, in, "trace");
    }

    private Written write(UpdateCursor in, String kind) throws IOException {
        return write(CollectionLayout.newBatchKey(), in, kind);
    }

    private Written write(String key, UpdateCursor in, String kind) throws IOException {
        // Only fixed-size metadata: the level rule compares batch sizes, which must reflect data
        // alone.
        BatchWriteOptions o = kind.equals("unsealed") ? unsealedOptions : options;
        try (BatchWriter out = BatchWriter.create(store, key, o, Map.of(KIND_KEY, kind));
                UpdateCursor cursor = in) {
            out.addAll(cursor);
            return new Written(key, out.finish());
        }
    }
}
