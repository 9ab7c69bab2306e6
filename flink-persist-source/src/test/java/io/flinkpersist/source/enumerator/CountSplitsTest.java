package io.flinkpersist.source.enumerator;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.DiffSums;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.ReadCounters;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.source.reader.RawUpdate;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.state.BatchPart;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counting a snapshot's rows without reading them ({@link PersistSplitPlanner#count}): over random
 * collections (multi-part trace batches on several levels, unsealed batches below and beyond the
 * seal, retractions), the count splits of every readable as-of time and of the whole snapshot, in 1
 * to 3 parts, add up to the consolidated snapshot's sum of diffs and to the model's; a compacted
 * collection is counted without opening a batch file; batches without recorded sums (written before
 * they were) are counted from their footers; a restored count split emits nothing again.
 *
 * <p>Replay with {@code -Dtest.seed=<seed>}.
 */
class CountSplitsTest {

    private static final String NAME = "counted";

    @TempDir Path dir;

    private final List<Update<byte[], byte[]>> written = new ArrayList<>();

    /** Counts planned with batches to read, and with none (all from metadata). */
    private int countsReading;

    private int countsFromMetadata;

    /** Where the collection being checked lives. */
    private Path location;

    @Test
    void countsEqualTheSnapshotAndTheModel() throws Exception {
        long seed = Long.getLong("test.seed", System.nanoTime());
        System.out.println(
                "CountSplitsTest seed " + seed + " (replay with -Dtest.seed=" + seed + ")");
        int multiPart = 0;
        for (int round = 0; round < 4; round++) {
            Random random = new Random(seed + round);
            written.clear();
            try (PersistCollection c = randomCollection(dir.resolve("round-" + round), random)) {
                CollectionState state = c.refresh();
                String context = "seed " + (seed + round) + ", state " + state;
                assertThat(state.trace()).as(context).isNotEmpty();
                multiPart +=
                        (int) state.trace().stream().filter(TraceBatchMeta::isMultiPart).count();
                checkCounts(c, c.snapshot(), Long.MAX_VALUE, context);
                for (long t = state.since().time(); state.seal().isBefore(t); t++) {
                    checkCounts(c, c.snapshot().asOf(t), t, context + ", as of " + t);
                }
            }
        }
        System.out.printf(
                "CountSplitsTest: %d multi-part trace batches; %d counts read batches, %d came from"
                        + " metadata alone%n",
                multiPart, countsReading, countsFromMetadata);
        assertThat(multiPart).as("multi-part trace batches").isPositive();
        assertThat(countsReading).as("counts that read a batch").isPositive();
        assertThat(countsFromMetadata).as("counts from metadata alone").isPositive();
    }

    @Test
    void aCompactedCollectionIsCountedWithoutOpeningABatchFile() throws Exception {
        Random random = new Random(7);
        try (PersistCollection c = randomCollection(dir, random)) {
            c.seal(c.state().seal().time() + 40);
            c.maintainUntilIdle();
            CollectionState state = c.refresh();
            assertThat(state.unsealed()).isEmpty();
            assertThat(state.trace())
                    .allSatisfy(b -> assertThat(b.diffSum()).isNotEqualTo(DiffSums.UNKNOWN));
            long opened = ReadCounters.filesOpened();
            long rows = count(c, c.snapshot(), 2);
            assertThat(ReadCounters.filesOpened() - opened).isZero();
            assertThat(rows).isEqualTo(modelSum(Long.MAX_VALUE));
        }
    }

    @Test
    void batchesWithoutRecordedSumsAreCountedFromTheirFooters() throws Exception {
        Random random = new Random(11);
        try (PersistCollection c = randomCollection(dir, random)) {
            CollectionState state = c.refresh();
            List<TraceBatchMeta> unknown = new ArrayList<>();
            int parts = 0;
            for (TraceBatchMeta b : state.trace()) {
                List<BatchPart> stripped = new ArrayList<>();
                for (BatchPart p : b.parts()) {
                    stripped.add(p.withDiffSum(DiffSums.UNKNOWN));
                    parts++;
                }
                unknown.add(
                        new TraceBatchMeta(
                                b.key(),
                                b.desc(),
                                b.level(),
                                b.sizeBytes(),
                                b.updateCount(),
                                stripped));
            }
            CollectionState old = state.toBuilder().trace(unknown).build();
            long opened = ReadCounters.filesOpened();
            long rows = count(c, Snapshot.of(c.store(), old), 2);
            assertThat(rows).isEqualTo(modelSum(Long.MAX_VALUE));
            assertThat(ReadCounters.filesOpened() - opened).isGreaterThanOrEqualTo(parts);
        }
    }

