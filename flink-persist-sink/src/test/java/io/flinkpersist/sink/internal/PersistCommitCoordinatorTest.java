package io.flinkpersist.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How one checkpoint's writer results become one committable. */
class PersistCommitCoordinatorTest {

    private static WriterResult result(int subtask, Long seal, boolean idle, String... keys) {
        List<NewUnsealedBatch> batches =
                Arrays.stream(keys).map(k -> new NewUnsealedBatch(k, 1, 2, 10, 1)).toList();
        return new WriterResult(
                subtask, batches, Optional.ofNullable(seal).map(Frontier::at), idle, false);
    }

    @Test
    void sealIsTheMinimumOfTheWritersAndAllBatchesAreCommitted() {
        PersistCommittable c =
                PersistCommitCoordinator.combine(
                        "sink-x",
                        7,
                        3,
                        List.of(
                                result(0, 30L, false, "a"),
                                result(1, 20L, false, "b", "c"),
                                result(2, 25L, false)));
        assertThat(c.seal()).contains(Frontier.at(20));
        assertThat(c.batches())
                .extracting(NewUnsealedBatch::key)
                .containsExactlyInAnyOrder("a", "b", "c");
        assertThat(c.checkpointId()).isEqualTo(7);
        assertThat(c.writerId()).isEqualTo("sink-x");
    }

    @Test
    void aWriterWithoutWatermarkHoldsTheSealUnlessItIsIdle() {
        assertThat(
                        PersistCommitCoordinator.combine(
                                        "s",
                                        1,
                                        2,
                                        List.of(result(0, 30L, false), result(1, null, false)))
                                .seal())
                .isEmpty();
        assertThat(
                        PersistCommitCoordinator.combine(
                                        "s",
                                        1,
                                        2,
                                        List.of(result(0, 30L, false), result(1, null, true)))
                                .seal())
                .contains(Frontier.at(30));
        // An idle writer's old watermark does not hold the seal either.
        assertThat(
                        PersistCommitCoordinator.combine(
                                        "s",
                                        1,
                                        2,
                                        List.of(result(0, 30L, false), result(1, 5L, true)))
                                .seal())
                .contains(Frontier.at(30));
        // All idle: no news about time.
        assertThat(
                        PersistCommitCoordinator.combine(
                                        "s",
                                        1,
                                        2,
                                        List.of(result(0, 30L, true), result(1, 5L, true)))
                                .seal())
                .isEmpty();
    }

    @Test
    void noSealUnlessEveryWriterReported() {
        PersistCommittable c =
                PersistCommitCoordinator.combine(
                        "s", 1, 3, List.of(result(0, 30L, false, "a"), result(1, 40L, false)));
        assertThat(c.seal()).isEmpty();
        assertThat(c.batches()).extracting(NewUnsealedBatch::key).containsExactly("a");
    }

    @Test
    void theInputHasEndedOnlyWhenEveryWriterSaysSo() {
        WriterResult ended0 =
                new WriterResult(0, List.of(), Optional.of(Frontier.at(30)), false, true);
        WriterResult ended1 = new WriterResult(1, List.of(), Optional.empty(), false, true);
        assertThat(
                        PersistCommitCoordinator.combine(
                                        "s", 1, 2, List.of(result(0, 30L, false), ended1))
                                .inputEnded())
                .isFalse();
        assertThat(
                        PersistCommitCoordinator.combine("s", 1, 2, List.of(ended0, ended1))
                                .inputEnded())
                .isTrue();
        assertThat(
                        PersistCommitCoordinator.combine("s", 1, 3, List.of(ended0, ended1))
                                .inputEnded())
                .as("a writer has not reported")
                .isFalse();
        // A writer that ended at an earlier checkpoint is not counted (the caller lowers subtasks).
        assertThat(PersistCommitCoordinator.combine("s", 1, 1, List.of(ended1)).inputEnded())
                .isTrue();
    }

    @Test
    void anEndedWriterHoldsNothingBack() {
        WriterResult ended = new WriterResult(1, List.of(), Optional.empty(), false, true);
        assertThat(
                        PersistCommitCoordinator.combine(
                                        "s", 1, 2, List.of(result(0, 30L, false), ended))
                                .seal())
                .contains(Frontier.at(30));
        // Not with its last watermark either: all its updates are written.
        WriterResult endedEarly =
                new WriterResult(1, List.of(), Optional.of(Frontier.at(10)), false, true);
        assertThat(
                        PersistCommitCoordinator.combine(
                                        "s", 1, 2, List.of(result(0, 30L, false), endedEarly))
                                .seal())
                .contains(Frontier.at(30));
    }

    @Test
    void whenEveryInputHasEndedTheSealIsTheLatestLastWatermark() {
        WriterResult a = new WriterResult(0, List.of(), Optional.of(Frontier.at(10)), false, true);
        WriterResult b = new WriterResult(1, List.of(), Optional.of(Frontier.at(41)), false, true);
        WriterResult none = new WriterResult(1, List.of(), Optional.empty(), false, true);
        WriterResult closing =
                new WriterResult(1, List.of(), Optional.of(Frontier.closed()), false, true);
        assertThat(PersistCommitCoordinator.combine("s", 1, 2, List.of(a, b)).seal())
                .contains(Frontier.at(41));
        assertThat(PersistCommitCoordinator.combine("s", 1, 2, List.of(a, none)).seal())
                .contains(Frontier.at(10));
        assertThat(PersistCommitCoordinator.combine("s", 1, 2, List.of(a, closing)).seal())
                .contains(Frontier.closed());
        assertThat(PersistCommitCoordinator.combine("s", 1, 2, List.of(none)).seal())
                .as("one has not reported")
                .isEmpty();
        // A writer that ended at an earlier checkpoint reports no more, but its last watermark
        // counts.
        assertThat(
                        PersistCommitCoordinator.combine(
                                        "s", 1, 1, List.of(a), Optional.of(Frontier.at(41)))
                                .seal())
                .contains(Frontier.at(41));
        assertThat(
                        PersistCommitCoordinator.combine(
                                        "s", 1, 1, List.of(b), Optional.of(Frontier.at(10)))
                                .seal())
                .contains(Frontier.at(41));
        // While another writer is active, it decides alone.
        assertThat(
                        PersistCommitCoordinator.combine(
                                        "s",
                                        1,
                                        1,
                                        List.of(result(0, 30L, false)),
                                        Optional.of(Frontier.at(41)))
                                .seal())
                .contains(Frontier.at(30));
    }

    @Test
    void writersThatEndedAndCloseTheCollectionSealItClosed() {
        WriterResult a =
                new WriterResult(0, List.of(), Optional.of(Frontier.closed()), false, true);
        WriterResult b =
                new WriterResult(1, List.of(), Optional.of(Frontier.closed()), false, true);
        assertThat(PersistCommitCoordinator.combine("s", 9, 2, List.of(a, b)).seal())
                .contains(Frontier.closed());
    }
}
