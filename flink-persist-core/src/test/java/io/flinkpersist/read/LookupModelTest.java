package io.flinkpersist.read;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.IndexCache;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.InMemoryBlobStore;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Point and prefix lookups against the model: for random collections (several trace batches at
 * several levels, multi-part batches, unsealed batches, small row groups and pages) and random
 * lookups (keys present and missing, prefixes, as-of times in {@code [since, seal)} and the
 * snapshot without one), a lookup returns exactly the consolidated snapshot's updates of the key or
 * prefix, in the same order.
 */
class LookupModelTest {

    static List<Long> seeds() {
        long base = Long.getLong("lookup.seed", System.nanoTime());
        return List.of(base, base + 1, base + 2, base + 3, base + 4, base + 5);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void lookupsEqualTheConsolidatedSnapshotFilteredToTheKey(long seed) throws IOException {
        System.out.println(
                "LookupModelTest seed " + seed + " (replay with -Dlookup.seed=" + seed + ")");
        Random random = new Random(seed);
        CollectionConfig config =
                CollectionConfig.defaults()
                        .withWriteOptions(
                                BatchWriteOptions.defaults()
                                        .withRowGroupSizeBytes(1024 + random.nextInt(4096))
                                        .withPageSizeBytes(64 + random.nextInt(512))
                                        .withKeyBloomFilterFpp(
                                                List.of(0.0, 0.01, 0.3).get(random.nextInt(3))))
                        .withPartBytes(1024 + random.nextInt(3000));
        PersistCollection c = PersistCollection.open(new InMemoryBlobStore(), config);
        long seal = 0;
        int rounds = 8 + random.nextInt(12);
        for (int round = 0; round < rounds; round++) {
            int batches = 1 + random.nextInt(3);
            for (int b = 0; b < batches; b++) {
                List<Update<byte[], byte[]>> updates = new ArrayList<>();
                int n = 20 + random.nextInt(200);
                for (int i = 0; i < n; i++) {
                    updates.add(
                            new Update<>(
                                    key(random.nextInt(8), random.nextInt(40)),
                                    new byte[] {(byte) random.nextInt(4)},
                                    seal + random.nextInt(6),
                                    random.nextInt(4) == 0 ? -1 : 1));
                }
                c.append(updates);
            }
            seal += 1 + random.nextInt(4);
            if (random.nextInt(5) > 0) {
                c.seal(seal);
            }
            if (random.nextBoolean()) {
                CollectionState now = c.state();
                c.allowCompaction(
                        Math.max(
                                now.requestedSince().time(),
                                now.seal().time() - random.nextInt(6)));
            }
            switch (random.nextInt(3)) {
                case 0 -> c.maintainUntilIdle();
                case 1 -> c.drain();
                default -> {}
            }
        }
        CollectionState s = c.state();
        System.out.println(
                "  state "
                        + s
                        + ", parts per trace batch "
                        + s.trace().stream().map(b -> b.parts().size()).toList()
                        + ", levels "
                        + s.trace().stream().map(TraceBatchMeta::level).toList());

        // Files opened per lookup, or kept open with no, few (evicting) or many decoded pages.
        IndexCache cache =
                random.nextInt(4) == 0
                        ? new IndexCache(0)
                        : new IndexCache(
                                IndexCache.DEFAULT_MAX_OPEN_FILES,
                                List.of(0L, 2_048L, IndexCache.DEFAULT_PAGE_CACHE_BYTES)
                                        .get(random.nextInt(3)));
        List<Snapshot> snapshots = new ArrayList<>();
        snapshots.add(c.snapshot());
        if (!s.seal().isClosed() && s.since().time() < s.seal().time()) {
            for (int i = 0; i < 3; i++) {
                long t =
                        s.since().time()
                                + (long) random.nextInt((int) (s.seal().time() - s.since().time()));
                snapshots.add(c.snapshot().asOf(t));
            }
        }
        int lookups = 0;
        for (Snapshot snapshot : snapshots) {
            List<Row> all = read(snapshot.readConsolidated());
            for (int i = 0; i < 40; i++) {
                // Keys of the pool (present or retracted), and keys never written.
                byte[] key =
                        random.nextInt(5) == 0
                                ? key(random.nextInt(10), 40 + random.nextInt(5))
                                : key(random.nextInt(8), random.nextInt(40));
                assertThat(read(snapshot.lookup(key, cache)))
                        .as("lookup of %s as of %s", hex(key), snapshot.asOfTime())
                        .containsExactlyElementsOf(filter(all, k -> Arrays.equals(k, key)));
                lookups++;
            }
            for (byte[] prefix :
                    List.of(
                            new byte[0],
                            new byte[] {(byte) random.nextInt(9)},
                            Arrays.copyOf(key(random.nextInt(8), random.nextInt(40)), 2),
                            new byte[] {(byte) 0xFF})) {
                assertThat(read(snapshot.lookupPrefix(prefix, cache)))
                        .as("lookup of prefix %s as of %s", hex(prefix), snapshot.asOfTime())
                        .containsExactlyElementsOf(filter(all, k -> startsWith(k, prefix)));
                lookups++;
            }
        }
        System.out.printf(
                "  %d lookups: index cache %d hits, %d misses, %d row groups and %d bytes read,"
                        + " %d row groups skipped by bloom filters, %d of %d decoded pages found kept%n",
                lookups,
                cache.hits(),
                cache.misses(),
                cache.rowGroupsRead(),
                cache.bytesRead(),
                cache.bloomSkips(),
                cache.pageCacheHits(),
                cache.pageCacheHits() + cache.pageCacheMisses());
    }

    @org.junit.jupiter.api.Test
    void aPointLookupReadsOneRowGroupAndOnlyItsPages() throws IOException {
        PersistCollection c =
                PersistCollection.open(
                        new InMemoryBlobStore(),
                        CollectionConfig.defaults()
                                .withWriteOptions(
                                        BatchWriteOptions.defaults()
                                                .withRowGroupSizeBytes(16 << 10)
                                                .withPageSizeBytes(512)));
        List<Update<byte[], byte[]>> updates = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            updates.add(new Update<>(key(i % 4, i), new byte[] {(byte) i}, 1, 1));
        }
        c.append(updates);
        c.seal(2);
        c.drain();
        TraceBatchMeta batch = c.state().trace().get(0);
        int rowGroups =
                io.flinkpersist.batch.BatchReader.readFooter(c.store(), batch.key())
                        .rowGroupCount();
        assertThat(rowGroups).as("row groups of the batch").isGreaterThan(20);

        IndexCache cache = new IndexCache(IndexCache.DEFAULT_MAX_OPEN_FILES);
        Snapshot snapshot = c.snapshot();
        assertThat(read(snapshot.lookup(key(1, 5001), cache))).hasSize(1);
        long groups = cache.rowGroupsRead();
        long bytes = cache.bytesRead();
        // The index region is cached now: the next lookups read one row group's matching pages.
        assertThat(read(snapshot.lookup(key(2, 12002), cache))).hasSize(1);
        assertThat(cache.rowGroupsRead() - groups).as("row groups read by one lookup").isEqualTo(1);
        assertThat(cache.bytesRead() - bytes)
                .as("bytes one lookup read, of a %d-byte batch", batch.sizeBytes())
                .isLessThan(batch.sizeBytes() / 20);
        groups = cache.rowGroupsRead();
        assertThat(read(snapshot.lookup(key(3, 999_999), cache))).as("a missing key").isEmpty();
        assertThat(cache.rowGroupsRead() - groups).isLessThanOrEqualTo(1);
    }