    @Test
    void aRestoredCountSplitEmitsNothingAgain() throws Exception {
        try (PersistCollection c = randomCollection(dir, new Random(3))) {
            List<PersistSplit> splits = PersistSplitPlanner.count(c.store(), c.snapshot(), 1);
            assertThat(splits).hasSize(1);
            assertThat(read(splits.get(0))).hasSize(1);
            assertThat(read(splits.get(0).resumedAfter(1))).isEmpty();
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Rounds of appends at increasing times, sealed and maintained (with since trailing the seal by
     * 5, so merges advance times) at random; small parts and row groups, so merges write several
     * parts; the last round stays unsealed, and some updates lie beyond every seal.
     */
    private PersistCollection randomCollection(Path location, Random random) throws Exception {
        this.location = location;
        CollectionConfig config =
                CollectionConfig.defaults()
                        .withPartBytes(6 << 10)
                        .withWriteOptions(
                                BatchWriteOptions.defaults().withRowGroupSizeBytes(2 << 10));
        PersistCollection c = PersistCollection.open(location.toString(), NAME, config);
        long time = 0;
        int rounds = 6 + random.nextInt(5);
        for (int r = 0; r < rounds; r++) {
            int appends = 1 + random.nextInt(3);
            for (int a = 0; a < appends; a++) {
                append(c, random, time, 50 + random.nextInt(600));
            }
            time += 10;
            if (r < rounds - 1 && random.nextInt(4) != 0) {
                c.seal(time);
                if (time > 5) {
                    c.allowCompaction(time - 5);
                }
                if (random.nextBoolean()) {
                    c.maintainUntilIdle();
                }
            }
        }
        c.maintainUntilIdle();
        c.refresh();
        return c;
    }

    private void append(PersistCollection c, Random random, long from, int n) throws Exception {
        List<Update<byte[], byte[]>> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] key =
                    String.format("key-%05d", random.nextInt(2_000))
                            .getBytes(StandardCharsets.UTF_8);
            byte[] value = ("v" + random.nextInt(3)).getBytes(StandardCharsets.UTF_8);
            long diff = random.nextInt(4) == 0 ? -1 : 1 + random.nextInt(2);
            batch.add(Update.of(key, value, from + random.nextInt(12), diff));
        }
        c.append(batch);
        written.addAll(batch);
    }

    private void checkCounts(PersistCollection c, Snapshot snapshot, long asOf, String context)
            throws Exception {
        long expected = modelSum(asOf);
        long consolidated = 0;
        try (UpdateCursor u = snapshot.readConsolidated()) {
            while (u.advance()) {
                consolidated += u.diff();
            }
        }
        assertThat(consolidated).as("consolidated snapshot, " + context).isEqualTo(expected);
        for (int parts = 1; parts <= 3; parts++) {
            assertThat(count(c, snapshot, parts))
                    .as("count in %d parts, %s", parts, context)
                    .isEqualTo(expected);
        }
    }

    /** The sum of the diffs of the updates written at or before {@code asOf}. */
    private long modelSum(long asOf) {
        long sum = 0;
        for (Update<byte[], byte[]> u : written) {
            if (u.time() <= asOf) {
                sum += u.diff();
            }
        }
        return sum;
    }

    /** Plans the count splits of {@code snapshot} and adds up what each emits. */
    private long count(PersistCollection c, Snapshot snapshot, int parts) throws Exception {
        List<PersistSplit> splits = PersistSplitPlanner.count(c.store(), snapshot, parts);
        assertThat(splits).hasSizeBetween(1, parts);
        if (splits.stream().allMatch(split -> split.slices().isEmpty())) {
            countsFromMetadata++;
        } else {
            countsReading++;
        }
        long sum = 0;
        for (PersistSplit split : splits) {
            assertThat(split.mode()).isEqualTo(PersistSplit.Mode.COUNT);
            List<RawUpdate> emitted = read(split);
            assertThat(emitted).as("updates of %s", split).hasSize(1);
            sum += emitted.get(0).diff();
        }
        return sum;
    }

    /** Reads one split to its end through the source's split reader. */
    private List<RawUpdate> read(PersistSplit split) throws Exception {
        return SplitReads.read(location.toString(), NAME, split);
    }
}
