package io.flinkpersist.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.batch.UpdateBufferTest.U;
import io.flinkpersist.blob.BlobNotFoundException;
import io.flinkpersist.blob.BlobWriter;
import io.flinkpersist.blob.CorruptBlobException;
import io.flinkpersist.blob.InMemoryBlobStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.Test;

class BatchCacheTest {

    private static final BatchWriteOptions SMALL_GROUPS =
            BatchWriteOptions.defaults().withRowGroupSizeBytes(16 << 10).withPageSizeBytes(4 << 10);

    private final InMemoryBlobStore store = new InMemoryBlobStore();

    // --------------------------------------------------------------------------------------------
    // DecodedRowGroup

    /** A row group of {@code rows} updates with {@code keyBytes}-byte keys and empty values. */
    private static DecodedRowGroup group(int rowGroup, int rows, int keyBytes) {
        DecodedRowGroup.Builder b = DecodedRowGroup.builder(rowGroup, rowGroup + 1, 0);
        for (int i = 0; i < rows; i++) {
            byte[] k = ByteBuffer.allocate(Math.max(4, keyBytes)).putInt(i).array();
            b.add(k, new byte[0], i, 1);
        }
        return b.build();
    }

    @Test
    void sizeBytesCountsHeadersLengthsAndLongs() {
        DecodedRowGroup g =
                DecodedRowGroup.builder(0, 1, 0)
                        .add(new byte[3], new byte[0], 1, 1)
                        .add(new byte[9], new byte[20], 2, -1)
                        .build();
        long expected =
                56 // the object: 12 header + 4 refs * 4 + 2 ints + 2 longs = 52, aligned
                        + 2 * 24 // byte[][] keys and values: 16 + 2 * 4
                        + 2 * 32 // long[] times and diffs: 16 + 2 * 8
                        + 24
                        + 32 // keys: 16 + 3, 16 + 9, aligned
                        + 16
                        + 40; // values: 16 + 0, 16 + 20, aligned
        assertThat(g.sizeBytes()).isEqualTo(expected);
        // Grows by at least the payload.
        assertThat(group(0, 1000, 100).sizeBytes()).isGreaterThan(1000 * (100 + 16 + 16 + 8 + 8L));
    }

