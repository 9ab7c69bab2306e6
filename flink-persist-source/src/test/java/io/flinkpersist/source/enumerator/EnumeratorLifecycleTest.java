package io.flinkpersist.source.enumerator;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.CollectionSchema;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.source.split.SealEvents;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.connector.testutils.source.reader.TestingSplitEnumeratorContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both enumerators on Flink's testing context, each step driven by hand: the bounded one plans at
 * start and hands out splits on request; the following one never waits in {@code start()} and plans
 * its snapshot in a poll once the seal has passed its hold; both release their lease.
 */
class EnumeratorLifecycleTest {

    @TempDir Path dir;

    private SourceSettings settings(Duration pollInterval) {
        return new SourceSettings(
                dir.toString(),
                "c",
                new CollectionSchema("bytes", "bytes"),
                Long.MIN_VALUE,
                true,
                Duration.ofMinutes(1),
                pollInterval);
    }

    private static PersistEnumeratorState fresh() {
        return new PersistEnumeratorState("lease", -1, List.of(), Frontier.minimum());
    }

    private static void poll(TestingSplitEnumeratorContext<PersistSplit> context) {
        context.getExecutorService().triggerPeriodicScheduledTasks();
        context.triggerAllActions();
    }

    private void write(PersistCollection c, int keys, long time) throws Exception {
        List<Update<byte[], byte[]>> updates = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            updates.add(
                    Update.of(("k" + i).getBytes(StandardCharsets.UTF_8), new byte[] {1}, time, 1));
        }
        c.append(updates);
    }

    private static List<Long> seals(
            TestingSplitEnumeratorContext<PersistSplit> context, int reader) {
        List<Long> out = new ArrayList<>();
        for (SourceEvent e : context.getSentEvents().getOrDefault(reader, List.of())) {
            if (e instanceof SealEvents.SealAdvanced s) {
                out.add(s.seal());
            }
        }
        return out;
    }

    @Test
    void theSnapshotEnumeratorHandsOutEverySplitThenSaysNoMore() throws Exception {
        try (PersistCollection c = PersistCollection.open(dir, "c")) {
            write(c, 100, 1);
            c.seal(2);
            c.maintainUntilIdle();
            write(c, 50, 3);
        }
        TestingSplitEnumeratorContext<PersistSplit> context =
                new TestingSplitEnumeratorContext<>(2);
        context.registerReader(0, "localhost");
        context.registerReader(1, "localhost");
        SnapshotSplitEnumerator enumerator =
                new SnapshotSplitEnumerator(context, settings(null), fresh());
        enumerator.start();
        PersistEnumeratorState planned = enumerator.snapshotState(1);
        assertThat(planned.planned()).isTrue();
        int splits = planned.unassigned().size();
        assertThat(splits).isPositive();
        for (int i = 0; i < splits; i++) {
            enumerator.handleSplitRequest(i % 2, "localhost");
        }
        assertThat(enumerator.snapshotState(2).unassigned()).isEmpty();
        enumerator.handleSplitRequest(0, "localhost");
        enumerator.handleSplitRequest(1, "localhost");
        int assigned = 0;
        for (int r = 0; r < 2; r++) {
            assigned += context.getSplitAssignments().get(r).getAssignedSplits().size();
            assertThat(context.getSplitAssignments().get(r).hasReceivedNoMoreSplitsSignal())
                    .isTrue();
        }
        assertThat(assigned).isEqualTo(splits);
        enumerator.close();
        try (PersistCollection c = PersistCollection.openExisting(dir, "c")) {
            assertThat(c.state().leases()).as("the lease is released at close").isEmpty();
        }
    }

    @Test
    void theFollowingEnumeratorWaitsForTheSealInPollsNotInStart() throws Exception {
        try (PersistCollection c = PersistCollection.open(dir, "c")) {
            write(c, 10, 0);
        }
        TestingSplitEnumeratorContext<PersistSplit> context =
                new TestingSplitEnumeratorContext<>(1);
        context.registerReader(0, "localhost");
        FollowingSplitEnumerator enumerator =
                new FollowingSplitEnumerator(context, settings(Duration.ofMillis(10)), fresh());
        enumerator.start(); // returns at once, though the seal {0} has not passed the hold {0}
        enumerator.addReader(0);
        poll(context);
        poll(context);
        assertThat(enumerator.snapshotState(1).planned())
                .as("not started: the seal is still {0}")
                .isFalse();
        assertThat(seals(context, 0)).isEmpty();

        try (PersistCollection c = PersistCollection.openExisting(dir, "c")) {
            assertThat(c.state().leases()).containsKey("lease");
            c.seal(5);
        }
        poll(context);
        assertThat(enumerator.snapshotState(2).planned()).isTrue();
        assertThat(enumerator.snapshotState(2).progress()).isEqualTo(Frontier.at(5));
        assertThat(context.getSplitAssignments().get(0).getAssignedSplits()).isNotEmpty();
        assertThat(seals(context, 0)).containsExactly(5L);
        enumerator.close();
    }

    @Test
    void aRestoredFollowingEnumeratorTakesItsLeaseAgainAndAnnouncesItsProgress() throws Exception {
        long pinned;
        try (PersistCollection c = PersistCollection.open(dir, "c")) {
            write(c, 10, 0);
            pinned = c.seal(5).seqNo();
        }
        TestingSplitEnumeratorContext<PersistSplit> context =
                new TestingSplitEnumeratorContext<>(1);
        context.registerReader(0, "localhost");
        FollowingSplitEnumerator enumerator =
                new FollowingSplitEnumerator(
                        context,
                        settings(Duration.ofMillis(10)),
                        new PersistEnumeratorState("lease", pinned, List.of(), Frontier.at(5)));
        enumerator.start();
        try (PersistCollection c = PersistCollection.openExisting(dir, "c")) {
            assertThat(c.state().leases().get("lease").sinceHold()).isEqualTo(Frontier.at(4));
        }
        enumerator.addReader(0);
        assertThat(seals(context, 0)).containsExactly(5L);
        enumerator.close();
    }
}
