package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.Codecs;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupts a batch file 16 bytes at a time, everywhere, and checks that reading it fully plus {@link
 * BatchFileCheck} (what {@code validate} does) finds every corruption but those in the closing
 * metadata no reader interprets (the writing library's name).
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
            List<Integer> missed = new ArrayList<>();
            for (int offset = 0; offset < original.length; offset += 16) {
                byte[] corrupt = original.clone();
                for (int i = offset; i < Math.min(offset + 16, corrupt.length); i++) {
                    corrupt[i] ^= 0x55;
                }
                Files.write(file, corrupt);
                if (!found(c.store(), key)) {
                    missed.add(offset);
                }
            }
            Files.write(file, original);
            System.out.println("file of " + original.length + " bytes; corruption missed at offsets " + missed);
            int writerName = indexOf(original, "parquet-mr".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(writerName).isPositive();
            assertThat(missed).allMatch(offset -> offset + 16 > writerName && offset < original.length - 8);
        }
    }

    private PersistCollection write() throws Exception {
        Random random = new Random(5);
        PersistCollection c = PersistCollection.open(
                dir.toString(), "batch", CollectionConfig.defaults().withWriteOptions(BatchWriteOptions.defaults().withRowGroupSizeBytes(4 << 10)));
        List<Update<String, String>> updates = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            updates.add(Update.of("key-" + random.nextInt(300), "value-" + random.nextInt(4), random.nextInt(20), random.nextInt(3) == 0 ? -1 : 1));
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
