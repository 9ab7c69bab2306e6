package io.flinkpersist.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.CollectionSchema;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.sink.CompactionStrategy;
import io.flinkpersist.sink.LateUpdatePolicy;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.connector.sink2.Committer.CommitRequest;
import org.apache.flink.runtime.metrics.groups.InternalSinkCommitterMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PersistCommitter}: the order of commits when one of them cannot be made now. */
class PersistCommitterTest {

    @TempDir Path dir;

    /** A commit request that records what the committer made of it. */
    static final class TestingCommitRequest implements CommitRequest<PersistCommittable> {
        final PersistCommittable committable;
        final List<String> outcomes = new ArrayList<>();

        TestingCommitRequest(PersistCommittable committable) {
            this.committable = committable;
        }

        @Override
        public PersistCommittable getCommittable() {
            return committable;
        }

        @Override
        public int getNumberOfRetries() {
            return 0;
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            outcomes.add("failed");
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            outcomes.add("failed");
        }

        @Override
        public void retryLater() {
            outcomes.add("retry");
        }

        @Override
        public void updateAndRetryLater(PersistCommittable committable) {
            outcomes.add("retry");
        }

        @Override
        public void signalAlreadyCommitted() {
            outcomes.add("already");
        }
    }

    private PersistCommitter committer() {
        SinkSettings settings =
                new SinkSettings(
                        dir.toString(),
                        "c",
                        new CollectionSchema("bytes", "bytes"),
                        new SinkSettings.Writing(
                                64 << 10, LateUpdatePolicy.FAIL, Duration.ofSeconds(10), 1000),
                        new SinkSettings.Committing(0L, true, false, false),
                        new SinkSettings.Maintenance(
                                false,
                                CompactionStrategy.LEVELED,
                                Duration.ofMinutes(5),
                                Duration.ofHours(1)),
                        SinkSettings.TestHooks.NONE);
        return new PersistCommitter(
                settings,
                InternalSinkCommitterMetricGroup.wrap(
                        UnregisteredMetricGroups.createUnregisteredOperatorMetricGroup()));
    }

    @Test
    void aCheckpointThatCannotCommitYetHoldsBackTheLaterOnes() throws Exception {
        // Checkpoint 1 names a batch the store does not have (yet): its commit fails with an I/O
        // error.
        NewUnsealedBatch missing = new NewUnsealedBatch("batches/not-there.parquet", 3, 5, 100, 2);
        TestingCommitRequest first =
                new TestingCommitRequest(
                        new PersistCommittable(
                                "w", 1, List.of(missing), Optional.of(Frontier.at(4))));
        TestingCommitRequest second =
                new TestingCommitRequest(
                        new PersistCommittable("w", 2, List.of(), Optional.of(Frontier.at(10))));
        try (PersistCommitter committer = committer()) {
            committer.commit(List.of(second, first));
        }
        assertThat(first.outcomes).containsExactly("retry");
        // Committing checkpoint 2's seal first would make checkpoint 1's batch late for good.
        assertThat(second.outcomes).containsExactly("retry");
        try (PersistCollection c = PersistCollection.open(dir, "c")) {
            assertThat(c.state().seal()).isEqualTo(Frontier.at(0));
        }
    }

    @Test
    void checkpointsCommitInOrderOfTheirIds() throws Exception {
        TestingCommitRequest first =
                new TestingCommitRequest(
                        new PersistCommittable("w", 1, List.of(), Optional.of(Frontier.at(4))));
        TestingCommitRequest second =
                new TestingCommitRequest(
                        new PersistCommittable("w", 2, List.of(), Optional.of(Frontier.at(10))));
        try (PersistCommitter committer = committer()) {
            committer.commit(List.of(second, first));
        }
        assertThat(first.outcomes).isEmpty();
        assertThat(second.outcomes).isEmpty();
        try (PersistCollection c = PersistCollection.open(dir, "c")) {
            assertThat(c.state().seal()).isEqualTo(Frontier.at(10));
            assertThat(c.state().writers()).containsEntry("w", 2L);
        }
    }
}
