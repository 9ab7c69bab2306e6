package io.flinkpersist.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.UpdateBufferTest.U;
import io.flinkpersist.blob.BlobReader;
import io.flinkpersist.blob.BlobWriter;
import io.flinkpersist.blob.CorruptBlobException;
import io.flinkpersist.blob.InMemoryBlobStore;
import io.flinkpersist.state.TraceBatchMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The page-level lookup path of batch files ({@link LookupPages} through an {@link IndexCache}):
 * point and range lookups equal filtering the file's rows, with and without decoded pages kept,
 * with each codec; key bloom filters written in Parquet's format and used to skip row groups; files
 * of other Parquet writers answered through Parquet's filtered reads; a flipped byte caught.
 */
class LookupPagesTest {

    private static final BatchWriteOptions SMALL =
            BatchWriteOptions.defaults().withRowGroupSizeBytes(8 << 10).withPageSizeBytes(512);

    private final InMemoryBlobStore store = new InMemoryBlobStore();

    /**
     * Sorted updates: {@code keys} 8-byte keys (even numbers), each with 1 to 3 values and times.
     */
    private static List<U> updates(long seed, int keys) {
        Random random = new Random(seed);
        List<U> out = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            byte[] k = key(2L * i);
            int values = 1 + random.nextInt(3);
            for (int v = 0; v < values; v++) {
                out.add(new U(k, new byte[] {(byte) v, (byte) random.nextInt(256)}, v, 1 + v));
            }
        }
        return out;
    }

    private static byte[] key(long n) {
        byte[] k = new byte[8];
        for (int i = 0; i < 8; i++) {
            k[i] = (byte) (n >>> (56 - 8 * i));
        }
        return k;
    }

    private void write(String key, BatchWriteOptions options, List<U> updates) throws IOException {
        try (BatchWriter writer = BatchWriter.create(store, key, options, Map.of())) {
            for (U u : updates) {
                writer.add(u.key(), u.value(), u.time(), u.diff());
            }
            writer.finish();
        }
    }

    /** The updates a lookup returns, as strings (a {@link U} compares its arrays by identity). */
    private List<String> lookup(String file, byte[] lo, byte[] hi, boolean single, IndexCache cache)
            throws IOException {
        return UpdateBufferTest.drain(BatchReader.openKeyRange(store, file, lo, hi, single, cache))
                .stream()
                .map(U::toString)
                .toList();
    }

    private static List<String> filter(List<U> all, byte[] lo, byte[] hi) {
        return all.stream()
                .filter(
                        u ->
                                Arrays.compareUnsigned(u.key(), lo) >= 0
                                        && (hi == null || Arrays.compareUnsigned(u.key(), hi) < 0))
                .map(U::toString)
                .toList();
    }

    private static byte[] after(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    @ParameterizedTest
    @EnumSource(BatchWriteOptions.Compression.class)
    void pointAndRangeLookupsEqualFilteringTheRows(BatchWriteOptions.Compression codec)
            throws IOException {
        List<U> all = updates(3, 3_000);
        write("b", SMALL.withCompression(codec), all);
        assertThat(BatchReader.readFooter(store, "b").rowGroupCount()).isGreaterThan(5);
        for (long pageBytes : new long[] {0, 4 << 10, IndexCache.DEFAULT_PAGE_CACHE_BYTES}) {
            try (IndexCache cache = new IndexCache(8, pageBytes)) {
                for (long n = -1; n < 6_002; n += 7) {
                    byte[] k = key(n);
                    assertThat(lookup("b", k, after(k), true, cache))
                            .as("lookup of %s, page cache of %s bytes", n, pageBytes)
                            .containsExactlyElementsOf(filter(all, k, after(k)));
                }
                for (long lo = -5; lo < 6_100; lo += 397) {
                    byte[] from = key(lo);
                    byte[] to = key(lo + 1 + lo % 700);
                    assertThat(lookup("b", from, to, false, cache))
                            .as("range [%s, %s)", lo, lo + 1 + lo % 700)
                            .containsExactlyElementsOf(filter(all, from, to));
                }
                assertThat(lookup("b", key(5_990), null, false, cache))
                        .containsExactlyElementsOf(filter(all, key(5_990), null));
                assertThat(cache.pageCacheBytes()).isLessThanOrEqualTo(pageBytes);
            }
        }
    }

    @Test
    void keptPagesAreNotReadAgain() throws IOException {
        List<U> all = updates(4, 3_000);
        write("b", SMALL, all);
        try (IndexCache cache = new IndexCache(8)) {
            byte[] k = key(2_000);
            assertThat(lookup("b", k, after(k), true, cache))
                    .hasSize(filter(all, k, after(k)).size());
            long bytes = cache.bytesRead();
            long misses = cache.pageCacheMisses();
            assertThat(lookup("b", k, after(k), true, cache))
                    .hasSize(filter(all, k, after(k)).size());
            assertThat(cache.bytesRead())
                    .as("bytes read by the same lookup again")
                    .isEqualTo(bytes);
            assertThat(cache.pageCacheMisses()).isEqualTo(misses);
            assertThat(cache.pageCacheHits()).isPositive();
        }
    }

    @Test
    void bloomFiltersInParquetsFormatSkipRowGroupsWithoutTheKey() throws IOException {
        List<U> all = updates(5, 3_000);
        write("bloom", SMALL, all);
        write("none", SMALL.withKeyBloomFilterFpp(0), all);
        try (BlobReader blob = store.open("bloom");
                ParquetFileReader file = ParquetFileReader.open(new BlobInputFile(blob))) {
            var chunk = file.getRowGroups().get(0).getColumns().get(BatchFormat.K);
            var bloom = file.readBloomFilter(chunk);
            assertThat(bloom).as("Parquet reads the key bloom filter").isNotNull();
            assertThat(bloom.findHash(bloom.hash(Binary.fromConstantByteArray(key(0))))).isTrue();
        }
        assertThat(store.get("none").orElseThrow().length)
                .isLessThan(store.get("bloom").orElseThrow().length);
        try (IndexCache cache = new IndexCache(8)) {
            for (long n = 1; n < 6_000; n += 2) {
                // Odd keys are missing: 3,000 lookups, each of one row group's key range or none.
                assertThat(lookup("bloom", key(n), after(key(n)), true, cache)).isEmpty();
            }
            assertThat(cache.bloomSkips())
                    .as("row groups ruled out by bloom filters, of at most 3,000 lookups")
                    .isGreaterThan(2_800);
            assertThat(cache.rowGroupsRead()).isLessThan(150);
        }
        try (IndexCache cache = new IndexCache(8)) {
            assertThat(lookup("none", key(1), after(key(1)), true, cache)).isEmpty();
            assertThat(cache.bloomSkips()).isZero();
            assertThat(cache.rowGroupsRead()).isEqualTo(1);
        }
    }

    @Test
    void aCollectionWritesBloomFiltersIntoTraceBatchesOnly() throws IOException {
        try (PersistCollection c = PersistCollection.open(store, CollectionConfig.defaults())) {
            List<Update<byte[], byte[]>> updates = new ArrayList<>();
            for (long n = 0; n < 1_000; n++) {
                updates.add(new Update<>(key(n), new byte[] {1}, 0, 1));
            }
            c.append(updates);
            assertThat(keyBloomFilter(c.state().unsealed().get(0).key()))
                    .as("an unsealed batch's bloom filter")
                    .isNull();
            String unsealed = c.state().unsealed().get(0).key();
            c.seal(1);
            c.drain();
            // The drain adopted the unsealed batch whole: its file, without a filter, is the
            // trace batch's; a merge writes one.
            assertThat(c.state().trace().get(0).partKeys()).containsExactly(unsealed);
            c.allowCompaction(1);
            assertThat(c.compactTrace()).isTrue();
            TraceBatchMeta trace = c.state().trace().get(0);
            assertThat(keyBloomFilter(trace.partKeys().get(0)))
                    .as("a trace batch's bloom filter")
                    .isNotNull();
        }
    }

    private org.apache.parquet.column.values.bloomfilter.BloomFilter keyBloomFilter(String file)
            throws IOException {
        try (BlobReader blob = store.open(file);
                ParquetFileReader reader = ParquetFileReader.open(new BlobInputFile(blob))) {
            return reader.readBloomFilter(
                    reader.getRowGroups().get(0).getColumns().get(BatchFormat.K));
        }
    }

    @Test
    void filesOfParquetsOwnWriterAnswerThroughParquetsFilters() throws IOException {
        List<U> all = updates(6, 2_000);
        try (BlobWriter blob = store.create("dict")) {
            ParquetWriter<Group> writer =
                    ExampleParquetWriter.builder(new BlobOutputFile("dict", blob))
                            .withType(BatchFormat.SCHEMA)
                            .withConf(new Configuration(false))
                            .withExtraMetaData(
                                    Map.of(
                                            BatchFormat.FORMAT_VERSION_KEY,
                                            BatchFormat.FORMAT_VERSION))
                            .withDictionaryEncoding(true)
                            .withRowGroupSize(8L << 10)
                            .withPageSize(1 << 10)
                            .build();
            SimpleGroupFactory groups = new SimpleGroupFactory(BatchFormat.SCHEMA);
            for (U u : all) {
                writer.write(
                        groups.newGroup()
                                .append("k", Binary.fromConstantByteArray(u.key()))
                                .append("v", Binary.fromConstantByteArray(u.value()))
                                .append("t", u.time())
                                .append("d", u.diff()));
            }
            writer.close();
            blob.publish();
        }
        try (IndexCache cache = new IndexCache(8)) {
            for (long n = 0; n < 4_000; n += 13) {
                byte[] k = key(n);
                assertThat(lookup("dict", k, after(k), true, cache))
                        .containsExactlyElementsOf(filter(all, k, after(k)));
            }
            assertThat(cache.pageCacheHits() + cache.pageCacheMisses())
                    .as("pages looked for by the page path")
                    .isZero();
        }
    }

    @Test
    void aFlippedByteInAPageFailsTheLookupNamingTheFile() throws IOException {
        List<U> all = updates(7, 2_000);
        write("flip", SMALL.withCompression(BatchWriteOptions.Compression.UNCOMPRESSED), all);
        byte[] bytes = store.get("flip").orElseThrow();
        BatchFooter footer = BatchReader.readFooter(store, "flip");
        byte[] flipped = bytes.clone();
        flipped[4 + (int) (footer.rowGroups().get(0).compressedBytes() / 3)] ^= 0x5A;
        store.corrupt("flip", flipped);
        try (IndexCache cache = new IndexCache(8)) {
            assertThatThrownBy(
                            () -> {
                                for (long n = 0; n < 4_000; n += 2) {
                                    lookup("flip", key(n), after(key(n)), true, cache);
                                }
                            })
                    .isInstanceOf(CorruptBlobException.class)
                    .hasMessageContaining("flip");
        }
    }
}
