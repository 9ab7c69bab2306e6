package io.flinkpersist.source.enumerator;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.read.SnapshotPart;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.state.CollectionState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PersistSplitPlanner#interval}: a newly sealed interval is read whole wherever its updates
 * are — still in unsealed batches, already drained into the trace, or split across both — and only
 * its own times are read.
 */
class IntervalPlanningTest {

    @TempDir Path dir;

    /** Ten updates at each time in {@code [from, to)}. */
    private static List<Update<String, String>> updates(long from, long to) {
        List<Update<String, String>> out = new ArrayList<>();
        for (long t = from; t < to; t++) {
            for (int k = 0; k < 10; k++) {
                out.add(Update.of("key-" + k, "t" + t, t, 1));
            }
        }
        return out;
    }

    private static List<String> read(PersistCollection c, List<PersistSplit> splits)
            throws Exception {
        List<String> out = new ArrayList<>();
        for (PersistSplit split : splits) {
            try (UpdateCursor cursor =
                    new SnapshotPart(split.slices(), split.times()).open(c.store())) {
                while (cursor.advance()) {
                    out.add(
                            new String(cursor.key(), StandardCharsets.UTF_8)
                                    + "@"
                                    + cursor.time()
                                    + "x"
                                    + cursor.diff());
                }
            }
        }
        return out;
    }

    private static List<String> expected(long from, long to) {
        return updates(from, to).stream()
                .map(u -> u.key() + "@" + u.time() + "x" + u.diff())
                .toList();
    }

    @Test
    void anIntervalAlreadyDrainedIntoTheTraceIsReadFromTheTrace() throws Exception {
        try (PersistCollection c = PersistCollection.open(dir, "drained")) {
            c.append(updates(0, 10), Codecs.string(), Codecs.string());
            c.seal(10);
            c.maintainUntilIdle();
            c.append(updates(10, 20), Codecs.string(), Codecs.string());
            c.seal(20);
            c.maintainUntilIdle(); // [10, 20) moves to the trace; its unsealed batch is evicted
            CollectionState state = c.refresh();
            assertThat(state.unsealed()).isEmpty();
            assertThat(state.traceUpper().time()).isEqualTo(20);

            List<PersistSplit> splits = PersistSplitPlanner.interval(c.store(), state, 10, 2);
            assertThat(read(c, splits)).containsExactlyInAnyOrderElementsOf(expected(10, 20));
        }
    }

    @Test
    void anIntervalStillUnsealedOrPartlyDrainedIsReadOnce() throws Exception {
        try (PersistCollection c = PersistCollection.open(dir, "mixed")) {
            c.append(updates(0, 10), Codecs.string(), Codecs.string());
            c.seal(10);
            c.maintainUntilIdle();
            c.append(updates(10, 15), Codecs.string(), Codecs.string());
            c.seal(15);
            c.maintainUntilIdle(); // [10, 15) in the trace
            c.append(
                    updates(15, 25),
                    Codecs.string(),
                    Codecs.string()); // [15, 25) unsealed, beyond the seal in part
            c.seal(20);
            CollectionState state = c.refresh();
            assertThat(state.traceUpper().time()).isEqualTo(15);

            // From the progress 10 to the seal 20: the trace's [10, 15) and the unsealed [15, 20).
            List<PersistSplit> splits = PersistSplitPlanner.interval(c.store(), state, 10, 3);
            assertThat(read(c, splits)).containsExactlyInAnyOrderElementsOf(expected(10, 20));
            assertThat(splits).allSatisfy(s -> assertThat(s.splitId()).startsWith("interval-20-"));
        }
    }

    @Test
    void anEmptyIntervalHasNoSplits() throws Exception {
        try (PersistCollection c = PersistCollection.open(dir, "quiet")) {
            c.append(updates(0, 10), Codecs.string(), Codecs.string());
            c.seal(10);
            c.maintainUntilIdle();
            c.seal(30);
            assertThat(PersistSplitPlanner.interval(c.store(), c.refresh(), 10, 2)).isEmpty();
        }
    }
}
