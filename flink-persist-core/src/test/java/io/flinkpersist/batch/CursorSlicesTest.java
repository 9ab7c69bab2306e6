package io.flinkpersist.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Frontier;
import io.flinkpersist.batch.UpdateBufferTest.U;
import io.flinkpersist.blob.CorruptBlobException;
import io.flinkpersist.blob.InMemoryBlobStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keys and values as slices: they stay valid past {@code advance} and {@code close}, the promises
 * of order cursors make ({@link UpdateCursor#sorted()}, {@link UpdateCursor#consolidated()}) and
 * what a writer and a concatenation do with them, and the folded time and key stages of {@link
 * Cursors}.
 */
class CursorSlicesTest {

    private static final BatchWriteOptions SMALL_GROUPS =
            BatchWriteOptions.defaults().withRowGroupSizeBytes(16 << 10).withPageSizeBytes(4 << 10);

    private final InMemoryBlobStore store = new InMemoryBlobStore();

    /** A slice as it was handed out: the array and the bounds, nothing copied. */
    private record Slices(
            byte[] k,
            int kOffset,
            int kLength,
            byte[] v,
            int vOffset,
            int vLength,
            long t,
            long d) {
        U copy() {
            return new U(
                    Arrays.copyOfRange(k, kOffset, kOffset + kLength),
                    Arrays.copyOfRange(v, vOffset, vOffset + vLength),
                    t,
                    d);
        }
    }

    private static List<Slices> holdSlices(UpdateCursor c) throws IOException {
        List<Slices> out = new ArrayList<>();
        try (c) {
            while (c.advance()) {
                out.add(
                        new Slices(
                                c.keyArray(),
                                c.keyOffset(),
                                c.keyLength(),
                                c.valueArray(),
                                c.valueOffset(),
                                c.valueLength(),
                                c.time(),
                                c.diff()));
            }
        }
        return out;
    }

    private static void assertSameUpdates(List<U> actual, List<U> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            U a = actual.get(i);
            U e = expected.get(i);
            assertThat(a.key()).as("key %d", i).isEqualTo(e.key());
            assertThat(a.value()).as("value %d", i).isEqualTo(e.value());
            assertThat(a.time()).as("time %d", i).isEqualTo(e.time());
            assertThat(a.diff()).as("diff %d", i).isEqualTo(e.diff());
        }
    }

    private List<U> write(String key, List<U> updates) throws IOException {
        try (BatchWriter w = BatchWriter.create(store, key, SMALL_GROUPS, Map.of())) {
            for (U u : updates) {
                w.add(u.key(), u.value(), u.time(), u.diff());
            }
            w.finish();
        }
        return updates;
    }

    @Test
    void slicesOfDecodedPagesStayValidAfterTheCursorMovesOnAndCloses() throws IOException {
        List<U> expected = write("b", BatchFileTest.sortedUpdates(7, 3000));
        assertThat(BatchReader.readFooter(store, "b").rowGroupCount()).isGreaterThan(3);

        UpdateCursor direct = BatchReader.open(store, "b");
        assertThat(direct.consolidated()).isTrue();
        List<Slices> held = holdSlices(direct);
        assertSameUpdates(held.stream().map(Slices::copy).toList(), expected);
        // Rows of one page share the page's array: nothing was copied per value.
        assertThat(held.get(1).k()).isSameAs(held.get(0).k());

        BatchCache cache = new BatchCache(64 << 20);
        List<Slices> first = holdSlices(BatchReader.open(store, "b", cache));
        List<Slices> cached = holdSlices(BatchReader.open(store, "b", cache));
        assertSameUpdates(first.stream().map(Slices::copy).toList(), expected);
        assertSameUpdates(cached.stream().map(Slices::copy).toList(), expected);
        assertThat(cached.get(0).k()).isSameAs(first.get(0).k());
    }

    @Test
    void mergeOfSortedInputsIsConsolidatedAndTheWriterChecksOnlyWhereItJoins() throws IOException {
        List<U> all = BatchFileTest.sortedUpdates(11, 2000);
        List<U> even = new ArrayList<>();
        List<U> odd = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            (i % 2 == 0 ? even : odd).add(all.get(i));
        }
        write("even", even);
        write("odd", odd);
        MergingCursor merged =
                new MergingCursor(
                        List.of(BatchReader.open(store, "even"), BatchReader.open(store, "odd")));
        assertThat(merged.consolidated()).isTrue();
        try (BatchWriter w = BatchWriter.create(store, "merged", SMALL_GROUPS, Map.of())) {
            w.addAll(merged);
            // A later update is checked against the last one the cursor added.
            U last = all.get(all.size() - 1);
            assertThatThrownBy(() -> w.add(last.key(), last.value(), last.time(), 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("equals the previous one");
            assertThat(w.finish().updateCount()).isEqualTo(all.size());
        }
        assertSameUpdates(UpdateBufferTest.drain(BatchReader.open(store, "merged")), all);

        // The first update of a consolidated cursor is checked against what came before it.
        try (BatchWriter w = BatchWriter.create(store, "late", SMALL_GROUPS, Map.of())) {
            U last = all.get(all.size() - 1);
            w.add(last.key(), last.value(), last.time(), 1);
            assertThatThrownBy(() -> w.addAll(BatchReader.open(store, "merged")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sorts before the previous one");
        }
    }

    @Test
    void aMergeOfInputsThatPromiseNothingIsCheckedByTheWriter() throws IOException {
        UpdateBuffer unsorted = new UpdateBuffer();
        unsorted.add(new byte[] {2}, new byte[0], 1, 1);
        unsorted.add(new byte[] {1}, new byte[0], 1, 1);
        UpdateCursor in = unsorted.cursor();
        assertThat(in.sorted()).isFalse();
        MergingCursor merged = MergingCursor.of(in);
        assertThat(merged.consolidated()).isFalse();
        try (BatchWriter w = BatchWriter.create(store, "bad", SMALL_GROUPS, Map.of())) {
            assertThatThrownBy(() -> w.addAll(merged))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sorts before the previous one");
        }
        // Advancing times keeps the order but not the consolidation.
        write("x", BatchFileTest.sortedUpdates(3, 10));
        UpdateCursor advanced = Cursors.advanceTimes(BatchReader.open(store, "x"), 5);
        assertThat(advanced.sorted()).isTrue();
        assertThat(advanced.consolidated()).isFalse();
        advanced.close();
    }

    @Test
    void sortedConcatenationChecksWherePartsMeet() throws IOException {
        List<U> all = BatchFileTest.sortedUpdates(13, 600);
        int half = all.size() / 2;
        write("p0", all.subList(0, half));
        write("p1", all.subList(half, all.size()));
        UpdateCursor inOrder =
                Cursors.concatSorted(
                        List.of("p0", "p1"),
                        List.of(
                                () -> BatchReader.open(store, "p0"),
                                () -> BatchReader.open(store, "p1")));
        assertThat(inOrder.sorted()).isTrue();
        assertSameUpdates(UpdateBufferTest.drain(inOrder), all);

        UpdateCursor overlapping =
                Cursors.concatSorted(
                        List.of("p1", "p0"),
                        List.of(
                                () -> BatchReader.open(store, "p1"),
                                () -> BatchReader.open(store, "p0")));
        assertThatThrownBy(() -> UpdateBufferTest.drain(overlapping))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("blob p0")
                .hasMessageContaining("overlap");

        UpdateBuffer buffer = new UpdateBuffer();
        buffer.add(new byte[] {1}, new byte[0], 1, 1);
        UpdateCursor promisesNothing =
                Cursors.concatSorted(List.of("buffer"), List.of(buffer::cursor));
        assertThatThrownBy(() -> UpdateBufferTest.drain(promisesNothing))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("buffer");
    }

    @Test
    void foldedStagesApplyInTheirOrderWhateverOrderTheyAreStacked() throws IOException {
        List<U> all = write("b", BatchFileTest.sortedUpdates(17, 2000));
        byte[] lo = all.get(500).key();
        byte[] hi = all.get(1500).key();
        List<U> expected = new ArrayList<>();
        for (U u : all) {
            boolean inRange =
                    UpdateOrder.compareBytes(u.key(), lo) >= 0
                            && UpdateOrder.compareBytes(u.key(), hi) < 0;
            if (inRange && u.time() >= 100 && u.time() < 1500) {
                expected.add(new U(u.key(), u.value(), Math.max(u.time(), 700), u.diff()));
            }
        }
        UpdateCursor a =
                Cursors.advanceTimes(
                        Cursors.filterTimes(
                                Cursors.keyRange(
                                        Cursors.checkTimes(
                                                BatchReader.open(store, "b"),
                                                "b",
                                                t -> t < 2000,
                                                "times below 2000"),
                                        lo,
                                        hi),
                                100,
                                Frontier.at(1500)),
                        700);
        UpdateCursor b =
                Cursors.advanceTimes(
                        Cursors.keyRange(
                                Cursors.filterTimes(
                                        BatchReader.open(store, "b"), 100, Frontier.at(1500)),
                                lo,
                                hi),
                        700);
        assertThat(a.sorted()).isTrue();
        assertSameUpdates(UpdateBufferTest.drain(a), expected);
        assertSameUpdates(UpdateBufferTest.drain(b), expected);

        // A filter stacked on advanced times sees the advanced times.
        UpdateCursor afterAdvance =
                Cursors.filterTimes(
                        Cursors.advanceTimes(BatchReader.open(store, "b"), 3000),
                        0,
                        Frontier.at(3000));
        assertThat(UpdateBufferTest.drain(afterAdvance)).isEmpty();

        UpdateCursor broken =
                Cursors.checkTimes(BatchReader.open(store, "b"), "b", t -> t < 10, "below 10");
        assertThatThrownBy(() -> UpdateBufferTest.drain(broken))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining("breaks what the state records: below 10");
    }
}
