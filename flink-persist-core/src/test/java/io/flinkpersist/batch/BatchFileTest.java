package io.flinkpersist.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.batch.UpdateBufferTest.U;
import io.flinkpersist.blob.BlobAlreadyExistsException;
import io.flinkpersist.blob.BlobNotFoundException;
import io.flinkpersist.blob.BlobReader;
import io.flinkpersist.blob.BlobWriter;
import io.flinkpersist.blob.CorruptBlobException;
import io.flinkpersist.blob.InMemoryBlobStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BatchFileTest {

    private static final BatchWriteOptions SMALL_GROUPS =
            BatchWriteOptions.defaults().withRowGroupSizeBytes(16 << 10).withPageSizeBytes(4 << 10);

    private final InMemoryBlobStore store = new InMemoryBlobStore();

    /**
     * Sorted, consolidated updates with 16-byte random keys, several values per key, some times.
     */
    static List<U> sortedUpdates(long seed, int count) throws IOException {
        Random random = new Random(seed);
        UpdateBuffer buffer = new UpdateBuffer();
        for (int i = 0; i < count; i++) {
            byte[] k = new byte[16];
            random.nextBytes(k);
            k[0] = (byte) random.nextInt(64); // fewer distinct leading bytes
            byte[] v = new byte[random.nextInt(20)];
            random.nextBytes(v);
            buffer.add(k, v, random.nextInt(1000), random.nextBoolean() ? 1 : -3);
            if (i % 3 == 0) {
                buffer.add(k, v, random.nextInt(1000) + 1000, 2);
            }
        }
        buffer.sortAndConsolidate();
        return UpdateBufferTest.drain(buffer.cursor());
    }

    private BatchStats write(String key, BatchWriteOptions options, List<U> updates)
            throws IOException {
        try (BatchWriter writer =
                BatchWriter.create(store, key, options, Map.of("writer", "test"))) {
            for (U u : updates) {
                writer.add(u.key(), u.value(), u.time(), u.diff());
            }
            return writer.finish();
        }
    }

    private List<U> readAll(String key) throws IOException {
        return UpdateBufferTest.drain(BatchReader.open(store, key));
    }

    private static void assertSame(List<U> actual, List<U> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).key()).as("key of row %s", i).isEqualTo(expected.get(i).key());
            assertThat(actual.get(i).value())
                    .as("value of row %s", i)
                    .isEqualTo(expected.get(i).value());
            assertThat(actual.get(i).time())
                    .as("time of row %s", i)
                    .isEqualTo(expected.get(i).time());
            assertThat(actual.get(i).diff())
                    .as("diff of row %s", i)
                    .isEqualTo(expected.get(i).diff());
        }
    }

    @Test
    void roundTripAcrossRowGroupsWithFooterAndRanges() throws IOException {
        List<U> updates = sortedUpdates(42, 12_000);
        BatchStats stats = write("b/1.parquet", SMALL_GROUPS, updates);

        assertThat(stats.key()).isEqualTo("b/1.parquet");
        assertThat(stats.updateCount()).isEqualTo(updates.size());
        assertThat(stats.sizeBytes()).isEqualTo(store.get("b/1.parquet").orElseThrow().length);
        assertThat(stats.minTime()).hasValue(updates.stream().mapToLong(U::time).min().getAsLong());
        assertThat(stats.maxTime()).hasValue(updates.stream().mapToLong(U::time).max().getAsLong());

        assertSame(readAll("b/1.parquet"), updates);

        BatchFooter footer = BatchReader.readFooter(store, "b/1.parquet");
        assertThat(footer.totalRows()).isEqualTo(updates.size());
        assertThat(footer.fileSizeBytes()).isEqualTo(stats.sizeBytes());
        assertThat(footer.metadata())
                .containsEntry("flink-persist.format-version", "1")
                .containsEntry("writer", "test");
        assertThat(footer.rowGroupCount()).isGreaterThanOrEqualTo(4);

        int start = 0;
        for (RowGroupInfo group : footer.rowGroups()) {
            int end = start + (int) group.rowCount();
            List<U> slice = updates.subList(start, end);
            assertThat(group.index()).isEqualTo(footer.rowGroups().indexOf(group));
            assertThat(group.compressedBytes()).isPositive();
            assertThat(group.uncompressedBytes()).isPositive();
            assertThat(group.hasKeyBounds()).isTrue();
            assertThat(group.minKey()).isEqualTo(slice.get(0).key());
            assertThat(group.maxKey()).isEqualTo(slice.get(slice.size() - 1).key());
            assertSame(
                    UpdateBufferTest.drain(
                            BatchReader.open(
                                    store, "b/1.parquet", group.index(), group.index() + 1)),
                    slice);
            start = end;
        }
        assertThat(start).isEqualTo(updates.size());

        int from = (int) footer.rowGroups().get(0).rowCount();
        int to =
                from
                        + (int) footer.rowGroups().get(1).rowCount()
                        + (int) footer.rowGroups().get(2).rowCount();
        assertSame(
                UpdateBufferTest.drain(BatchReader.open(store, "b/1.parquet", 1, 3)),
                updates.subList(from, to));
        int n = footer.rowGroupCount();
        assertThat(UpdateBufferTest.drain(BatchReader.open(store, "b/1.parquet", n, n))).isEmpty();
        assertThatThrownBy(() -> BatchReader.open(store, "b/1.parquet", -1, 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BatchReader.open(store, "b/1.parquet", n + 1, n + 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("b/1.parquet");
    }

    @ParameterizedTest
    @EnumSource(BatchWriteOptions.Compression.class)
    void roundTripWithEachCodec(BatchWriteOptions.Compression codec) throws IOException {
        List<U> updates = sortedUpdates(7, 3_000);
        String key = "codec-" + codec;
        write(key, SMALL_GROUPS.withCompression(codec), updates);
        assertSame(readAll(key), updates);
        assertThat(BatchReader.readFooter(store, key).rowGroupCount()).isGreaterThan(1);
    }

    @Test
    void defaultsWriteOneRowGroupOfPlainPagesWithStatistics() throws IOException {
        List<U> updates = sortedUpdates(8, 3_000);
        write("defaults", BatchWriteOptions.defaults(), updates);
        assertSame(readAll("defaults"), updates);
        assertThat(BatchReader.readFooter(store, "defaults").rowGroupCount()).isEqualTo(1);
        try (BlobReader blob = store.open("defaults");
                ParquetFileReader file = ParquetFileReader.open(new BlobInputFile(blob))) {
            for (ColumnChunkMetaData chunk : file.getFooter().getBlocks().get(0).getColumns()) {
                assertThat(chunk.getEncodings())
                        .as("encodings of %s", chunk.getPath())
                        .contains(Encoding.PLAIN)
                        .doesNotContain(Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY);
                assertThat(chunk.getValueCount()).isEqualTo(updates.size());
                assertThat(chunk.getColumnIndexReference())
                        .as("column index of %s", chunk.getPath())
                        .isNotNull();
                assertThat(chunk.getOffsetIndexReference())
                        .as("offset index of %s", chunk.getPath())
                        .isNotNull();
            }
            ColumnChunkMetaData k =
                    file.getFooter().getBlocks().get(0).getColumns().get(BatchFormat.K);
            assertThat(((Binary) k.getStatistics().genericGetMin()).getBytes())
                    .isEqualTo(updates.get(0).key());
            assertThat(((Binary) k.getStatistics().genericGetMax()).getBytes())
                    .isEqualTo(updates.get(updates.size() - 1).key());
            ColumnChunkMetaData t =
                    file.getFooter().getBlocks().get(0).getColumns().get(BatchFormat.T);
            assertThat(t.getStatistics().genericGetMin())
                    .isEqualTo(updates.stream().mapToLong(U::time).min().getAsLong());
            assertThat(t.getStatistics().genericGetMax())
                    .isEqualTo(updates.stream().mapToLong(U::time).max().getAsLong());
        }
    }

    /**
     * Files written by Parquet's own record writer, with dictionaries (format v1 pages) and with
     * the v2 writer's delta and dictionary encodings in data pages v2, read back exactly: the
     * reader decodes PLAIN pages itself and hands every other encoding to Parquet.
     */
    @ParameterizedTest
    @EnumSource(ParquetProperties.WriterVersion.class)
    void readsFilesOfParquetsOwnWriterWithOtherEncodings(ParquetProperties.WriterVersion version)
            throws IOException {
        List<U> updates = sortedUpdates(9, 3_000);
        String key = "parquet-" + version;
        MessageType schema = BATCH_SCHEMA;
        try (BlobWriter blob = store.create(key)) {
            ParquetWriter<Group> writer =
                    ExampleParquetWriter.builder(new BlobOutputFile(key, blob))
                            .withType(schema)
                            .withConf(new Configuration(false))
                            .withExtraMetaData(V1)
                            .withWriterVersion(version)
                            .withDictionaryEncoding(true)
                            .withRowGroupSize(16L << 10)
                            .withPageSize(2 << 10)
                            .build();
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (U u : updates) {
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
        try (BlobReader blob = store.open(key);
                ParquetFileReader file = ParquetFileReader.open(new BlobInputFile(blob))) {
            assertThat(file.getFooter().getBlocks()).hasSizeGreaterThan(1);
            assertThat(file.getFooter().getBlocks().get(0).getColumns())
                    .as("the file uses encodings other than PLAIN")
                    .anySatisfy(
                            c ->
                                    assertThat(c.getEncodings())
                                            .containsAnyOf(
                                                    Encoding.PLAIN_DICTIONARY,
                                                    Encoding.RLE_DICTIONARY,
                                                    Encoding.DELTA_BINARY_PACKED,
                                                    Encoding.DELTA_BYTE_ARRAY));
        }
        assertSame(readAll(key), updates);
    }

    @Test
    void emptyBatch() throws IOException {
        BatchStats stats = write("empty", SMALL_GROUPS, List.of());
        assertThat(stats.updateCount()).isZero();
        assertThat(stats.minTime()).isEmpty();
        assertThat(stats.maxTime()).isEmpty();
        assertThat(readAll("empty")).isEmpty();
        BatchFooter footer = BatchReader.readFooter(store, "empty");
        assertThat(footer.rowGroupCount()).isZero();
        assertThat(footer.totalRows()).isZero();
    }

    @Test
    void writerRejectsUnsortedDuplicateAndZeroDiffAndStaysUsable() throws IOException {
        try (BatchWriter writer = BatchWriter.create(store, "w", SMALL_GROUPS, Map.of())) {
            writer.add(new byte[] {0x10}, new byte[] {1}, 5, 1);
            assertThatThrownBy(() -> writer.add(new byte[] {0x10}, new byte[] {1}, 5, 2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Cannot add update to batch w: ")
                    .hasMessageContaining("equals the previous")
                    .hasMessageContaining("key=0x10");
            assertThatThrownBy(() -> writer.add(new byte[] {0x10}, new byte[] {1}, 4, 2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sorts before")
                    .hasMessageContaining("time=4");
            assertThatThrownBy(() -> writer.add(new byte[] {0x10}, new byte[] {0}, 9, 2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sorts before");
            // 0x7F sorts before 0x80 (unsigned), so 0x7F after 0x80 is a decrease.
            writer.add(new byte[] {(byte) 0x80}, new byte[0], 0, 1);
            assertThatThrownBy(() -> writer.add(new byte[] {0x7F}, new byte[0], 0, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sorts before");
            assertThatThrownBy(() -> writer.add(new byte[] {(byte) 0x90}, new byte[0], 0, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Cannot add update to batch w: diff is zero");
            writer.add(new byte[] {(byte) 0x90}, new byte[0], 0, -1);
            assertThat(writer.finish().updateCount()).isEqualTo(3);
            assertThatThrownBy(() -> writer.add(new byte[] {(byte) 0xA0}, new byte[0], 0, 1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("finished");
        }
        List<U> read = readAll("w");
        assertThat(read).extracting(U::diff).containsExactly(1L, 1L, -1L);
    }

    @Test
    void closeWithoutFinishPublishesNothing() throws IOException {
        try (BatchWriter writer = BatchWriter.create(store, "aborted", SMALL_GROUPS, Map.of())) {
            for (U u : sortedUpdates(3, 2_000)) {
                writer.add(u.key(), u.value(), u.time(), u.diff());
            }
        }
        assertThat(store.get("aborted")).isEmpty();
        assertThatThrownBy(() -> BatchReader.open(store, "aborted"))
                .isInstanceOf(BlobNotFoundException.class);
        assertThatThrownBy(() -> BatchReader.readFooter(store, "aborted"))
                .isInstanceOf(BlobNotFoundException.class);
    }

    @Test
    void finishFailsWhenTheKeyExistsAndReservedMetadataIsRejected() throws IOException {
        write("taken", SMALL_GROUPS, sortedUpdates(1, 10));
        BatchWriter writer = BatchWriter.create(store, "taken", SMALL_GROUPS, Map.of());
        writer.add(new byte[] {1}, new byte[0], 0, 1);
        assertThatThrownBy(writer::finish).isInstanceOf(BlobAlreadyExistsException.class);
        writer.close();
        assertThatThrownBy(
                        () ->
                                BatchWriter.create(
                                        store,
                                        "x",
                                        SMALL_GROUPS,
                                        Map.of("flink-persist.format-version", "2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reserved");
        assertThat(store.get("x")).isEmpty();
    }

    // --------------------------------------------------------------------------------------------
    // decoding crafted and damaged files

    private static final MessageType BATCH_SCHEMA = BatchFormat.SCHEMA;

    /** Writes rows {k, v, t, d} with Parquet's example writer, bypassing BatchWriter's checks. */
    private void writeRaw(
            String key, MessageType schema, Map<String, String> metadata, Object[]... rows)
            throws IOException {
        try (BlobWriter blob = store.create(key)) {
            ParquetWriter<Group> writer =
                    ExampleParquetWriter.builder(new BlobOutputFile(key, blob))
                            .withType(schema)
                            .withConf(new Configuration(false))
                            .withExtraMetaData(metadata)
                            .withRowGroupSize(1024L)
                            .build();
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (Object[] row : rows) {
                Group g = groups.newGroup();
                for (int i = 0; i < row.length; i++) {
                    String name = schema.getFieldName(i);
                    if (row[i] instanceof byte[] b) {
                        g.append(name, Binary.fromConstantByteArray(b));
                    } else if (row[i] instanceof Integer n) {
                        g.append(name, n);
                    } else {
                        g.append(name, (Long) row[i]);
                    }
                }
                writer.write(g);
            }
            writer.close();
            blob.publish();
        }
    }

    private static Object[] row(int k, int v, long t, long d) {
        return new Object[] {new byte[] {(byte) k}, new byte[] {(byte) v}, t, d};
    }

    private static final Map<String, String> V1 = Map.of("flink-persist.format-version", "1");

    @Test
    void rawWriterHelperProducesReadableFiles() throws IOException {
        writeRaw("raw-ok", BATCH_SCHEMA, V1, row(1, 0, 0, 1), row(1, 0, 1, 1), row(0x80, 0, 0, -1));
        assertThat(readAll("raw-ok")).extracting(U::time).containsExactly(0L, 1L, 0L);
    }

    @Test
    void decodeRejectsUnsortedRows() throws IOException {
        writeRaw(
                "unsorted",
                BATCH_SCHEMA,
                V1,
                row(1, 0, 0, 1),
                row(2, 0, 0, 1),
                row(2, 0, 1, 1),
                row(2, 0, 0, 1));
        assertThatThrownBy(() -> readAll("unsorted"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageStartingWith("Cannot decode blob unsorted: ")
                .hasMessageContaining("unsorted")
                .hasMessageEndingWith(", row 3")
                .satisfies(e -> assertThat(((CorruptBlobException) e).key()).isEqualTo("unsorted"));
        // Unsigned order: 0x80 then 0x7F is a decrease.
        writeRaw("unsigned", BATCH_SCHEMA, V1, row(0x80, 0, 0, 1), row(0x7F, 0, 0, 1));
        assertThatThrownBy(() -> readAll("unsigned"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("unsorted");
    }

    @Test
    void decodeRejectsUnconsolidatedRows() throws IOException {
        writeRaw("dup", BATCH_SCHEMA, V1, row(1, 0, 0, 1), row(1, 0, 0, 1));
        assertThatThrownBy(() -> readAll("dup"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("dup")
                .hasMessageContaining("unconsolidated")
                .hasMessageEndingWith(", row 1");
    }

    @Test
    void decodeRejectsZeroDiff() throws IOException {
        writeRaw("zero", BATCH_SCHEMA, V1, row(0, 0, 0, 0));
        assertThatThrownBy(() -> readAll("zero"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("zero")
                .hasMessageContaining("zero diff")
                .hasMessageEndingWith(", row 0");
    }

    @Test
    void decodeRejectsUnsortedAcrossRowGroupsInTheFooter() throws IOException {
        Object[][] rows = new Object[400][];
        for (int i = 0; i < rows.length; i++) {
            // Two descending halves: the second row group's keys are below the first's.
            rows[i] =
                    new Object[] {
                        new byte[] {(byte) (i < 200 ? 2 : 1), (byte) (i >> 8), (byte) i},
                        new byte[0],
                        0L,
                        1L
                    };
        }
        writeRaw("groups", BATCH_SCHEMA, V1, rows);
        assertThatThrownBy(() -> BatchReader.readFooter(store, "groups"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("groups")
                .hasMessageContaining("out of order");
    }

    @Test
    void decodeRejectsWrongSchemaAndVersion() throws IOException {
        MessageType intTime =
                MessageTypeParser.parseMessageType(
                        "message batch { required binary k; required binary v; required int32 t; required int64 d; }");
        writeRaw("schema", intTime, V1, new Object[] {new byte[] {1}, new byte[0], 1, 1L});
        assertThatThrownBy(() -> BatchReader.open(store, "schema"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("schema")
                .hasMessageContaining("not a batch file");
        assertThatThrownBy(() -> BatchReader.readFooter(store, "schema"))
                .isInstanceOf(CorruptBlobException.class);

        MessageType extra =
                MessageTypeParser.parseMessageType(
                        "message batch { required binary k; required binary v; required int64 t; required int64 d; optional int64 x; }");
        writeRaw("extra", extra, V1, new Object[] {new byte[] {1}, new byte[0], 1L, 1L, 5L});
        assertThatThrownBy(() -> BatchReader.open(store, "extra"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("5 columns");

        MessageType optional =
                MessageTypeParser.parseMessageType(
                        "message batch { required binary k; optional binary v; required int64 t; required int64 d; }");
        writeRaw("optional", optional, V1, row(1, 0, 0, 1));
        assertThatThrownBy(() -> BatchReader.open(store, "optional"))
                .isInstanceOf(CorruptBlobException.class);

        writeRaw("noversion", BATCH_SCHEMA, Map.of(), row(1, 0, 0, 1));
        assertThatThrownBy(() -> BatchReader.open(store, "noversion"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("format version (found=null, supported=1");
        writeRaw("v2", BATCH_SCHEMA, Map.of("flink-persist.format-version", "2"), row(1, 0, 0, 1));
        assertThatThrownBy(() -> BatchReader.readFooter(store, "v2"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("found=2");
    }

    @Test
    void decodeRejectsTruncatedFiles() throws IOException {
        write("cut", SMALL_GROUPS, sortedUpdates(5, 2_000));
        byte[] bytes = store.get("cut").orElseThrow();
        for (int length :
                new int[] {0, 3, 100, bytes.length / 2, bytes.length - 9, bytes.length - 1}) {
            store.corrupt("cut", Arrays.copyOf(bytes, length));
            assertThatThrownBy(() -> readAll("cut"))
                    .as("truncated to %s of %s bytes", length, bytes.length)
                    .isInstanceOf(CorruptBlobException.class)
                    .hasMessageContaining("cut")
                    .satisfies(e -> assertThat(((CorruptBlobException) e).key()).isEqualTo("cut"));
            assertThatThrownBy(() -> BatchReader.readFooter(store, "cut"))
                    .isInstanceOf(CorruptBlobException.class);
        }
    }

    @Test
    void decodeRejectsFilesWithTheirDataPagesCutOut() throws IOException {
        // Keep the footer but drop the middle: the footer parses, the row groups do not.
        write("hole", SMALL_GROUPS, sortedUpdates(6, 2_000));
        byte[] bytes = store.get("hole").orElseThrow();
        byte[] holed = bytes.clone();
        Arrays.fill(holed, 4, bytes.length / 2, (byte) 0);
        store.corrupt("hole", holed);
        assertThatThrownBy(() -> readAll("hole"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("hole");
    }

    @Test
    void decodeRejectsGarbage() throws IOException {
        Random random = new Random(11);
        byte[] garbage = new byte[5_000];
        random.nextBytes(garbage);
        store.putIfAbsent("garbage", garbage);
        assertThatThrownBy(() -> readAll("garbage"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageStartingWith("Cannot decode blob garbage: ");
        byte[] magic = Arrays.copyOf("PAR1".getBytes(), 64);
        System.arraycopy("PAR1".getBytes(), 0, magic, 60, 4);
        store.putIfAbsent("magic", magic);
        assertThatThrownBy(() -> BatchReader.readFooter(store, "magic"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("magic");
    }

    @Test
    void decodeDetectsFlippedBytesInPages() throws IOException {
        List<U> updates = sortedUpdates(9, 2_000);
        write(
                "flip",
                SMALL_GROUPS.withCompression(BatchWriteOptions.Compression.UNCOMPRESSED),
                updates);
        byte[] bytes = store.get("flip").orElseThrow();
        BatchFooter footer = BatchReader.readFooter(store, "flip");
        // Flip a byte inside the first row group's data (after the magic, before the second group).
        byte[] flipped = bytes.clone();
        int position = 4 + (int) (footer.rowGroups().get(0).compressedBytes() / 2);
        flipped[position] ^= 0x5A;
        store.corrupt("flip", flipped);
        assertThatThrownBy(() -> readAll("flip"))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("flip");
    }

    @Test
    void cursorRequiresAdvanceAndMissingBlobIsNotFound() throws IOException {
        write("c", SMALL_GROUPS, sortedUpdates(2, 10));
        try (UpdateCursor cursor = BatchReader.open(store, "c")) {
            assertThatThrownBy(cursor::key).isInstanceOf(IllegalStateException.class);
            assertThat(cursor.advance()).isTrue();
            assertThat(cursor.key()).isNotNull();
        }
        assertThatThrownBy(() -> BatchReader.open(store, "missing"))
                .isInstanceOf(BlobNotFoundException.class);
    }

    @Test
    void writerCopiesWhatItKeeps() throws IOException {
        byte[] k = {1};
        byte[] v = {1};
        List<U> expected = new ArrayList<>();
        try (BatchWriter writer = BatchWriter.create(store, "reuse", SMALL_GROUPS, Map.of())) {
            for (int i = 1; i < 100; i++) {
                k[0] = (byte) i; // the same arrays, reused for every update
                writer.add(k, v, 0, 1);
                expected.add(new U(new byte[] {(byte) i}, new byte[] {1}, 0, 1));
            }
            writer.finish();
        }
        assertSame(readAll("reuse"), expected);
        RowGroupInfo group = BatchReader.readFooter(store, "reuse").rowGroups().get(0);
        assertThat(group.minKey()).isEqualTo(new byte[] {1});
    }
}
