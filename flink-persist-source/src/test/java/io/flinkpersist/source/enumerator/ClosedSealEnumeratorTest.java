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
 * A continuous enumerator over a collection whose seal closes: it plans the last interval up to the
 * closed seal, announces the closed seal and signals every reader that no split follows, whether it
 * sees the close while following, starts after it, or is restored after it.
 */
class ClosedSealEnumeratorTest {

    @TempDir Path dir;

    private SourceSettings settings() {
        return new SourceSettings(
                dir.toString(),
                "c",
                new CollectionSchema("bytes", "bytes"),
                Long.MIN_VALUE,
                false,
                Duration.ofMinutes(1),
                Duration.ofMillis(10));
    }

    private void append(PersistCollection c, long time) throws Exception {
        byte[] key = ("k" + time).getBytes(StandardCharsets.UTF_8);
        c.append(List.of(Update.of(key, new byte[] {1}, time, 1)));
    }

    /** Runs the scheduled polls once and installs what they planned, as the coordinator would. */
    private static void poll(TestingSplitEnumeratorContext<PersistSplit> context) {
        context.getExecutorService().triggerPeriodicScheduledTasks();
        context.triggerAllActions();
    }

    private static TestingSplitEnumeratorContext<PersistSplit> readers(int n) {
        TestingSplitEnumeratorContext<PersistSplit> context =
                new TestingSplitEnumeratorContext<>(n);
        for (int i = 0; i < n; i++) {
            context.registerReader(i, "localhost");
        }
        return context;
    }

    private static List<SealEvents.SealAdvanced> seals(
            TestingSplitEnumeratorContext<PersistSplit> context, int reader) {
        List<SealEvents.SealAdvanced> out = new ArrayList<>();
        for (SourceEvent e : context.getSentEvents().getOrDefault(reader, List.of())) {
            if (e instanceof SealEvents.SealAdvanced s) {
                out.add(s);
            }
        }
        return out;
    }

    private static void assertEnded(
            TestingSplitEnumeratorContext<PersistSplit> context, int readers) {
        for (int r = 0; r < readers; r++) {
            List<SealEvents.SealAdvanced> seals = seals(context, r);
            assertThat(seals).as("seals announced to reader %d", r).isNotEmpty();
            SealEvents.SealAdvanced last = seals.get(seals.size() - 1);
            assertThat(last.frontier().isClosed())
                    .as("last seal announced to reader %d", r)
                    .isTrue();
            assertThat(last.watermark()).isEqualTo(Long.MAX_VALUE);
            assertThat(context.getSplitAssignments().get(r).hasReceivedNoMoreSplitsSignal())
                    .as("no-more-splits signal to reader %d", r)
                    .isTrue();
        }
    }

    private static long assignedSplits(
            TestingSplitEnumeratorContext<PersistSplit> context, int readers) {
        long n = 0;
        for (int r = 0; r < readers; r++) {
            var state = context.getSplitAssignments().get(r);
            n += state == null ? 0 : state.getAssignedSplits().size();
        }
        return n;
    }

    @Test
    void followingEnumeratorPlansTheLastIntervalAndEnds() throws Exception {
        try (PersistCollection c = PersistCollection.open(dir, "c")) {
            append(c, 1);
            c.seal(5);
            TestingSplitEnumeratorContext<PersistSplit> context = readers(2);
            FollowingSplitEnumerator enumerator =
                    new FollowingSplitEnumerator(
                            context,
                            settings(),
                            new PersistEnumeratorState("lease", -1, List.of(), Frontier.minimum()));
            enumerator.start();
            poll(context); // the start: nothing in start() waits
            enumerator.addReader(0);
            enumerator.addReader(1);
            assertThat(seals(context, 0))
                    .extracting(SealEvents.SealAdvanced::seal)
                    .containsOnly(5L);
            assertThat(context.getSplitAssignments().get(0).hasReceivedNoMoreSplitsSignal())
                    .isFalse();
            long snapshotSplits = assignedSplits(context, 2);

            append(c, 7);
            append(c, 1_000);
            c.seal(Frontier.closed());
            poll(context);

            assertEnded(context, 2);
            assertThat(assignedSplits(context, 2))
                    .as("splits of the last interval")
                    .isGreaterThan(snapshotSplits);
            PersistEnumeratorState checkpoint = enumerator.snapshotState(1);
            assertThat(checkpoint.progress().isClosed()).isTrue();
            assertThat(checkpoint.unassigned()).isEmpty();
            enumerator.close();
        }
    }

    @Test
    void enumeratorStartedAfterTheCloseReadsTheWholeCollectionAndEnds() throws Exception {
        try (PersistCollection c = PersistCollection.open(dir, "c")) {
            append(c, 1);
            append(c, 9);
            c.seal(Frontier.closed());
        }
        TestingSplitEnumeratorContext<PersistSplit> context = readers(2);
        FollowingSplitEnumerator enumerator =
                new FollowingSplitEnumerator(
                        context,
                        settings(),
                        new PersistEnumeratorState("lease", -1, List.of(), Frontier.minimum()));
        enumerator.start();
        poll(context);
        enumerator.addReader(0);
        enumerator.addReader(1);
        assertEnded(context, 2);
        assertThat(assignedSplits(context, 2)).isPositive();
        assertThat(enumerator.snapshotState(1).progress().isClosed()).isTrue();
        enumerator.close();
    }

    @Test
    void enumeratorRestoredAfterTheCloseEndsEveryReader() throws Exception {
        long pinned;
        try (PersistCollection c = PersistCollection.open(dir, "c")) {
            append(c, 1);
            pinned = c.seal(Frontier.closed()).seqNo();
        }
        TestingSplitEnumeratorContext<PersistSplit> context = readers(3);
        FollowingSplitEnumerator enumerator =
                new FollowingSplitEnumerator(
                        context,
                        settings(),
                        new PersistEnumeratorState("lease", pinned, List.of(), Frontier.closed()));
        enumerator.start();
        for (int r = 0; r < 3; r++) {
            enumerator.addReader(r);
        }
        assertEnded(context, 3);
        enumerator.close();
    }
}
