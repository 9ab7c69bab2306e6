package io.flinkpersist.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The guarantees of {@link BlobStore}, run against every implementation: subclasses say how to make
 * an empty store.
 */
public abstract class BlobStoreContractTest {

    /** A new, empty store; each test gets its own. */
    protected abstract BlobStore createStore() throws IOException;

    protected BlobStore store;

    @BeforeEach
    void openStore() throws IOException {
        store = createStore();
    }

    @AfterEach
    void closeStore() throws IOException {
        store.close();
    }

    @Test
    void getOfMissingKeyIsEmpty() throws IOException {
        assertThat(store.get("state/00000000000000000001")).isEmpty();
    }

    @Test
    void putIfAbsentThenGetReturnsTheBytes() throws IOException {
        store.putIfAbsent("state/00000000000000000001", bytes("hello"));
        assertContent("state/00000000000000000001", bytes("hello"));
    }

    @Test
    void secondPutIfAbsentFailsAndKeepsTheFirstContent() throws IOException {
        store.putIfAbsent("k", bytes("first"));
        assertThatThrownBy(() -> store.putIfAbsent("k", bytes("second")))
                .isInstanceOf(BlobAlreadyExistsException.class)
                .hasMessageContaining("k")
                .satisfies(e -> assertThat(((BlobAlreadyExistsException) e).key()).isEqualTo("k"));
        assertContent("k", bytes("first"));
    }

    @Test
    void emptyBlob() throws IOException {
        store.putIfAbsent("empty", new byte[0]);
        assertThat(store.get("empty")).hasValueSatisfying(v -> assertThat(v).isEmpty());
        assertThat(store.list("empty")).extracting(BlobInfo::sizeBytes).containsExactly(0L);
        try (BlobReader reader = store.open("empty")) {
            assertThat(reader.length()).isZero();
            assertThat(reader.read(0, new byte[4], 0, 4)).isEqualTo(-1);
        }
        try (BlobWriter writer = store.create("empty-streamed")) {
            writer.publish();
        }
        assertThat(store.get("empty-streamed")).hasValueSatisfying(v -> assertThat(v).isEmpty());
    }

    @Test
    void streamedBlobSupportsPositionalReads() throws IOException {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(data);
        String key = "batches/big.parquet";
        try (BlobWriter writer = store.create(key)) {
            // Mixed write sizes: single bytes, small chunks and chunks larger than any buffer.
            int pos = 0;
            writer.write(data[pos++]);
            int[] sizes = {1, 100, 70_000, 4096, 1_000_000, 3};
            for (int i = 0; pos < data.length; i++) {
                int n = Math.min(sizes[i % sizes.length], data.length - pos);
                writer.write(data, pos, n);
                pos += n;
            }
            assertThat(writer.position()).isEqualTo(data.length);
            writer.publish();
        }
        try (BlobReader reader = store.open(key)) {
            assertThat(reader.key()).isEqualTo(key);
            assertThat(reader.length()).isEqualTo(data.length);
            for (long offset : new long[] {0, 1, 65_535, 65_536, 1_048_577, data.length - 10}) {
                byte[] got = new byte[10];
                reader.readFully(offset, got, 0, 10);
                for (int i = 0; i < 10; i++) {
                    assertThat(got[i])
                            .as("byte at %d", offset + i)
                            .isEqualTo(data[(int) offset + i]);
                }
            }
            byte[] buf = new byte[8];
            assertThat(reader.read(data.length, buf, 0, 8)).isEqualTo(-1);
            assertThat(reader.read(data.length + 1000L, buf, 0, 8)).isEqualTo(-1);
            int n = reader.read(data.length - 3, buf, 2, 6);
            assertThat(n).isBetween(1, 3);
            assertThat(buf[2]).isEqualTo(data[data.length - 3]);
            assertThatThrownBy(() -> reader.readFully(data.length - 3, buf, 0, 8))
                    .isInstanceOf(EOFException.class)
                    .hasMessageContaining(key);
        }
        assertContent(key, data);
    }

    @Test
    void nothingIsVisibleBeforePublish() throws IOException {
        try (BlobWriter writer = store.create("batches/x.parquet")) {
            writer.write(bytes("partial"));
            writer.flush();
            assertThat(store.get("batches/x.parquet")).isEmpty();
            assertThat(store.list("")).isEmpty();
            assertThatThrownBy(() -> store.open("batches/x.parquet"))
                    .isInstanceOf(BlobNotFoundException.class);
            writer.publish();
        }
        assertContent("batches/x.parquet", bytes("partial"));
    }

    @Test
    void unpublishedWriterLeavesNothing() throws IOException {
        try (BlobWriter writer = store.create("batches/x.parquet")) {
            writer.write(new byte[200_000]);
        }
        assertThat(store.get("batches/x.parquet")).isEmpty();
        assertThat(store.list("")).isEmpty();
        // The key is still free.
        store.putIfAbsent("batches/x.parquet", bytes("later"));
        assertContent("batches/x.parquet", bytes("later"));
    }

