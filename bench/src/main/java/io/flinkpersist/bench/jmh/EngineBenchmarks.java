package io.flinkpersist.bench.jmh;

import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.BatchWriter;
import io.flinkpersist.batch.IndexCache;
import io.flinkpersist.batch.MergingCursor;
import io.flinkpersist.batch.UpdateBuffer;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.InMemoryBlobStore;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.state.Transition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The engine's hot paths on one thread, in updates per second ({@link BenchData#UPDATES} updates
 * per operation; blobs in memory, so no disk time is included):
 *
 * <ul>
 *   <li>{@code encode}: a sorted, consolidated batch written as Parquet by {@link BatchWriter};
 *   <li>{@code decode}: that batch read back by {@link BatchReader}, every column;
 *   <li>{@code sortAndConsolidate}: a writer's buffer of updates in arrival order sorted and
 *       consolidated ({@link UpdateBuffer#sortAndConsolidate()}; filling the buffer is not timed);
 *   <li>{@code bufferFlush}: a writer's flush, fill + sort + consolidate + encode;
 *   <li>{@code merge}: the streaming two-way merge of two batches with consolidation, output
 *       discarded (a consolidated read), and {@code mergeAndWrite}: the same written as a new batch
 *       (a compaction);
 *   <li>{@code snapshotRaw} / {@code snapshotConsolidated}: a snapshot of a collection whose trace
 *       holds four batches, iterated batch by batch or merged;
 *   <li>{@code lookupHit} / {@code lookupMiss}: {@link Snapshot#lookup} of one key of that
 *       collection (present, or absent but inside its key range), through a warm index cache, in
 *       lookups per second. The bytes of decoded pages the index cache keeps are {@code
 *       -Dbench.page-cache} (0: none, every lookup reads and decodes its pages).
 * </ul>
 *
 * Every batch is written with the engine's options, except for the page size of {@code
 * -Dbench.page-size} (bytes), which bounds what a lookup decodes, and the key bloom filters'
 * false-positive probability of {@code -Dbench.bloom-fpp} (0: none), where given.
 *
 * <p>{@link ParquetReferenceBenchmark} writes the same rows with parquet-hadoop's example writer:
 * the plain Parquet rate beside {@code encode}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx3g", "-XX:+UseG1GC"})
public class EngineBenchmarks {

    /** Sorted, consolidated updates and their batch. */
    /**
     * The engine's batch write options, with the page size of {@code -Dbench.page-size} and the key
     * bloom filters' false-positive probability of {@code -Dbench.bloom-fpp} where given.
     */
    static BatchWriteOptions writeOptions() {
        BatchWriteOptions options = BatchWriteOptions.defaults();
        return options.withPageSizeBytes(
                        Integer.getInteger("bench.page-size", options.pageSizeBytes()))
                .withKeyBloomFilterFpp(
                        Double.parseDouble(
                                System.getProperty(
                                        "bench.bloom-fpp",
                                        Double.toString(options.keyBloomFilterFpp()))));
    }

    @State(Scope.Benchmark)
    public static class SortedBatch {
        BenchData data;
        InMemoryBlobStore store;
        String key = "batch.parquet";
        long written;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            data = BenchData.sorted(BenchData.UPDATES, 1);
            store = new InMemoryBlobStore();
            data.writeBatch(store, key, writeOptions());
        }
    }

    /** Updates in arrival order and a buffer filled with them before each sort. */
    @State(Scope.Benchmark)
    public static class ArrivalBuffer {
        BenchData data;
        UpdateBuffer buffer;

        @Setup(Level.Trial)
        public void setup() {
            data = BenchData.arrival(BenchData.UPDATES, 2);
            buffer = new UpdateBuffer(BenchData.UPDATES, BenchData.UPDATES * 32);
        }

        @Setup(Level.Invocation)
        public void refill() {
            buffer.clear();
            data.fill(buffer);
        }
    }

    /** Two batches of half the updates each, drawn from one key space. */
    @State(Scope.Benchmark)
    public static class TwoBatches {
        InMemoryBlobStore store;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            store = new InMemoryBlobStore();
            BenchData.sorted(BenchData.UPDATES / 2, 3)
                    .writeBatch(store, "a.parquet", writeOptions());
            BenchData.sorted(BenchData.UPDATES / 2, 4)
                    .writeBatch(store, "b.parquet", writeOptions());
        }
    }

    /** A collection whose trace holds four level-0 batches of a quarter of the updates each. */
    @State(Scope.Benchmark)
    public static class FourBatchCollection {
        InMemoryBlobStore store;
        PersistCollection collection;
        Snapshot snapshot;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            store = new InMemoryBlobStore();
            collection = PersistCollection.open(store, writeOptions());
            BenchData arrival = BenchData.arrival(BenchData.UPDATES, 5);
            int quarter = BenchData.UPDATES / 4;
            for (int part = 0; part < 4; part++) {
                UpdateBuffer buffer = new UpdateBuffer(quarter, quarter * 32);
                long maxTime = 0;
                for (int i = part * quarter; i < (part + 1) * quarter; i++) {
                    // Times within the part's own interval, so each drain takes exactly one part.
                    long t = (long) part * BenchData.UPDATES + i;
                    buffer.add(arrival.keys[i], arrival.values[i], t, arrival.diffs[i]);
                    maxTime = Math.max(maxTime, t);
                }
                buffer.sortAndConsolidate();
                List<Transition.NewUnsealedBatch> written = new ArrayList<>();
                collection.writeBatch(buffer).ifPresent(written::add);
                collection.commitAppend(
                        written, Optional.of(Frontier.at(maxTime + 1)), Optional.empty());
                collection.drain();
            }
            collection.evict();
            snapshot = collection.snapshot();
            if (snapshot.state().trace().size() != 4 || !snapshot.state().unsealed().isEmpty()) {
                throw new IllegalStateException(
                        "Expected four trace batches and no unsealed one: " + snapshot.state());
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.UPDATES)
    public long encode(SortedBatch s) throws IOException {
        return s.data.writeBatch(new InMemoryBlobStore(), "out.parquet", writeOptions());
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.UPDATES)
    public void decode(SortedBatch s, Blackhole bh) throws IOException {
        try (UpdateCursor c = BatchReader.open(s.store, s.key)) {
            drain(c, bh);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.UPDATES)
    public int sortAndConsolidate(ArrivalBuffer s) {
        s.buffer.sortAndConsolidate();
        return s.buffer.size();
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.UPDATES)
    public long bufferFlush(ArrivalBuffer s) throws IOException {
        // The buffer was filled before the invocation; fill it again to time the writer's add too.
        s.buffer.clear();
        s.data.fill(s.buffer);
        s.buffer.sortAndConsolidate();
        try (BatchWriter w =
                        BatchWriter.create(
                                new InMemoryBlobStore(),
                                "flush.parquet",
                                writeOptions(),
                                Map.of());
                UpdateCursor c = s.buffer.cursor()) {
            w.addAll(c);
            return w.finish().sizeBytes();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.UPDATES)
    public void merge(TwoBatches s, Blackhole bh) throws IOException {
        List<UpdateCursor> inputs = new ArrayList<>();
        inputs.add(BatchReader.open(s.store, "a.parquet"));
        inputs.add(BatchReader.open(s.store, "b.parquet"));
        try (UpdateCursor c = new MergingCursor(inputs)) {
            drain(c, bh);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.UPDATES)
    public long mergeAndWrite(TwoBatches s) throws IOException {
        List<UpdateCursor> inputs = new ArrayList<>();
        inputs.add(BatchReader.open(s.store, "a.parquet"));
        inputs.add(BatchReader.open(s.store, "b.parquet"));
        try (UpdateCursor c = new MergingCursor(inputs);
                BatchWriter w =
                        BatchWriter.create(
                                new InMemoryBlobStore(),
                                "merged.parquet",
                                writeOptions(),
                                Map.of())) {
            w.addAll(c);
            return w.finish().sizeBytes();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.UPDATES)
    public void snapshotRaw(FourBatchCollection s, Blackhole bh) throws IOException {
        try (UpdateCursor c = s.snapshot.readRaw()) {
            drain(c, bh);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.UPDATES)
    public void snapshotConsolidated(FourBatchCollection s, Blackhole bh) throws IOException {
        try (UpdateCursor c = s.snapshot.readConsolidated()) {
            drain(c, bh);
        }
    }

    /** The four-batch collection and keys to look up: its own, and absent ones. */
    @State(Scope.Thread)
    public static class Lookups {
        IndexCache cache =
                new IndexCache(
                        IndexCache.DEFAULT_MAX_OPEN_FILES,
                        Long.getLong("bench.page-cache", IndexCache.DEFAULT_PAGE_CACHE_BYTES));
        byte[][] present;
        byte[][] absent;
        int next;

        @Setup(Level.Trial)
        public void setup() {
            BenchData data = BenchData.arrival(BenchData.UPDATES, 5);
            Random random = new Random(7);
            present = new byte[4096][];
            absent = new byte[4096][];
            for (int i = 0; i < present.length; i++) {
                present[i] = data.keys[random.nextInt(data.keys.length)];
                // The same key with a byte appended: sorts next to it, never written.
                absent[i] = Arrays.copyOf(present[i], present[i].length + 1);
            }
        }
    }

    @Benchmark
    public void lookupHit(FourBatchCollection s, Lookups l, Blackhole bh) throws IOException {
        try (UpdateCursor c = s.snapshot.lookup(l.present[l.next++ & 4095], l.cache)) {
            drain(c, bh);
        }
    }

    @Benchmark
    public void lookupMiss(FourBatchCollection s, Lookups l, Blackhole bh) throws IOException {
        try (UpdateCursor c = s.snapshot.lookup(l.absent[l.next++ & 4095], l.cache)) {
            drain(c, bh);
        }
    }

    private static void drain(UpdateCursor c, Blackhole bh) throws IOException {
        while (c.advance()) {
            bh.consume(c.key());
            bh.consume(c.value());
            bh.consume(c.time());
            bh.consume(c.diff());
        }
    }
}