    @Test
    void decodedRowGroupCursorServesTheUpdatesInOrder() throws IOException {
        DecodedRowGroup g = group(2, 3, 4);
        assertThat(g.rowGroup()).isEqualTo(2);
        assertThat(g.fileRowGroupCount()).isEqualTo(3);
        assertThat(g.size()).isEqualTo(3);
        UpdateCursor c = g.cursor();
        assertThatThrownBy(c::key).isInstanceOf(IllegalStateException.class);
        assertThat(UpdateBufferTest.drain(c)).extracting(U::time).containsExactly(0L, 1L, 2L);
        assertThat(UpdateBufferTest.drain(g.cursor())).hasSize(3); // a cursor per call
        assertThatThrownBy(() -> DecodedRowGroup.builder(3, 3, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // --------------------------------------------------------------------------------------------
    // the cache itself

    @Test
    void evictsLeastRecentlyUsedAndStaysWithinTheBound() {
        long size = group(0, 10, 8).sizeBytes();
        BatchCache cache = new BatchCache(3 * size + size / 2);
        assertThat(cache.put("a", 0, group(0, 10, 8))).isTrue();
        assertThat(cache.put("a", 1, group(1, 10, 8))).isTrue();
        assertThat(cache.put("a", 2, group(2, 10, 8))).isTrue();
        assertThat(cache.sizeBytes()).isEqualTo(3 * size);
        assertThat(cache.get("a", 0)).isPresent(); // now 1 is the least recently used
        assertThat(cache.put("a", 3, group(3, 10, 8))).isTrue();
        assertThat(cache.evictions()).isEqualTo(1);
        assertThat(cache.entryCount()).isEqualTo(3);
        assertThat(cache.sizeBytes()).isEqualTo(3 * size);
        assertThat(cache.peek("a", 1)).isEmpty();
        assertThat(cache.peek("a", 0)).isPresent();
        assertThat(cache.peek("a", 2)).isPresent();
        assertThat(cache.peek("a", 3)).isPresent();

        // A big entry evicts as many of the oldest as it needs: order is now 0, 2, 3 (peek
        // touched).
        DecodedRowGroup big = group(4, 25, 8);
        assertThat(big.sizeBytes())
                .isGreaterThan(2 * size)
                .isLessThanOrEqualTo(cache.maxBytes() - size);
        assertThat(cache.put("b", 4, big)).isTrue();
        assertThat(cache.evictions()).isEqualTo(3);
        assertThat(cache.peek("a", 3)).isPresent();
        assertThat(cache.peek("b", 4)).isPresent();
        assertThat(cache.entryCount()).isEqualTo(2);
        assertThat(cache.sizeBytes())
                .isEqualTo(size + big.sizeBytes())
                .isLessThanOrEqualTo(cache.maxBytes());
    }

    @Test
    void fillingUntilEvictionKeepsTheNewestAndNeverExceedsTheBound() {
        Random random = new Random(7);
        BatchCache cache = new BatchCache(50_000);
        List<DecodedRowGroup> added = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            DecodedRowGroup g = group(i, 1 + random.nextInt(40), 4 + random.nextInt(60));
            assertThat(cache.put("blob", i, g)).isTrue();
            added.add(g);
            assertThat(cache.sizeBytes()).isLessThanOrEqualTo(50_000);
        }
        // Without gets, LRU is insertion order: exactly the longest suffix that fits remains.
        long sum = 0;
        int kept = 0;
        for (int i = added.size() - 1; i >= 0 && sum + added.get(i).sizeBytes() <= 50_000; i--) {
            sum += added.get(i).sizeBytes();
            kept++;
        }
        assertThat(cache.entryCount()).isEqualTo(kept);
        assertThat(cache.sizeBytes()).isEqualTo(sum);
        assertThat(cache.evictions()).isEqualTo(200 - kept);
        for (int i = 0; i < 200; i++) {
            assertThat(cache.peek("blob", i).isPresent())
                    .as("row group %s", i)
                    .isEqualTo(i >= 200 - kept);
        }
    }

    @Test
    void anEntryLargerThanTheBoundIsNotCachedAndEvictsNothing() {
        DecodedRowGroup small = group(0, 2, 4);
        DecodedRowGroup big = group(1, 1000, 64);
        BatchCache cache = new BatchCache(big.sizeBytes() - 1);
        cache.put("a", 0, small);
        assertThat(cache.put("a", 1, big)).isFalse();
        assertThat(cache.get("a", 1)).isEmpty();
        assertThat(cache.get("a", 0)).containsSame(small);
        assertThat(cache.entryCount()).isEqualTo(1);
        assertThat(cache.sizeBytes()).isEqualTo(small.sizeBytes());
        assertThat(cache.evictions()).isZero();
    }

    @Test
    void countsHitsMissesAndEvictionsExactly() {
        long size = group(0, 5, 4).sizeBytes();
        BatchCache cache = new BatchCache(2 * size);
        assertThat(cache.get("a", 0)).isEmpty();
        cache.put("a", 0, group(0, 5, 4));
        cache.put("a", 0, group(0, 5, 4)); // replacing is neither an eviction nor growth
        assertThat(cache.sizeBytes()).isEqualTo(size);
        assertThat(cache.get("a", 0)).isPresent();
        assertThat(cache.get("a", 0)).isPresent();
        assertThat(cache.get("a", 1)).isEmpty();
        assertThat(cache.get("b", 0)).isEmpty();
        cache.put("a", 1, group(1, 5, 4));
        cache.put("a", 2, group(2, 5, 4));
        cache.put("a", 3, group(3, 5, 4));
        assertThat(cache.peek("a", 9)).isEmpty(); // peek counts nothing
        assertThat(cache.hits()).isEqualTo(2);
        assertThat(cache.misses()).isEqualTo(3);
        assertThat(cache.evictions()).isEqualTo(2);
        assertThat(cache.entryCount()).isEqualTo(2);
    }

    @Test
    void invalidateDropsEveryRowGroupOfTheBlobOnly() {
        BatchCache cache = new BatchCache(1 << 20);
        for (int i = 0; i < 3; i++) {
            cache.put("a", i, group(i, 4, 4));
            cache.put("b", i, group(i, 4, 4));
        }
        long before = cache.sizeBytes();
        assertThat(cache.invalidate("a")).isEqualTo(3);
        assertThat(cache.invalidate("a")).isZero();
        assertThat(cache.invalidate("missing")).isZero();
        assertThat(cache.entryCount()).isEqualTo(3);
        assertThat(cache.sizeBytes()).isEqualTo(before / 2);
        assertThat(cache.evictions()).isZero();
        for (int i = 0; i < 3; i++) {
            assertThat(cache.peek("a", i)).isEmpty();
            assertThat(cache.peek("b", i)).isPresent();
        }
    }

    @Test
    void rejectsBadArgumentsAndTheDisabledCacheHoldsNothing() {
        assertThatThrownBy(() -> new BatchCache(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("disabled()");
        BatchCache cache = new BatchCache(1 << 20);
        assertThatThrownBy(() -> cache.put("a", 1, group(0, 1, 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rowGroup=1, group.rowGroup=0");

        BatchCache disabled = BatchCache.disabled();
        assertThat(disabled.isEnabled()).isFalse();
        assertThat(disabled.put("a", 0, group(0, 1, 4))).isFalse();
        assertThat(disabled.get("a", 0)).isEmpty();
        assertThat(disabled.invalidate("a")).isZero();
        assertThat(
                        List.of(
                                disabled.hits(),
                                disabled.misses(),
                                disabled.evictions(),
                                disabled.sizeBytes()))
                .containsOnly(0L);
        assertThat(disabled.entryCount()).isZero();
    }

    @Test
    void concurrentGetsAndPutsStayWithinTheBound() throws Exception {
        long max = 40_000;
        BatchCache cache = new BatchCache(max);
        DecodedRowGroup[] groups = new DecodedRowGroup[64];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = group(i, 1 + (i * 7) % 50, 4 + (i * 13) % 40);
        }
        int threads = 4;
        int ops = 20_000;
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        long[] gets = new long[threads];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker =
                    new Thread(
                            () -> {
                                Random random = new Random(id);
                                try {
                                    start.await();
                                    for (int op = 0; op < ops; op++) {
                                        int i = random.nextInt(groups.length);
                                        String blob = "blob-" + (i % 4);
                                        switch (random.nextInt(10)) {
                                            case 0 -> cache.invalidate(blob);
                                            case 1, 2, 3 -> cache.put(blob, i, groups[i]);
                                            default -> {
                                                gets[id]++;
                                                cache.get(blob, i)
                                                        .ifPresent(
                                                                g -> {
                                                                    if (g != groups[i]) {
                                                                        throw new AssertionError(
                                                                                "wrong group for row group "
                                                                                        + i);
                                                                    }
                                                                });
                                            }
                                        }
                                        long size = cache.sizeBytes();
                                        if (size < 0 || size > max) {
                                            throw new AssertionError(
                                                    "sizeBytes out of bounds: " + size);
                                        }
                                    }
                                } catch (Throwable e) {
                                    failures.add(e);
                                }
                            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join(TimeUnit.MINUTES.toMillis(1));
            assertThat(worker.isAlive()).isFalse();
        }
        assertThat(failures).isEmpty();
        assertThat(cache.hits() + cache.misses()).isEqualTo(gets[0] + gets[1] + gets[2] + gets[3]);
        assertThat(cache.hits()).isPositive();
        assertThat(cache.evictions()).isPositive();
        long sum = 0;
        for (int i = 0; i < groups.length; i++) {
            if (cache.peek("blob-" + (i % 4), i).isPresent()) {
                sum += groups[i].sizeBytes();
            }
        }
        assertThat(cache.sizeBytes()).isEqualTo(sum).isLessThanOrEqualTo(max);
    }

    // --------------------------------------------------------------------------------------------
    // reading through the cache

    /**
     * Sorted, consolidated updates: a 4-byte counter then 12 random bytes as key, some keys twice.
     */
    private static List<U> sortedUpdates(long seed, int count) {
        Random random = new Random(seed);
        List<U> out = new ArrayList<>();
        for (int i = 0; out.size() < count; i++) {
            byte[] k = ByteBuffer.allocate(16).putInt(i).array();
            for (int j = 4; j < 16; j++) {
                k[j] = (byte) random.nextInt(256);
            }
            byte[] v = new byte[random.nextInt(20)];
            random.nextBytes(v);
            long t = random.nextInt(1000);
            out.add(new U(k, v, t, random.nextBoolean() ? 1 : -3));
            if (i % 3 == 0) {
                out.add(new U(k, v, t + 1000, 2));
            }
        }
        return out;
    }

    private BatchFooter write(String key, List<U> updates) throws IOException {
        try (BatchWriter writer = BatchWriter.create(store, key, SMALL_GROUPS, Map.of())) {
            for (U u : updates) {
                writer.add(u.key(), u.value(), u.time(), u.diff());
            }
            writer.finish();
        }
        return BatchReader.readFooter(store, key);
    }

    /** Updates as comparable text (hex keys and values are complete below 32 bytes). */
    private static List<String> text(List<U> updates) {
        return updates.stream().map(U::toString).toList();
    }

    private static List<String> read(UpdateCursor cursor) throws IOException {
        return text(UpdateBufferTest.drain(cursor));
    }

    @Test
    void aSecondReadIsServedWhollyFromTheCacheWithoutTheBlob() throws IOException {
        List<U> updates = sortedUpdates(1, 12_000);
        int groups = write("b/1", updates).rowGroupCount();
        assertThat(groups).isGreaterThanOrEqualTo(4);
        BatchCache cache = new BatchCache(64 << 20);

        assertThat(read(BatchReader.open(store, "b/1", cache))).isEqualTo(text(updates));
        assertThat(cache.misses()).isEqualTo(groups);
        assertThat(cache.hits()).isZero();
        assertThat(cache.entryCount()).isEqualTo(groups);
        assertThat(cache.sizeBytes()).isPositive().isLessThanOrEqualTo(cache.maxBytes());

        assertThat(store.delete("b/1")).isTrue();
        assertThatThrownBy(() -> BatchReader.open(store, "b/1"))
                .isInstanceOf(BlobNotFoundException.class);

        assertThat(read(BatchReader.open(store, "b/1", cache))).isEqualTo(text(updates));
        assertThat(cache.hits()).isEqualTo(groups);
        assertThat(cache.misses()).isEqualTo(groups);

        // Ranges are served from the cache too, also one running past the end.
        int[] counts = new int[groups];
        for (int g = 0; g < groups; g++) {
            counts[g] = cache.peek("b/1", g).orElseThrow().size();
        }
        assertThat(read(BatchReader.open(store, "b/1", 1, 3, cache)))
                .isEqualTo(text(updates.subList(counts[0], counts[0] + counts[1] + counts[2])));
        assertThat(read(BatchReader.open(store, "b/1", groups - 1, Integer.MAX_VALUE, cache)))
                .isEqualTo(
                        text(updates.subList(updates.size() - counts[groups - 1], updates.size())));
        assertThat(cache.misses()).isEqualTo(groups);

        assertThat(cache.invalidate("b/1")).isEqualTo(groups);
        assertThatThrownBy(() -> BatchReader.open(store, "b/1", cache))
                .isInstanceOf(BlobNotFoundException.class);
    }

    @Test
    void partlyCachedReadsEqualUncachedReads() throws IOException {
        List<U> updates = sortedUpdates(2, 12_000);
        BatchFooter footer = write("b/2", updates);
        int groups = footer.rowGroupCount();
        List<String> all = read(BatchReader.open(store, "b/2"));
        assertThat(all).isEqualTo(text(updates));

        for (int cached = 0; cached < groups; cached++) {
            BatchCache cache = new BatchCache(64 << 20);
            // Cache every other row group starting at `cached`, by ranged reads.
            for (int g = cached; g < groups; g += 2) {
                assertThat(read(BatchReader.open(store, "b/2", g, g + 1, cache)))
                        .isEqualTo(read(BatchReader.open(store, "b/2", g, g + 1)));
            }
            int entries = cache.entryCount();
            long hits = cache.hits();
            long misses = cache.misses();
            assertThat(read(BatchReader.open(store, "b/2", cache))).isEqualTo(all);
            assertThat(cache.hits() - hits).isEqualTo(entries);
            assertThat(cache.misses() - misses).isEqualTo(groups - entries);
            assertThat(cache.entryCount()).isEqualTo(groups);
            // Ranges that start in the middle, mixing both sources.
            assertThat(read(BatchReader.open(store, "b/2", 1, groups - 1, cache)))
                    .isEqualTo(read(BatchReader.open(store, "b/2", 1, groups - 1)));
        }

        // A cache too small for one row group still reads correctly, caching nothing.
        BatchCache tiny = new BatchCache(1024);
        assertThat(read(BatchReader.open(store, "b/2", tiny))).isEqualTo(all);
        assertThat(tiny.entryCount()).isZero();
        // The disabled cache is the uncached path.
        assertThat(read(BatchReader.open(store, "b/2", BatchCache.disabled()))).isEqualTo(all);
        // Argument checks are the uncached path's.
        BatchCache cache = new BatchCache(64 << 20);
        assertThatThrownBy(() -> BatchReader.open(store, "b/2", -1, 2, cache))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BatchReader.open(store, "b/2", groups + 1, groups + 2, cache))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("starts after the last row group");
        assertThat(read(BatchReader.open(store, "b/2", groups, groups, cache))).isEmpty();
        assertThat(read(BatchReader.open(store, "b/2", groups, Integer.MAX_VALUE, cache)))
                .isEmpty();
    }

    // --------------------------------------------------------------------------------------------
    // corrupt batches

    private static final int RAW_ROWS = 600;

    /**
     * Writes 600 rows {k, v, t, d} of the same encoded size with Parquet's example writer
     * (bypassing BatchWriter's checks), dictionary off, so that every such file has the same row
     * groups.
     */
    private void writeRaw(String key, byte[][] keys, byte[][] values) throws IOException {
        try (BlobWriter blob = store.create(key)) {
            ParquetWriter<Group> writer =
                    ExampleParquetWriter.builder(new BlobOutputFile(key, blob))
                            .withType(BatchFormat.SCHEMA)
                            .withConf(new Configuration(false))
                            .withExtraMetaData(Map.of("flink-persist.format-version", "1"))
                            .withDictionaryEncoding(false)
                            .withRowGroupSize(1024L)
                            .build();
            SimpleGroupFactory factory = new SimpleGroupFactory(BatchFormat.SCHEMA);
            for (int i = 0; i < keys.length; i++) {
                Group g = factory.newGroup();
                g.append("k", Binary.fromConstantByteArray(keys[i]));
                g.append("v", Binary.fromConstantByteArray(values[i]));
                g.append("t", 0L);
                g.append("d", 1L);
                writer.write(g);
            }
            writer.close();
            blob.publish();
        }
    }

    private static byte[][] sortedKeys() {
        byte[][] keys = new byte[RAW_ROWS][];
        for (int i = 0; i < RAW_ROWS; i++) {
            keys[i] = new byte[] {1, (byte) (i >> 8), (byte) i};
        }
        return keys;
    }

    private static byte[][] zeroValues() {
        byte[][] values = new byte[RAW_ROWS][];
        for (int i = 0; i < RAW_ROWS; i++) {
            values[i] = new byte[] {0};
        }
        return values;
    }

    /** The number of rows of row group 0 of the raw files, checking there are at least 3 groups. */
    private int rawBoundary() throws IOException {
        writeRaw("probe", sortedKeys(), zeroValues());
        BatchFooter footer = BatchReader.readFooter(store, "probe");
        assertThat(footer.rowGroupCount()).isGreaterThanOrEqualTo(3);
        assertThat(footer.rowGroups().get(1).rowCount()).isGreaterThan(10);
        return (int) footer.rowGroups().get(0).rowCount();
    }

    private void assertSameRowGroups(String key, int boundary) throws IOException {
        BatchFooter footer = BatchReader.readFooter(store, key);
        assertThat(footer.rowGroups().get(0).rowCount()).isEqualTo(boundary);
        assertThat(footer.rowGroupCount())
                .isEqualTo(BatchReader.readFooter(store, "probe").rowGroupCount());
    }

    @Test
    void aCorruptRowGroupFailsAndIsNotCached() throws IOException {
        int b = rawBoundary();
        // Swap two rows inside row group 1; its key bounds in the footer stay in order.
        byte[][] keys = sortedKeys();
        byte[] swap = keys[b + 5];
        keys[b + 5] = keys[b + 6];
        keys[b + 6] = swap;
        writeRaw("bad", keys, zeroValues());
        assertSameRowGroups("bad", b);

        BatchCache cache = new BatchCache(64 << 20);
        for (int attempt = 0; attempt < 2; attempt++) {
            assertThatThrownBy(() -> UpdateBufferTest.drain(BatchReader.open(store, "bad", cache)))
                    .isInstanceOf(CorruptBlobException.class)
                    .hasMessageStartingWith("Cannot decode blob bad: ")
                    .hasMessageContaining("unsorted (I8)")
                    .hasMessageEndingWith(", row " + (b + 6));
            assertThat(cache.peek("bad", 0)).isPresent();
            assertThat(cache.peek("bad", 1)).isEmpty();
            assertThat(cache.peek("bad", 2)).isEmpty();
        }
        // The uncached reader agrees.
        assertThatThrownBy(() -> UpdateBufferTest.drain(BatchReader.open(store, "bad")))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageEndingWith(", row " + (b + 6));
    }

    @Test
    void updatesOutOfOrderAcrossRowGroupsFailWhicheverSideIsCached() throws IOException {
        int b = rawBoundary();
        // The first update of row group 1 has the key of the last of row group 0 and a lower value:
        // the footer's key bounds are in order, but (k, v) decreases across the boundary.
        byte[][] keys = sortedKeys();
        keys[b] = keys[b - 1].clone();
        byte[][] values = zeroValues();
        values[b - 1] = new byte[] {1};
        writeRaw("across", keys, values);
        assertSameRowGroups("across", b);
        // Each row group alone is fine.
        assertThat(read(BatchReader.open(store, "across", 0, 1))).hasSize(b);
        assertThat(read(BatchReader.open(store, "across", 1, 2))).isNotEmpty();
        assertThatThrownBy(() -> UpdateBufferTest.drain(BatchReader.open(store, "across")))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageEndingWith(", row " + b);

        // Row group 1 cached, row group 0 decoded from the file.
        BatchCache second = new BatchCache(64 << 20);
        read(BatchReader.open(store, "across", 1, 2, second));
        assertThat(second.entryCount()).isEqualTo(1);
        assertThatThrownBy(() -> UpdateBufferTest.drain(BatchReader.open(store, "across", second)))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("unsorted (I8)")
                .hasMessageContaining("row groups 0 and 1")
                .hasMessageEndingWith(", row " + b);

        // Row group 0 cached, row group 1 decoded from the file: it fails and is not cached.
        BatchCache first = new BatchCache(64 << 20);
        read(BatchReader.open(store, "across", 0, 1, first));
        assertThatThrownBy(() -> UpdateBufferTest.drain(BatchReader.open(store, "across", first)))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageEndingWith(", row " + b);
        assertThat(first.peek("across", 1)).isEmpty();
        assertThat(first.entryCount()).isEqualTo(1);

        // Both cached (each by a ranged read): served with no I/O, still checked.
        read(BatchReader.open(store, "across", 1, 2, first));
        assertThat(first.entryCount()).isEqualTo(2);
        store.delete("across");
        assertThatThrownBy(
                        () ->
                                UpdateBufferTest.drain(
                                        BatchReader.open(store, "across", 0, 2, first)))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("row groups 0 and 1")
                .hasMessageEndingWith(", row " + b);
    }
}
