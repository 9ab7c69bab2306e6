package io.flinkpersist.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.blob.InMemoryBlobStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class UpdateBufferTest {

    /** One update as plain values, ordered like {@link UpdateOrder}. */
    record U(byte[] key, byte[] value, long time, long diff) {
        @Override
        public String toString() {
            return "U("
                    + BatchFormat.hex(key)
                    + ", "
                    + BatchFormat.hex(value)
                    + ", "
                    + time
                    + ", "
                    + diff
                    + ")";
        }
    }

    private static final Comparator<U> ORDER =
            (a, b) -> UpdateOrder.compare(a.key, a.value, a.time, b.key, b.value, b.time);

    private static long seed() {
        String s = System.getProperty("test.seed");
        long seed = s == null || s.isEmpty() ? System.nanoTime() : Long.parseLong(s);
        System.out.println(
                "UpdateBufferTest seed: " + seed + " (replay with -Dtest.seed=" + seed + ")");
        return seed;
    }

    static List<U> drain(UpdateCursor cursor) throws IOException {
        List<U> out = new ArrayList<>();
        try (cursor) {
            while (cursor.advance()) {
                out.add(new U(cursor.key(), cursor.value(), cursor.time(), cursor.diff()));
            }
        }
        return out;
    }

    private static List<U> modelContents(TreeMap<U, Long> model) {
        List<U> out = new ArrayList<>();
        for (Map.Entry<U, Long> e : model.entrySet()) {
            if (e.getValue() != 0) {
                out.add(new U(e.getKey().key, e.getKey().value, e.getKey().time, e.getValue()));
            }
        }
        return out;
    }

    private static void assertSameUpdates(List<U> actual, List<U> expected, long seed) {
        assertThat(actual).as("seed %s", seed).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            U a = actual.get(i);
            U e = expected.get(i);
            assertThat(a.key).as("key %s, seed %s", i, seed).isEqualTo(e.key);
            assertThat(a.value).as("value %s, seed %s", i, seed).isEqualTo(e.value);
            assertThat(a.time).as("time %s, seed %s", i, seed).isEqualTo(e.time);
            assertThat(a.diff).as("diff %s, seed %s", i, seed).isEqualTo(e.diff);
        }
    }

    /**
     * Bytes drawn from a small alphabet around the signed/unsigned boundary, so that ties are
     * common.
     */
    private static byte[] randomBytes(Random random, int maxLength) {
        byte[] alphabet = {0x00, 0x01, 0x7F, (byte) 0x80, (byte) 0xFF};
        int length = random.nextInt(maxLength + 1);
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return b;
    }

    @Test
    void writesFromItsArenaExactlyWhatItsCursorReads() throws IOException {
        long seed = seed();
        Random random = new Random(seed);
        UpdateBuffer buffer = new UpdateBuffer();
        for (int i = 0; i < 5_000; i++) {
            byte[] k = new byte[1 + random.nextInt(40)];
            byte[] v = new byte[random.nextInt(30)];
            random.nextBytes(k);
            random.nextBytes(v);
            buffer.add(k, v, random.nextInt(50), random.nextBoolean() ? 1 : -2);
        }
        buffer.sortAndConsolidate();
        InMemoryBlobStore store = new InMemoryBlobStore();
        BatchWriteOptions smallGroups = BatchWriteOptions.defaults().withRowGroupSizeBytes(4096);
        try (BatchWriter w = BatchWriter.create(store, "b", smallGroups, Map.of())) {
            buffer.writeTo(w);
            assertThat(w.finish().updateCount()).isEqualTo(buffer.size());
        }
        assertSameUpdates(drain(BatchReader.open(store, "b")), drain(buffer.cursor()), seed);
    }

    @Test
    void writingAnUnsortedBufferFailsOnTheOrderCheck() throws IOException {
        UpdateBuffer buffer = new UpdateBuffer();
        buffer.add(new byte[] {2}, new byte[] {1}, 0, 1);
        buffer.add(new byte[] {1}, new byte[] {1}, 0, 1);
        try (BatchWriter w =
                BatchWriter.create(
                        new InMemoryBlobStore(), "b", BatchWriteOptions.defaults(), Map.of())) {
            assertThatThrownBy(() -> buffer.writeTo(w))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sorts before the previous one")
                    .hasMessageContaining("key=0x01");
        }
    }

    @Test
    void randomOperationsMatchTreeMapModel() throws IOException {
        long seed = seed();
        Random random = new Random(seed);
        UpdateBuffer buffer = new UpdateBuffer(0, 0);
        TreeMap<U, Long> model = new TreeMap<>(ORDER);
        for (int round = 0; round < 60; round++) {
            int adds = random.nextInt(4) == 0 ? random.nextInt(5) : random.nextInt(3000);
            // Keys up to 12 bytes cross the 8-byte prefix; short alphabets make prefix ties
            // frequent.
            int maxKey = random.nextBoolean() ? 3 : 12;
            for (int i = 0; i < adds; i++) {
                byte[] k = randomBytes(random, maxKey);
                byte[] v = randomBytes(random, 2);
                long t = random.nextInt(4) - (random.nextInt(10) == 0 ? Long.MAX_VALUE : 0);
                long d = random.nextInt(5) - 2;
                buffer.add(k, v, t, d);
                model.merge(new U(k.clone(), v.clone(), t, 0), d, Long::sum);
            }
            switch (random.nextInt(6)) {
                case 0:
                    buffer.clear();
                    model.clear();
                    assertThat(buffer.size()).isZero();
                    break;
                default:
                    buffer.sortAndConsolidate();
                    assertThat(buffer.validate()).isTrue();
                    List<U> expected = modelContents(model);
                    assertSameUpdates(drain(buffer.cursor()), expected, seed);
                    assertThat(buffer.size()).as("seed %s", seed).isEqualTo(expected.size());
                    if (!expected.isEmpty()) {
                        assertThat(buffer.minTime())
                                .as("seed %s", seed)
                                .isEqualTo(expected.stream().mapToLong(U::time).min().getAsLong());
                        assertThat(buffer.maxTime())
                                .as("seed %s", seed)
                                .isEqualTo(expected.stream().mapToLong(U::time).max().getAsLong());
                    }
            }
        }
    }

    @Test
    void largeRandomBatchWithManyDuplicatesSortsAndConsolidates() throws IOException {
        long seed = seed();
        Random random = new Random(seed);
        UpdateBuffer buffer = new UpdateBuffer();
        TreeMap<U, Long> model = new TreeMap<>(ORDER);
        for (int i = 0; i < 60_000; i++) {
            byte[] k = new byte[16];
            // 2,000 distinct keys sharing their first 8 bytes in pairs: prefix ties go to the
            // arena.
            int id = random.nextInt(2_000);
            k[0] = (byte) (id >> 8 | 0x80);
            k[1] = (byte) id;
            k[15] = (byte) random.nextInt(2);
            byte[] v = new byte[] {(byte) random.nextInt(3)};
            long t = random.nextInt(3);
            long d = random.nextBoolean() ? 1 : -1;
            buffer.add(k, v, t, d);
            model.merge(new U(k, v, t, 0), d, Long::sum);
        }
        buffer.sortAndConsolidate();
        assertSameUpdates(drain(buffer.cursor()), modelContents(model), seed);
    }

    @Test
    void sortedReversedAndConstantInputs() throws IOException {
        int n = 5_000;
        UpdateBuffer ascending = new UpdateBuffer();
        UpdateBuffer descending = new UpdateBuffer();
        UpdateBuffer constant = new UpdateBuffer();
        for (int i = 0; i < n; i++) {
            ascending.add(intKey(i), new byte[0], 0, 1);
            descending.add(intKey(n - 1 - i), new byte[0], 0, 1);
            constant.add(intKey(7), new byte[] {1}, 3, 2);
        }
        ascending.sortAndConsolidate();
        descending.sortAndConsolidate();
        constant.sortAndConsolidate();
        List<U> a = drain(ascending.cursor());
        List<U> d = drain(descending.cursor());
        assertThat(a).hasSize(n);
        assertSameUpdates(d, a, 0);
        for (int i = 0; i < n; i++) {
            assertThat(a.get(i).key).isEqualTo(intKey(i));
        }
        List<U> c = drain(constant.cursor());
        assertThat(c).hasSize(1);
        assertThat(c.get(0).diff).isEqualTo(2L * n);
    }

    private static byte[] intKey(int i) {
        return new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i};
    }

    @Test
    void bytesFrom0x80SortAfter0x7fAsUnsigned() throws IOException {
        UpdateBuffer buffer = new UpdateBuffer();
        byte[] k9a = new byte[9];
        byte[] k9b = new byte[9];
        k9a[8] = 0x7F;
        k9b[8] = (byte) 0x80;
        buffer.add(new byte[] {(byte) 0xFF}, new byte[0], 0, 1);
        buffer.add(new byte[] {(byte) 0x80}, new byte[0], 0, 1);
        buffer.add(new byte[] {0x7F}, new byte[0], 0, 1);
        buffer.add(k9b, new byte[0], 0, 1);
        buffer.add(k9a, new byte[0], 0, 1);
        buffer.add(new byte[] {1}, new byte[] {(byte) 0x90}, 0, 1);
        buffer.add(new byte[] {1}, new byte[] {0x10}, 0, 1);
        buffer.sortAndConsolidate();
        List<U> out = drain(buffer.cursor());
        assertThat(out)
                .extracting(U::key)
                .containsExactly(
                        k9a,
                        k9b,
                        new byte[] {1},
                        new byte[] {1},
                        new byte[] {0x7F},
                        new byte[] {(byte) 0x80},
                        new byte[] {(byte) 0xFF});
        assertThat(out.get(2).value).isEqualTo(new byte[] {0x10});
        assertThat(out.get(3).value).isEqualTo(new byte[] {(byte) 0x90});
    }

    @Test
    void emptyAndZeroLengthKeysAndValues() throws IOException {
        UpdateBuffer buffer = new UpdateBuffer(0, 0);
        buffer.sortAndConsolidate();
        assertThat(buffer.size()).isZero();
        assertThat(drain(buffer.cursor())).isEmpty();
        assertThatThrownBy(buffer::minTime)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("empty");

        buffer.add(new byte[] {0}, new byte[0], 5, 1);
        buffer.add(new byte[0], new byte[] {0}, 4, 1);
        buffer.add(new byte[0], new byte[0], 6, 1);
        buffer.add(new byte[0], new byte[0], 6, 2);
        buffer.add(new byte[] {0, 0}, new byte[0], 1, 1);
        buffer.sortAndConsolidate();
        List<U> out = drain(buffer.cursor());
        assertThat(out).hasSize(4);
        assertThat(out.get(0))
                .extracting(U::key, U::value, U::time, U::diff)
                .containsExactly(new byte[0], new byte[0], 6L, 3L);
        assertThat(out.get(1))
                .extracting(U::key, U::value)
                .containsExactly(new byte[0], new byte[] {0});
        assertThat(out.get(2).key).isEqualTo(new byte[] {0});
        assertThat(out.get(3).key).isEqualTo(new byte[] {0, 0});
        assertThat(buffer.minTime()).isEqualTo(1);
        assertThat(buffer.maxTime()).isEqualTo(6);
    }

    @Test
    void allCancellingDiffsLeaveNothing() throws IOException {
        UpdateBuffer buffer = new UpdateBuffer();
        for (int i = 0; i < 1_000; i++) {
            byte[] k = intKey(i % 37);
            buffer.add(k, new byte[] {1}, i % 5, 3);
            buffer.add(k, new byte[] {1}, i % 5, -1);
            buffer.add(k, new byte[] {1}, i % 5, -2);
            buffer.add(k, new byte[] {2}, 9, 0);
        }
        buffer.sortAndConsolidate();
        assertThat(buffer.size()).isZero();
        assertThat(drain(buffer.cursor())).isEmpty();
        assertThatThrownBy(buffer::maxTime).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void clearKeepsCapacityAndAddAfterConsolidateWorks() throws IOException {
        UpdateBuffer buffer = new UpdateBuffer(4, 16);
        for (int i = 0; i < 10_000; i++) {
            buffer.add(intKey(i), intKey(i), i, 1);
        }
        long memory = buffer.memoryBytes();
        assertThat(memory).isGreaterThanOrEqualTo(10_000L * (40 + 8));
        buffer.clear();
        assertThat(buffer.size()).isZero();
        assertThat(buffer.memoryBytes()).isEqualTo(memory);
        buffer.add(intKey(2), new byte[0], 1, 1);
        buffer.sortAndConsolidate();
        buffer.add(intKey(1), new byte[0], 1, 1);
        buffer.add(intKey(2), new byte[0], 1, -1);
        buffer.sortAndConsolidate();
        List<U> out = drain(buffer.cursor());
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key).isEqualTo(intKey(1));
        assertThat(buffer.memoryBytes()).isEqualTo(memory);
    }

    @Test
    void addCopiesTheCallersBytes() throws IOException {
        UpdateBuffer buffer = new UpdateBuffer();
        byte[] k = {1, 2};
        byte[] v = {3};
        buffer.add(k, v, 0, 1);
        k[0] = 9;
        v[0] = 9;
        List<U> out = drain(buffer.cursor());
        assertThat(out.get(0).key).isEqualTo(new byte[] {1, 2});
        assertThat(out.get(0).value).isEqualTo(new byte[] {3});
    }

    @Test
    void cursorFailsAfterTheBufferChanges() throws IOException {
        UpdateBuffer buffer = new UpdateBuffer();
        buffer.add(new byte[] {1}, new byte[0], 0, 1);
        UpdateCursor cursor = buffer.cursor();
        assertThatThrownBy(cursor::key).isInstanceOf(IllegalStateException.class);
        assertThat(cursor.advance()).isTrue();
        buffer.add(new byte[] {2}, new byte[0], 0, 1);
        assertThatThrownBy(cursor::advance).isInstanceOf(ConcurrentModificationException.class);
    }

    @Test
    void cursorBeforeConsolidationIsInInsertionOrder() throws IOException {
        UpdateBuffer buffer = new UpdateBuffer();
        buffer.add(new byte[] {2}, new byte[0], 0, 1);
        buffer.add(new byte[] {1}, new byte[0], 0, 0);
        assertThat(drain(buffer.cursor()))
                .extracting(u -> Arrays.toString(u.key))
                .containsExactly("[2]", "[1]");
    }
}
