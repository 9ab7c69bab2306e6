package io.flinkpersist.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.blob.InMemoryBlobStore;
import io.flinkpersist.state.BatchPart;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.Description;
import io.flinkpersist.state.SeqNoRange;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The compaction policies and the merge plan, on plain values: no store, no I/O. */
class CompactionPolicyTest {

    /** A batch of {@code size} bytes holding {@code size} updates. */
    private static TraceBatchMeta batch(String key, long lower, long upper, int level, long size) {
        return new TraceBatchMeta(key, Description.of(lower, upper, 0), level, size, size);
    }

    private static CollectionState state(long seal, long since, TraceBatchMeta... trace) {
        return CollectionState.builder()
                .seqNo(1)
                .seal(Frontier.at(seal))
                .since(Frontier.at(since))
                .trace(List.of(trace))
                .build()
                .validate();
    }

    /** {@code b} reaching the closed upper, as the last batch of a closed collection does. */
    private static TraceBatchMeta closedBatch(TraceBatchMeta b) {
        return new TraceBatchMeta(
                b.key(),
                new Description(b.desc().lower(), Frontier.closed(), b.desc().since()),
                b.level(),
                b.sizeBytes(),
                b.updateCount());
    }

    private static List<String> keys(Optional<MergePlan> plan) {
        return plan.orElseThrow().keys();
    }

