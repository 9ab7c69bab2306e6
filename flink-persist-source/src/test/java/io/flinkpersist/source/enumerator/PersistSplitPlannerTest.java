package io.flinkpersist.source.enumerator;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.RowGroupInfo;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.batch.UpdateOrder;
import io.flinkpersist.read.BatchSlice;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.source.reader.PersistSplitReader;
import io.flinkpersist.source.reader.RawUpdate;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.state.CollectionState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PersistSplitPlanner} on a collection with skewed batches: two trace batches (drained from
 * large and small appends) and unsealed batches, one large and many small, written with 8 KiB row
 * groups so large batches have tens of row groups and small ones one.
 *
 * <ul>
 *   <li>Raw: into 2, 3 and 4 parts, every row group is planned exactly once and the most loaded
 *       part holds at most 1.25 times the mean bytes.
 *   <li>Consolidated: into 1 to 5 (and 8) parts, the key ranges are contiguous, non-overlapping and
 *       cover every key (first lower and last upper unbounded); reading every split with the
 *       source's {@link PersistSplitReader} gives keys inside the split's range, in order, each
 *       {@code (key, value)} once, and their union is exactly the snapshot's consolidated contents
 *       and the model, with and without an as-of time.
 *   <li>Consolidated byte balance is printed, and bounded as far as the data allows (see {@link
 *       #consolidatedBytesAreReported}).
 * </ul>
 *
 * Replay with {@code -Dtest.seed=<seed>}.
 */
class PersistSplitPlannerTest {

    private static final String NAME = "skewed";
    private static final int KEYS = 40_000;

    @TempDir static Path dir;
    static PersistCollection collection;
    static final List<Update<String, String>> WRITTEN = new ArrayList<>();
    static long seed;

    @BeforeAll
    static void writeSkewedCollection() throws Exception {
        seed = Long.getLong("test.seed", System.nanoTime());
        System.out.println(
                "PersistSplitPlannerTest seed " + seed + " (replay with -Dtest.seed=" + seed + ")");
        Random random = new Random(seed);
        CollectionConfig config =
                CollectionConfig.defaults()
                        .withWriteOptions(
                                BatchWriteOptions.defaults().withRowGroupSizeBytes(8 << 10));
        collection = PersistCollection.open(dir.toString(), NAME, config);
        long time = 0;
        // Phases A and B are drained into one trace batch each; phase C stays unsealed.
        int[][] phases = {{1, 10}, {1, 10}, {1, 25}};
        for (int phase = 0; phase < phases.length; phase++) {
            for (int large = 0; large < phases[phase][0]; large++) {
                append(random, 12_000 + random.nextInt(6_000), time);
            }
            for (int small = 0; small < phases[phase][1]; small++) {
                append(random, 10 + random.nextInt(150), time);
            }
            time += 10;
            if (phase < 2) {
                collection.seal(time);
                collection.maintainUntilIdle();
            }
        }
        CollectionState state = collection.refresh();
        System.out.println(
                "PersistSplitPlannerTest collection: "
                        + state.trace().size()
                        + " trace batches, "
                        + state.unsealed().size()
                        + " unsealed batches, "
                        + WRITTEN.size()
                        + " updates");
        assertThat(state.trace()).hasSize(2);
        assertThat(state.unsealed()).hasSizeGreaterThanOrEqualTo(26);
    }

    private static void append(Random random, int n, long time) throws Exception {
        List<Update<String, String>> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            batch.add(
                    Update.of(
                            String.format("key-%06d", random.nextInt(KEYS)),
                            "v" + random.nextInt(3),
                            time + random.nextInt(10),
                            random.nextInt(5) == 0 ? -1 : 1));
        }
        collection.append(batch, Codecs.string(), Codecs.string());
        WRITTEN.addAll(batch);
    }

    @AfterAll
    static void close() throws Exception {
        collection.close();
    }

    // ------------------------------------------------------------------ raw

    @ParameterizedTest(name = "{0} parts")
    @ValueSource(ints = {2, 3, 4})
    void rawPartsAreBalancedWithinAQuarterOfTheMean(int parts) throws Exception {
        Snapshot snapshot = collection.snapshot();
        Map<String, List<RowGroupInfo>> groups = rowGroups(snapshot);
        long total = 0;
        for (List<RowGroupInfo> g : groups.values()) {
            for (RowGroupInfo info : g) {
                total += Math.max(1, info.compressedBytes());
            }
        }
        List<PersistSplit> splits = PersistSplitPlanner.raw(snapshot, parts);
        assertThat(splits)
                .hasSize(parts)
                .allMatch(
                        s ->
                                s.mode() == PersistSplit.Mode.RAW
                                        && s.lowerKey() == null
                                        && s.upperKey() == null);
        // Every row group of every batch exactly once.
        Map<String, int[]> covered = new HashMap<>();
        groups.forEach((key, g) -> covered.put(key, new int[g.size()]));
        long planned = 0;
        for (PersistSplit s : splits) {
            for (BatchSlice slice : s.slices()) {
                for (int i = slice.fromRowGroup(); i < slice.toRowGroup(); i++) {
                    covered.get(slice.key())[i]++;
                }
            }
            planned += s.bytes();
        }
        covered.forEach(
                (key, counts) -> assertThat(counts).as("row groups of %s", key).containsOnly(1));
        assertThat(planned).isEqualTo(total);

        double mean = (double) total / parts;
        long max = splits.stream().mapToLong(PersistSplit::bytes).max().orElseThrow();
        long largestGroup =
                groups.values().stream()
                        .flatMap(List::stream)
                        .mapToLong(RowGroupInfo::compressedBytes)
                        .max()
                        .orElseThrow();
        System.out.printf(
                "raw %d parts: bytes %s, max/mean %.3f (total %d, %d row groups, largest %d)%n",
                parts,
                splits.stream().map(PersistSplit::bytes).toList(),
                max / mean,
                total,
                groups.values().stream().mapToInt(List::size).sum(),
                largestGroup);
        assertThat((double) max)
                .as("most loaded of %d raw parts vs the mean %.0f", parts, mean)
                .isLessThanOrEqualTo(1.25 * mean);

        // And the parts read everything the snapshot holds.
        Map<String, Long> union = new HashMap<>();
        for (PersistSplit s : splits) {
            for (RawUpdate u : read(s)) {
                union.merge(pair(u.key(), u.value()), u.diff(), Long::sum);
            }
        }
        union.values().removeIf(d -> d == 0);
        assertThat(union).isEqualTo(model(Long.MAX_VALUE));
    }

    // ------------------------------------------------------------------ consolidated

    @ParameterizedTest(name = "{0} parts")
    @ValueSource(ints = {1, 2, 3, 4, 5, 8})
    void consolidatedRangesCoverTheKeysOnceAndReadTheSnapshot(int parts) throws Exception {
        Snapshot snapshot = collection.snapshot();
        checkConsolidated(snapshot, parts, consolidatedContents(snapshot), model(Long.MAX_VALUE));
    }

    @ParameterizedTest(name = "{0} parts")
    @ValueSource(ints = {2, 4})
    void consolidatedRangesAsOfReadTheSnapshotAsOf(int parts) throws Exception {
        Snapshot latest = collection.snapshot();
        long t = latest.seal().time() - 3;
        Snapshot snapshot = latest.asOf(t);
        Map<String, Long> contents = consolidatedContents(snapshot);
        List<RawUpdate> all = checkConsolidated(snapshot, parts, contents, model(t));
        assertThat(all).allMatch(u -> u.time() == t);
    }

    private static List<RawUpdate> checkConsolidated(
            Snapshot snapshot, int parts, Map<String, Long> contents, Map<String, Long> model)
            throws Exception {
        assertThat(contents)
                .as("the snapshot's consolidated contents equal the model")
                .isEqualTo(model);
        List<PersistSplit> splits =
                PersistSplitPlanner.consolidated(collection.store(), snapshot, parts);
        assertThat(splits)
                .hasSizeBetween(1, parts)
                .allMatch(s -> s.mode() == PersistSplit.Mode.CONSOLIDATED);
        // Contiguous, non-overlapping, non-empty ranges covering every key.
        assertThat(splits.get(0).lowerKey()).as("first lower").isNull();
        assertThat(splits.get(splits.size() - 1).upperKey()).as("last upper").isNull();
        for (int i = 0; i + 1 < splits.size(); i++) {
            byte[] upper = splits.get(i).upperKey();
            assertThat(upper)
                    .as("upper of split %d", i)
                    .isNotNull()
                    .isEqualTo(splits.get(i + 1).lowerKey());
            if (splits.get(i).lowerKey() != null) {
                assertThat(UpdateOrder.compareBytes(splits.get(i).lowerKey(), upper))
                        .as("range %d non-empty", i)
                        .isNegative();
            }
        }
        List<RawUpdate> all = new ArrayList<>();
        Map<String, Long> union = new HashMap<>();
        List<Integer> counts = new ArrayList<>();
        for (PersistSplit s : splits) {
            List<RawUpdate> out = read(s);
            counts.add(out.size());
            for (int i = 0; i < out.size(); i++) {
                RawUpdate u = out.get(i);
                assertThat(u.key())
                        .as("key in range of %s", s.splitId())
                        .matches(k -> inRange(k, s.lowerKey(), s.upperKey()));
                if (i > 0) {
                    RawUpdate prev = out.get(i - 1);
                    assertThat(
                                    UpdateOrder.compareKeyValue(
                                            prev.key(), prev.value(), u.key(), u.value()))
                            .as("(key, value) order within %s", s.splitId())
                            .isNegative();
                }
                assertThat(u.diff()).isNotZero();
                Long before = union.put(pair(u.key(), u.value()), u.diff());
                assertThat(before).as("%s read twice", pair(u.key(), u.value())).isNull();
            }
            all.addAll(out);
        }
        System.out.printf(
                "consolidated %d parts%s: %d splits, bytes %s, updates %s%n",
                parts,
                snapshot.asOfTime().isPresent() ? " as of " + snapshot.asOfTime().getAsLong() : "",
                splits.size(),
                splits.stream().map(PersistSplit::bytes).toList(),
                counts);
        assertThat(union).isEqualTo(contents);
        return all;
    }

    /**
     * A consolidated split reads, from every batch, the row groups overlapping its key range, so a
     * row group spanning many keys (every small batch here: random keys in one row group) is read
     * by every split, and the splits together read more than the total bytes (1.1x to 1.3x here).
     * The planner counts such a row group once, at its minimum key, so the first split ends early
     * and is the lightest (about 0.65x of the others with 4 parts). Drains adopt the small unsealed
     * batches whole, as level-0 runs of one row group each, so more such row groups stay until the
     * first merge of level 0: over seeds 1 to 6 and a random one, with 4 parts the splits read
     * 1.42x to 1.48x the total, max/mean of split bytes stayed at or below 1.12 and the heaviest
     * split at or below 1.66x of total/parts. Asserted, with margin: the splits read at least all
     * bytes, max/mean of split bytes at most 1.25, and the heaviest split at most 1.9x of
     * total/parts. The numbers are printed.
     */
    @Test
    void consolidatedBytesAreReported() throws Exception {
        Snapshot snapshot = collection.snapshot();
        long total = 0;
        for (List<RowGroupInfo> g : rowGroups(snapshot).values()) {
            for (RowGroupInfo info : g) {
                total += Math.max(1, info.compressedBytes());
            }
        }
        for (int parts : new int[] {2, 3, 4}) {
            List<PersistSplit> splits =
                    PersistSplitPlanner.consolidated(collection.store(), snapshot, parts);
            long sum = splits.stream().mapToLong(PersistSplit::bytes).sum();
            long max = splits.stream().mapToLong(PersistSplit::bytes).max().orElseThrow();
            double mean = (double) sum / splits.size();
            System.out.printf(
                    "consolidated %d parts: %d splits, bytes %s, max/mean %.3f, max/(total/parts) %.3f, read/total %.3f%n",
                    parts,
                    splits.size(),
                    splits.stream().map(PersistSplit::bytes).toList(),
                    max / mean,
                    max / ((double) total / parts),
                    (double) sum / total);
            assertThat(sum).isGreaterThanOrEqualTo(total);
            assertThat(max / mean)
                    .as("max/mean of consolidated split bytes, %d parts", parts)
                    .isLessThanOrEqualTo(1.25);
            assertThat((double) max)
                    .as("heaviest consolidated split vs total/parts, %d parts", parts)
                    .isLessThanOrEqualTo(1.9 * total / parts);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, List<RowGroupInfo>> rowGroups(Snapshot snapshot) throws Exception {
        Map<String, List<RowGroupInfo>> out = new TreeMap<>();
        for (BatchSlice b : snapshot.wholeBatches()) {
            out.put(b.key(), BatchReader.readFooter(collection.store(), b.key()).rowGroups());
        }
        return out;
    }

    /** Reads one split to its end through the source's split reader. */
    private static List<RawUpdate> read(PersistSplit split) throws Exception {
        return SplitReads.read(dir.toString(), NAME, split);
    }

    /** The snapshot's consolidated contents: net diff per (key, value), zero dropped. */
    private static Map<String, Long> consolidatedContents(Snapshot snapshot) throws Exception {
        Map<String, Long> out = new HashMap<>();
        try (UpdateCursor c = snapshot.readConsolidated()) {
            while (c.advance()) {
                out.merge(pair(c.key(), c.value()), c.diff(), Long::sum);
            }
        }
        out.values().removeIf(d -> d == 0);
        return out;
    }

    /** Net diff per (key, value) of the updates written at or before {@code t}. */
    private static Map<String, Long> model(long t) {
        Map<String, Long> m = new HashMap<>();
        for (Update<String, String> u : WRITTEN) {
            if (u.time() <= t) {
                m.merge(u.key() + "|" + u.value(), u.diff(), Long::sum);
            }
        }
        m.values().removeIf(d -> d == 0);
        return m;
    }

    private static String pair(byte[] key, byte[] value) {
        return new String(key, StandardCharsets.UTF_8)
                + "|"
                + new String(value, StandardCharsets.UTF_8);
    }

    private static boolean inRange(byte[] key, byte[] lower, byte[] upper) {
        return (lower == null || UpdateOrder.compareBytes(key, lower) >= 0)
                && (upper == null || UpdateOrder.compareBytes(key, upper) < 0);
    }
}
