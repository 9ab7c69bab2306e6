package io.flinkpersist.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Rec;
import io.flinkpersist.Update;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobNotFoundException;
import io.flinkpersist.blob.InMemoryBlobStore;
import io.flinkpersist.state.Description;
import io.flinkpersist.state.TraceBatchMeta;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SnapshotSplitTest {

    private InMemoryBlobStore store;
    private PersistCollection c;

    @BeforeEach
    void setUp() throws IOException {
        store = new InMemoryBlobStore();
        c = PersistCollection.open(store, BatchWriteOptions.defaults().withRowGroupSizeBytes(4096));
        Random random = new Random(11);
        // Skewed batches: a few large ones and many small ones, in trace and unsealed.
        int[] sizes = {6000, 200, 3000, 50, 50, 800, 4000, 10, 1500, 300};
        long time = 0;
        for (int i = 0; i < sizes.length; i++) {
            List<Update<byte[], byte[]>> updates = new ArrayList<>();
            for (int j = 0; j < sizes[i]; j++) {
                byte[] key = new byte[16];
                random.nextBytes(key);
                updates.add(
                        Update.of(
                                key,
                                "v".getBytes(StandardCharsets.UTF_8),
                                time + random.nextInt(3),
                                random.nextBoolean() ? 1 : -1));
            }
            c.append(updates);
            time += 3;
            if (i < 6) {
                c.seal(time);
                c.drain();
                c.evict();
            }
        }
        c.allowCompaction(5);
    }

    private static List<Rec> sorted(List<Rec> recs) {
        List<Rec> out = new ArrayList<>(recs);
        out.sort(
                Comparator.comparing(Rec::key)
                        .thenComparing(Rec::value)
                        .thenComparingLong(Rec::time)
                        .thenComparingLong(Rec::diff));
        return out;
    }

    @ParameterizedTest(name = "{0} parts")
    @ValueSource(ints = {1, 2, 3, 4, 7})
    void partsTogetherReadExactlyTheSnapshot(int n) throws IOException {
        Snapshot snapshot = c.snapshot();
        List<SnapshotPart> parts = snapshot.split(n);
        assertThat(parts).hasSize(n);
        List<Rec> union = new ArrayList<>();
        for (SnapshotPart part : parts) {
            assertThat(part.slices()).isNotEmpty();
            union.addAll(Rec.readAll(part.open(store)));
        }
        assertThat(sorted(union)).isEqualTo(sorted(Rec.readAll(snapshot.readRaw())));
        assertThat(union).isNotEmpty();
    }

    @Test
    void partsAreBalancedByBytes() throws IOException {
        List<SnapshotPart> parts = c.snapshot().split(4);
        long total = parts.stream().mapToLong(SnapshotPart::bytes).sum();
        long max = parts.stream().mapToLong(SnapshotPart::bytes).max().orElseThrow();
        long largestUnit =
                parts.stream()
                        .flatMap(p -> p.slices().stream())
                        .mapToLong(BatchSlice::bytes)
                        .max()
                        .orElseThrow();
        double mean = total / 4.0;
        System.out.printf(
                "split(4): part bytes %s, mean %.0f%n",
                parts.stream().map(SnapshotPart::bytes).toList(), mean);
        // Row groups are small against the whole, so the parts come out nearly equal.
        assertThat((double) max).isLessThanOrEqualTo(Math.max(1.25 * mean, mean + largestUnit));
        assertThat((double) max).isLessThanOrEqualTo(1.25 * mean);
    }

    @Test
    void plannerPutsLargestUnitsFirstOnTheLeastLoadedPart() {
        // Skewed units: 10, 9, 8, 2, 2, 2, 1 over 3 parts: LPT gives 12, 11, 11 (round-robin would
        // give 13, 11, 10).
        List<BatchSlice> units = new ArrayList<>();
        long[] sizes = {10, 9, 8, 2, 2, 2, 1};
        for (int i = 0; i < sizes.length; i++) {
            units.add(
                    BatchSlice.ofTrace(
                            new TraceBatchMeta(
                                    "b" + i, Description.of(i, i + 1, 0), 0, sizes[i], 1),
                            0,
                            1,
                            sizes[i]));
        }
        List<SnapshotPart> parts =
                SplitPlanner.balance(
                        units, 3, new ReadTimes(Frontier.minimum(), Frontier.closed(), 0));
        assertThat(parts.stream().map(SnapshotPart::bytes).sorted().toList())
                .containsExactly(11L, 11L, 12L);
    }

    @Test
    void partsReadLazily() throws IOException {
        List<SnapshotPart> parts = c.snapshot().split(1);
        SnapshotPart part = parts.get(0);
        String last = part.slices().get(part.slices().size() - 1).key();
        store.delete(last);
        // Opening touches no blob; the missing batch surfaces only when the reader reaches it.
        UpdateCursor cursor = part.open(store);
        assertThat(cursor.advance()).isTrue();
        assertThatThrownBy(
                        () -> {
                            while (cursor.advance()) {
                                // read on
                            }
                        })
                .isInstanceOf(BlobNotFoundException.class)
                .hasMessageContaining(last);
    }

    @Test
    void splitRejectsZeroParts() {
        assertThatThrownBy(() -> c.snapshot().split(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot split snapshot: parts must be >= 1 (parts=0)");
    }
}