    @Test
    void publishOnExistingKeyFailsAndKeepsTheOriginal() throws IOException {
        store.putIfAbsent("state/00000000000000000002", bytes("original"));
        try (BlobWriter writer = store.create("state/00000000000000000002")) {
            writer.write(bytes("usurper"));
            assertThatThrownBy(writer::publish).isInstanceOf(BlobAlreadyExistsException.class);
        }
        assertContent("state/00000000000000000002", bytes("original"));
        assertThat(store.list(""))
                .extracting(BlobInfo::key)
                .containsExactly("state/00000000000000000002");
    }

    @Test
    void writesAfterPublishFail() throws IOException {
        try (BlobWriter writer = store.create("k")) {
            writer.write(1);
            writer.publish();
            assertThatThrownBy(() -> writer.write(2)).isInstanceOf(IOException.class);
        }
        assertThat(store.get("k")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
    }

    @Test
    void deleteReturnsWhetherTheBlobExisted() throws IOException {
        store.putIfAbsent("batches/a", bytes("a"));
        assertThat(store.delete("batches/a")).isTrue();
        assertThat(store.delete("batches/a")).isFalse();
        assertThat(store.delete("never/there")).isFalse();
        assertThat(store.get("batches/a")).isEmpty();
        store.putIfAbsent("batches/a", bytes("again"));
        assertContent("batches/a", bytes("again"));
    }

    @Test
    void listByPrefix() throws IOException {
        long before = System.currentTimeMillis() - 2_000;
        store.putIfAbsent("state/00000000000000000002", bytes("22"));
        store.putIfAbsent("state/00000000000000000001", bytes("1"));
        store.putIfAbsent("state/00000000000000000010", bytes("10101"));
        store.putIfAbsent("batches/x.parquet", bytes("xxx"));
        store.putIfAbsent("batches/nested/deeper/y.parquet", bytes("yyyy"));
        store.putIfAbsent("statement", bytes("s"));

        assertThat(store.list("state/"))
                .extracting(BlobInfo::key, BlobInfo::sizeBytes)
                .containsExactly(
                        info("state/00000000000000000001", 1),
                        info("state/00000000000000000002", 2),
                        info("state/00000000000000000010", 5));
        assertThat(store.list("state/0000000000000000000"))
                .extracting(BlobInfo::key)
                .containsExactly("state/00000000000000000001", "state/00000000000000000002");
        assertThat(store.list("state"))
                .extracting(BlobInfo::key)
                .containsExactly(
                        "state/00000000000000000001",
                        "state/00000000000000000002",
                        "state/00000000000000000010",
                        "statement");
        assertThat(store.list("batches/"))
                .extracting(BlobInfo::key, BlobInfo::sizeBytes)
                .containsExactly(
                        info("batches/nested/deeper/y.parquet", 4), info("batches/x.parquet", 3));
        assertThat(store.list(""))
                .extracting(BlobInfo::key)
                .containsExactly(
                        "batches/nested/deeper/y.parquet",
                        "batches/x.parquet",
                        "state/00000000000000000001",
                        "state/00000000000000000002",
                        "state/00000000000000000010",
                        "statement");
        assertThat(store.list(""))
                .allSatisfy(
                        i ->
                                assertThat(i.lastModifiedMillis())
                                        .isBetween(before, System.currentTimeMillis() + 2_000));
        assertThat(store.list("missing/")).isEmpty();
        assertThat(store.list("missing/deeper/x")).isEmpty();
        assertThat(store.list("batches/z")).isEmpty();
    }

    @Test
    void openOfMissingKeyFails() {
        assertThatThrownBy(() -> store.open("batches/none.parquet"))
                .isInstanceOf(BlobNotFoundException.class)
                .hasMessageContaining("batches/none.parquet")
                .satisfies(
                        e ->
                                assertThat(((BlobNotFoundException) e).key())
                                        .isEqualTo("batches/none.parquet"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void racingPutIfAbsentHasExactlyOneWinnerPerKey() throws Exception {
        int threads = 8;
        int keys = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<boolean[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    boolean[] won = new boolean[keys];
                                    for (int k = 0; k < keys; k++) {
                                        try {
                                            store.putIfAbsent(raceKey(k), payload(k, thread));
                                            won[k] = true;
                                        } catch (BlobAlreadyExistsException e) {
                                            won[k] = false;
                                        }
                                    }
                                    return won;
                                }));
            }
            start.countDown();
            List<boolean[]> won = new ArrayList<>();
            for (Future<boolean[]> f : results) {
                won.add(f.get(60, TimeUnit.SECONDS));
            }
            for (int k = 0; k < keys; k++) {
                List<Integer> winners = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    if (won.get(t)[k]) {
                        winners.add(t);
                    }
                }
                assertThat(winners).as("winners of %s", raceKey(k)).hasSize(1);
                byte[] expected = payload(k, winners.get(0));
                assertContent(raceKey(k), expected);
            }
            assertThat(store.list("race/")).hasSize(keys);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String raceKey(int k) {
        return String.format("race/%02d/%05d", k % 7, k);
    }

    private static byte[] payload(int key, int thread) {
        return bytes("key=" + key + ",thread=" + thread + ",".repeat(thread * 10));
    }

    private static Tuple info(String key, long size) {
        return tuple(key, size);
    }

    /** Asserts that {@code key} holds exactly {@code expected}. */
    protected void assertContent(String key, byte[] expected) throws IOException {
        assertThat(store.get(key))
                .as("content of %s", key)
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(expected));
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