    @Test
    void aWiderFanoutMergesTheOldestRunOfThatManySameLevelBatches() {
        CompactionPolicy four = new LeveledCompactionPolicy(4);
        TraceBatchMeta a = batch("a", 0, 10, 1, 400);
        TraceBatchMeta b = batch("b", 10, 20, 0, 100);
        TraceBatchMeta c = batch("c", 20, 30, 0, 100);
        TraceBatchMeta d = batch("d", 30, 40, 0, 100);
        TraceBatchMeta e = batch("e", 40, 50, 0, 100);
        TraceBatchMeta f = batch("f", 50, 60, 0, 100);
        // Three level-0 batches are not enough; the fourth must lie wholly before since.
        assertThat(four.pick(state(40, 40, a, b, c, d))).isEmpty();
        assertThat(four.pick(state(50, 49, a, b, c, d, e))).isEmpty();
        MergePlan run = four.pick(state(60, 50, a, b, c, d, e, f)).orElseThrow();
        assertThat(run.keys()).containsExactly("b", "c", "d", "e");
        assertThat(run.mergedLevel(350)).isEqualTo(1);
        assertThatThrownBy(() -> new LeveledCompactionPolicy(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot merge runs of 1 trace batches: the fanout must be >= 2");
    }

    /** A level-0 batch of two runs (a drain that adopted two unsealed batches). */
    private static TraceBatchMeta twoRuns(String key, long lower, long upper) {
        return TraceBatchMeta.ofParts(
                Description.of(lower, upper, 0),
                0,
                List.of(
                        BatchPart.whole(key, 50, 50),
                        BatchPart.whole(key + "-2", 50, 50).inRun(1)));
    }

    @Test
    void leveledMergesTheRunsOfALevelZeroBatchOnlyOnceTwoNewerBatchesFollowIt() {
        CompactionPolicy leveled = CompactionPolicy.DEFAULT;
        TraceBatchMeta a = twoRuns("a", 0, 10);
        TraceBatchMeta b = twoRuns("b", 10, 20);
        TraceBatchMeta c = twoRuns("c", 20, 30);
        // Since behind every batch (history kept): no pair, and a has one newer batch only.
        assertThat(leveled.pick(state(20, 0, a, b))).isEmpty();
        MergePlan runs = leveled.pick(state(30, 5, a, b, c)).orElseThrow();
        assertThat(runs.keys()).containsExactly("a");
        assertThat(runs.since()).isEqualTo(Frontier.at(5));
        assertThat(runs.mergedLevel(100)).isZero();
        // A pair merge comes first when since allows one.
        assertThat(keys(leveled.pick(state(30, 20, a, b, c)))).containsExactly("a", "b");
        // A batch of one run is never rewritten on its own at its own since.
        assertThatThrownBy(() -> MergePlan.of(List.of(batch("d", 0, 10, 0, 10)), Frontier.at(0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(MergePlan.of(List.of(a), Frontier.at(0)).keys()).containsExactly("a");
    }

    @Test
    void leveledPicksTheOldestSameLevelPairWhollyBeforeSince() {
        CompactionPolicy leveled = CompactionPolicy.DEFAULT;
        TraceBatchMeta a = batch("a", 0, 10, 2, 400);
        TraceBatchMeta b = batch("b", 10, 20, 1, 200);
        TraceBatchMeta c = batch("c", 20, 30, 1, 200);
        TraceBatchMeta d = batch("d", 30, 40, 0, 100);
        TraceBatchMeta e = batch("e", 40, 50, 0, 100);
        assertThat(keys(leveled.pick(state(50, 50, a, b, c, d, e)))).containsExactly("b", "c");
        // The pair must lie wholly before since.
        assertThat(leveled.pick(state(50, 29, a, b, c, d, e))).isEmpty();
        assertThat(keys(leveled.pick(state(50, 30, a, b, c, d, e)))).containsExactly("b", "c");
        // Levels that differ are never merged by it.
        assertThat(leveled.pick(state(50, 50, a, b, batch("d2", 20, 30, 0, 100)))).isEmpty();
        assertThat(leveled.pick(state(50, 50))).isEmpty();
        MergePlan plan = leveled.pick(state(50, 40, a, b, c, d, e)).orElseThrow();
        assertThat(plan.since()).isEqualTo(Frontier.at(40));
        assertThat(plan.lower()).isEqualTo(Frontier.at(10));
        assertThat(plan.upper()).isEqualTo(Frontier.at(30));
        assertThat(plan.drain()).isEmpty();
    }

    @Test
    void leveledMergesNothingOnceSinceIsClosed() {
        CollectionState closed =
                state(50, 50, batch("a", 0, 10, 0, 1), batch("b", 10, 20, 0, 1)).toBuilder()
                        .seal(Frontier.closed())
                        .since(Frontier.closed())
                        .build();
        assertThat(CompactionPolicy.DEFAULT.pick(closed)).isEmpty();
        assertThat(new FinalCompactionPolicy().pick(closed)).isEmpty();
    }

    @Test
    void finalMergesEverythingBeforeSinceAndDrainsInTheSamePassWhereItCan() {
        TraceBatchMeta a = batch("a", 0, 10, 1, 200);
        TraceBatchMeta b = batch("b", 10, 20, 0, 100);
        TraceBatchMeta c = batch("c", 20, 30, 0, 100);
        FinalCompactionPolicy last = new FinalCompactionPolicy();
        // Without unsealed updates: the run before since.
        assertThat(keys(last.pick(state(30, 25, a, b, c)))).containsExactly("a", "b");
        assertThat(keys(last.pick(state(30, 30, a, b, c)))).containsExactly("a", "b", "c");
        // One batch before since: rewritten alone, its times advanced to since.
        assertThat(keys(last.pick(state(30, 15, a, b, c)))).containsExactly("a");
        assertThat(last.pick(state(30, 5, a, b, c))).isEmpty();

        // Sealed unsealed updates beyond the trace, the seal at or before since: one pass.
        UnsealedBatchMeta u = new UnsealedBatchMeta("u", new SeqNoRange(0, 1), 31, 35, 10, 2);
        CollectionState pending =
                state(40, 40, a, b, c).toBuilder().unsealed(List.of(u)).nextSeqNo(1).build();
        MergePlan plan = last.pick(pending).orElseThrow();
        assertThat(plan.keys()).containsExactly("a", "b", "c");
        assertThat(plan.drain()).isPresent();
        assertThat(plan.drain().get().inputs()).containsExactly(u);
        assertThat(plan.upper()).isEqualTo(Frontier.at(40));
        // The seal beyond since: no drain in the pass, only the trace before since.
        CollectionState ahead = pending.toBuilder().since(Frontier.at(30)).build();
        assertThat(last.pick(ahead).orElseThrow().drain()).isEmpty();
    }

    @Test
    void finalMergesAClosedCollectionWholeAndDrainsItsLastUpdatesInTheSamePass() {
        TraceBatchMeta a = batch("a", 0, 10, 1, 200);
        TraceBatchMeta b = batch("b", 10, 20, 0, 100);
        FinalCompactionPolicy last = new FinalCompactionPolicy();
        // The seal closed; since moved past the data (to 36), the last updates still unsealed.
        UnsealedBatchMeta u = new UnsealedBatchMeta("u", new SeqNoRange(0, 1), 21, 35, 10, 2);
        CollectionState closed =
                state(20, 20, a, b).toBuilder()
                        .unsealed(List.of(u))
                        .nextSeqNo(1)
                        .seal(Frontier.closed())
                        .since(Frontier.at(36))
                        .build();
        MergePlan plan = last.pick(closed).orElseThrow();
        assertThat(plan.keys()).containsExactly("a", "b");
        assertThat(plan.drain().orElseThrow().inputs()).containsExactly(u);
        assertThat(plan.upper()).isEqualTo(Frontier.closed());
        assertThat(plan.since()).isEqualTo(Frontier.at(36));
        // Drained already: the trace, up to the closed upper, in one batch.
        TraceBatchMeta c = batch("c", 20, 30, 0, 100);
        CollectionState drained =
                closed.toBuilder().unsealed(List.of()).trace(List.of(a, b, closedBatch(c))).build();
        assertThat(keys(last.pick(drained))).containsExactly("a", "b", "c");
        // All of it drained into one batch: rewritten once, at since, then left alone.
        TraceBatchMeta all = closedBatch(batch("d", 0, 30, 0, 100));
        CollectionState lone = drained.toBuilder().trace(List.of(all)).build();
        assertThat(keys(last.pick(lone))).containsExactly("d");
        TraceBatchMeta rewritten =
                new TraceBatchMeta(
                        "e",
                        new Description(Frontier.at(0), Frontier.closed(), Frontier.at(36)),
                        0,
                        90,
                        1);
        assertThat(last.pick(lone.toBuilder().trace(List.of(rewritten)).build())).isEmpty();
        // The same trace while the seal is open: the last batch is not before since.
        assertThat(keys(last.pick(state(30, 25, a, b, c)))).containsExactly("a", "b");
    }

    @Test
    void theLevelRuleGoesUpOnlyWhenTheResultOutgrowsEveryInput() {
        MergePlan pair =
                MergePlan.of(
                        List.of(batch("a", 0, 10, 1, 100), batch("b", 10, 20, 1, 80)),
                        Frontier.at(20));
        assertThat(pair.mergedLevel(150)).isEqualTo(2);
        assertThat(pair.mergedLevel(100)).isEqualTo(1);
        MergePlan run =
                MergePlan.of(
                        List.of(
                                batch("a", 0, 10, 2, 500),
                                batch("b", 10, 20, 0, 50),
                                batch("c", 20, 30, 0, 50)),
                        Frontier.at(30));
        assertThat(run.mergedLevel(501)).isEqualTo(3);
        assertThat(run.mergedLevel(450)).isEqualTo(2);
    }

    @Test
    void aPlanMustBeARunBeforeItsSince() {
        TraceBatchMeta a = batch("a", 0, 10, 0, 1);
        TraceBatchMeta c = batch("c", 20, 30, 0, 1);
        assertThatThrownBy(() -> MergePlan.of(List.of(a, c), Frontier.at(30)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("they are not consecutive");
        // One batch alone: only to advance its times to a later since.
        assertThat(MergePlan.of(List.of(a), Frontier.at(30)).run()).containsExactly(a);
        assertThatThrownBy(() -> MergePlan.of(List.of(a), Frontier.at(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("need at least 2");
        TraceBatchMeta late = new TraceBatchMeta("late", Description.of(10, 20, 25), 0, 1, 1);
        assertThatThrownBy(() -> MergePlan.of(List.of(a, late), Frontier.at(20)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "the output since {20} must be a time at or after both input sinces ({0}, {25})");
        DrainPlan drain = new DrainPlan(Frontier.at(15), Frontier.at(30), List.of());
        assertThatThrownBy(() -> new MergePlan(List.of(a), Frontier.at(30), Optional.of(drain)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the run ends at {10} but the drain starts at {15}");
    }

    @Test
    void anotherPolicyPlugsIntoACollectionByItsConfiguration() throws Exception {
        // Merges every batch before since in one run, which the leveled policy never picks.
        CompactionPolicy wholeRun =
                st -> {
                    List<TraceBatchMeta> before =
                            st.trace().stream()
                                    .filter(b -> b.desc().upper().lessEqual(st.since()))
                                    .toList();
                    return before.size() < 3
                            ? Optional.empty()
                            : Optional.of(MergePlan.of(before, st.since()));
                };
        CollectionConfig config = CollectionConfig.defaults().withCompactionPolicy(wholeRun);
        try (PersistCollection c = PersistCollection.open(new InMemoryBlobStore(), config)) {
            for (int round = 0; round < 3; round++) {
                byte[] key = {(byte) round};
                c.append(List.of(Update.of(key, new byte[] {1}, round, 1)));
                c.seal(round + 1);
                c.drain();
            }
            assertThat(c.state().trace())
                    .hasSize(3)
                    .extracting(TraceBatchMeta::level)
                    .containsOnly(0);
            assertThat(c.compact()).as("nothing before since yet").isFalse();
            c.allowCompaction(3);
            assertThat(CompactionPolicy.DEFAULT.pick(c.state()))
                    .as("the leveled policy would merge a pair")
                    .hasValueSatisfying(p -> assertThat(p.run()).hasSize(2));
            assertThat(c.compact()).isTrue();
            assertThat(c.state().trace())
                    .singleElement()
                    .satisfies(b -> assertThat(b.desc()).isEqualTo(Description.of(0, 3, 3)));
        }
    }
}
