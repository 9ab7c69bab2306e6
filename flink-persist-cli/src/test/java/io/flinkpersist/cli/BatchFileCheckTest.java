package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.BlobInputFile;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobReader;
import io.flinkpersist.blob.BlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupts a batch file 16 bytes at a time, everywhere, and checks that reading it fully plus
 * {@link BatchFileCheck} (what {@code validate} does) finds every corruption but those in the
 * closing metadata no reader interprets (the writing library's name) and those that change nothing
 * a reader sees: the footer repeats an int64 column's bounds in two fields, and a flip that Thrift
 * skips over as an unknown field leaves the other one to give the same bounds.
 */
class BatchFileCheckTest {

    @TempDir Path dir;

    @Test
    void aSoundFileHasNoProblems() throws Exception {
        try (PersistCollection c = write()) {
            String key = c.state().unsealed().get(0).key();
            assertThat(BatchFileCheck.check(c.store(), key)).isEmpty();
        }
    }

    @Test
    void corruptionIsFoundEverywhereButInTheWriterName() throws Exception {
        try (PersistCollection c = write()) {
            String key = c.state().unsealed().get(0).key();
            Path file = dir.resolve("batch").resolve(key);
            byte[] original = Files.readAllBytes(file);
            String meaning = meaning(c.store(), key);
            List<Integer> missed = new ArrayList<>();
            List<Integer> harmless = new ArrayList<>();
            for (int offset = 0; offset < original.length; offset += 16) {
                byte[] corrupt = original.clone();
                for (int i = offset; i < Math.min(offset + 16, corrupt.length); i++) {
                    corrupt[i] ^= 0x55;
                }
                Files.write(file, corrupt);
                if (!found(c.store(), key)) {
                    if (meaning.equals(meaning(c.store(), key))) {
                        harmless.add(offset);
                    } else {
                        missed.add(offset);
                    }
                }
            }
            Files.write(file, original);
            System.out.println(
                    "file of "
                            + original.length
                            + " bytes; corruption missed at offsets "
                            + missed
                            + "; harmless (read back the same) at "
                            + harmless);
            assertThat(harmless)
                    .as("harmless flips are rare")
                    .hasSizeLessThan(original.length / 16 / 20);
            int writerName = indexOf(original, "parquet-mr".getBytes(StandardCharsets.US_ASCII));
            assertThat(writerName).isPositive();
            assertThat(missed)
                    .allMatch(offset -> offset + 16 > writerName && offset < original.length - 8);
        }
    }

    private PersistCollection write() throws Exception {
        Random random = new Random(5);
        PersistCollection c =
                PersistCollection.open(
                        dir.toString(),
                        "batch",
                        CollectionConfig.defaults()
                                .withWriteOptions(
                                        BatchWriteOptions.defaults()
                                                .withRowGroupSizeBytes(4 << 10)));
        List<Update<String, String>> updates = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            updates.add(
                    Update.of(
                            "key-" + random.nextInt(300),
                            "value-" + random.nextInt(4),
                            random.nextInt(20),
                            random.nextInt(3) == 0 ? -1 : 1));
        }
        c.append(updates, Codecs.string(), Codecs.string());
        return c;
    }

    private static boolean found(BlobStore store, String key) {
        try (UpdateCursor cursor = BatchReader.open(store, key)) {
            while (cursor.advance()) {
                // Read everything: the reader validates as it goes.
            }
            return !BatchFileCheck.check(store, key).isEmpty();
        } catch (Exception e) {
            return true;
        }
    }

    /**
     * What a reader gets from the file: every update, and per column chunk its statistics, value
     * count, position and page index references; the footer metadata without the writer's name.
     */
    private static String meaning(BlobStore store, String key) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (UpdateCursor cursor = BatchReader.open(store, key)) {
            while (cursor.advance()) {
                sb.append(Arrays.toString(cursor.key()))
                        .append(Arrays.toString(cursor.value()))
                        .append(cursor.time())
                        .append(',')
                        .append(cursor.diff())
                        .append('\n');
            }
        }
        try (BlobReader blob = store.open(key);
                ParquetFileReader file =
                        ParquetFileReader.open(
                                new BlobInputFile(blob),
                                HadoopReadOptions.builder(new Configuration(false)).build())) {
            sb.append(file.getFooter().getFileMetaData().getKeyValueMetaData())
                    .append(file.getFooter().getFileMetaData().getSchema());
            for (BlockMetaData block : file.getFooter().getBlocks()) {
                sb.append(block.getRowCount())
                        .append(',')
                        .append(block.getStartingPos())
                        .append('\n');
                for (ColumnChunkMetaData chunk : block.getColumns()) {
                    sb.append(chunk.getPath())
                            .append(chunk.getStatistics())
                            .append(chunk.getValueCount())
                            .append(',')
                            .append(chunk.getStartingPos())
                            .append(',')
                            .append(chunk.getTotalSize())
                            .append(',')
                            .append(chunk.getCodec())
                            .append(new TreeSet<>(chunk.getEncodings()))
                            .append(chunk.getColumnIndexReference().getOffset())
                            .append(',')
                            .append(chunk.getOffsetIndexReference().getOffset())
                            .append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