    @org.junit.jupiter.api.Test
    void thePrefixEndIsTheLeastKeyAboveThePrefix() {
        assertThat(Snapshot.prefixEnd(new byte[] {1, 2})).containsExactly(1, 3);
        assertThat(Snapshot.prefixEnd(new byte[] {1, (byte) 0xFF})).containsExactly(2);
        assertThat(Snapshot.prefixEnd(new byte[] {(byte) 0xFF, (byte) 0xFF})).isNull();
        assertThat(Snapshot.prefixEnd(new byte[0])).isNull();
    }

    /** A key with a one-byte group (a composite key's first field) and a variable suffix. */
    private static byte[] key(int group, int id) {
        byte[] suffix = ("k" + id).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] key = new byte[1 + suffix.length];
        key[0] = (byte) group;
        System.arraycopy(suffix, 0, key, 1, suffix.length);
        return key;
    }

    private record Row(String key, String value, long time, long diff) {}

    private static List<Row> read(UpdateCursor cursor) throws IOException {
        List<Row> rows = new ArrayList<>();
        try (cursor) {
            while (cursor.advance()) {
                rows.add(
                        new Row(
                                hex(cursor.key()),
                                hex(cursor.value()),
                                cursor.time(),
                                cursor.diff()));
            }
        }
        return rows;
    }

    private static List<Row> filter(List<Row> rows, Predicate<byte[]> key) {
        return rows.stream().filter(r -> key.test(HexFormat.of().parseHex(r.key()))).toList();
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length
                && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
