package io.flinkpersist.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.Arrangement.Applied;
import io.flinkpersist.state.Transition.AllowCompaction;
import io.flinkpersist.state.Transition.Append;
import io.flinkpersist.state.Transition.ApplyDrain;
import io.flinkpersist.state.Transition.ApplyTrim;
import io.flinkpersist.state.Transition.Evict;
import io.flinkpersist.state.Transition.ForgetRetired;
import io.flinkpersist.state.Transition.NewTraceBatch;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import io.flinkpersist.state.Transition.Seal;
import io.flinkpersist.state.Transition.WriterToken;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The semantics of each {@link Transition}, applied by {@link Arrangement#apply} to plain values.
 */
class ArrangementTest {

    // ---- helpers ----

    private static NewUnsealedBatch batch(String key, long tsLower, long tsUpper) {
        return new NewUnsealedBatch(key, tsLower, tsUpper, 100, 10);
    }

    private static NewTraceBatch traceBatch(
            String key, long lower, long upper, long since, int level) {
        return new NewTraceBatch(key, Description.of(lower, upper, since), level, 200, 20);
    }

    private static Append append(NewUnsealedBatch... batches) {
        return new Append(List.of(batches), Optional.empty(), Optional.empty());
    }

    private static Append append(WriterToken token, NewUnsealedBatch... batches) {
        return new Append(List.of(batches), Optional.empty(), Optional.of(token));
    }

    private static ApplyDrain drain(NewTraceBatch batch) {
        return new ApplyDrain(batch.desc().lower(), batch.desc().upper(), Optional.of(batch));
    }

    /** Applies a transition that must change the state; checks the successor rules on the way. */
    private static Applied changed(CollectionState state, Transition t) {
        Applied a = Arrangement.apply(state, t);
        assertThat(a.changed()).as("changed").isTrue();
        assertThat(a.state().seqNo()).isEqualTo(state.seqNo() + 1);
        assertThat(a.orphaned()).isEmpty();
        a.state().validate();
        return a;
    }

    private static CollectionState next(CollectionState state, Transition t) {
        return changed(state, t).state();
    }

    /** Applies a transition that must be a no-op; returns what it orphaned. */
    private static List<String> unchanged(CollectionState state, Transition t) {
        Applied a = Arrangement.apply(state, t);
        assertThat(a.changed()).as("changed").isFalse();
        assertThat(a.state()).isSameAs(state);
        assertThat(a.retired()).isEmpty();
        return a.orphaned();
    }

    private static CollectionState sealedAt(long seal) {
        return next(CollectionState.initial(), new Seal(Frontier.at(seal)));
    }

    private static List<String> keys(List<UnsealedBatchMeta> batches) {
        return batches.stream().map(UnsealedBatchMeta::key).toList();
    }

    private static List<String> traceKeys(CollectionState s) {
        return s.trace().stream().map(TraceBatchMeta::key).toList();
    }

    // ---- Append ----

    @Test
    void appendAssignsOneSeqNoPerBatch() {
        CollectionState s0 = CollectionState.initial();
        CollectionState s1 = next(s0, append(batch("a", 0, 4), batch("b", 2, 9), batch("c", 5, 5)));

        assertThat(keys(s1.unsealed())).containsExactly("a", "b", "c");
        assertThat(s1.unsealed())
                .extracting(UnsealedBatchMeta::seqNos)
                .containsExactly(new SeqNoRange(0, 1), new SeqNoRange(1, 2), new SeqNoRange(2, 3));
        assertThat(s1.unsealed().get(1))
                .isEqualTo(new UnsealedBatchMeta("b", new SeqNoRange(1, 2), 2, 9, 100, 10));
        assertThat(s1.nextSeqNo()).isEqualTo(3);
        assertThat(s1.seqNo()).isEqualTo(1);
        assertThat(s1.seal()).isEqualTo(Frontier.minimum());

        CollectionState s2 = next(s1, append(batch("d", 7, 8)));
        assertThat(s2.unsealed().get(3).seqNos()).isEqualTo(new SeqNoRange(3, 4));
        assertThat(s2.nextSeqNo()).isEqualTo(4);
        assertThat(s2.seqNo()).isEqualTo(2);
    }

    @Test
    void appendOfNothingIsUnchanged() {
        assertThat(unchanged(CollectionState.initial(), append())).isEmpty();
    }

    @Test
    void appendAtTheSealIsAccepted() {
        CollectionState s = next(sealedAt(10), append(batch("a", 10, 12)));
        assertThat(keys(s.unsealed())).containsExactly("a");
    }

    @Test
    void lateBatchIsRejectedAndChangesNothing() {
        CollectionState sealed = sealedAt(10);
        CollectionState before = sealed.toBuilder().build();

        assertThatThrownBy(
                        () ->
                                Arrangement.apply(
                                        sealed, append(batch("ok", 10, 12), batch("late", 9, 14))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot append batch late: it holds an update at time 9, before the seal {10}"
                                + " (late update; write only times at or after the seal)");
        assertThat(sealed).isEqualTo(before);
        assertThat(sealed.unsealed()).isEmpty();
        assertThat(sealed.nextSeqNo()).isZero();
    }

    @Test
    void appendWithSealToSealsInTheSameVersion() {
        CollectionState s0 = CollectionState.initial();
        CollectionState s1 =
                next(
                        s0,
                        new Append(
                                List.of(batch("a", 3, 12)),
                                Optional.of(Frontier.at(8)),
                                Optional.empty()));

        assertThat(s1.seqNo()).isEqualTo(1);
        assertThat(s1.seal()).isEqualTo(Frontier.at(8));
        assertThat(keys(s1.unsealed())).containsExactly("a");

        // The late check of the batches uses the seal before the append; a regressing sealTo fails
        // whole.
        assertThatThrownBy(
                        () ->
                                Arrangement.apply(
                                        s1,
                                        new Append(
                                                List.of(batch("b", 9, 9)),
                                                Optional.of(Frontier.at(7)),
                                                Optional.empty())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot seal collection at {7}: it is before the current seal {8} (the seal only advances)");
        assertThat(keys(s1.unsealed())).containsExactly("a");
    }

    @Test
    void appendWithOnlyAnEqualSealToIsUnchanged() {
        CollectionState sealed = sealedAt(10);
        assertThat(
                        unchanged(
                                sealed,
                                new Append(
                                        List.of(), Optional.of(Frontier.at(10)), Optional.empty())))
                .isEmpty();
    }

    @Test
    void writerTokenReplayIsUnchangedAndAHigherCheckpointApplies() {
        CollectionState s1 =
                next(CollectionState.initial(), append(new WriterToken("w", 5), batch("a", 0, 1)));
        assertThat(s1.writers()).containsExactly(Map.entry("w", 5L));

        assertThat(unchanged(s1, append(new WriterToken("w", 5), batch("a-replayed", 0, 1))))
                .isEmpty();
        assertThat(unchanged(s1, append(new WriterToken("w", 4), batch("a-older", 0, 1))))
                .isEmpty();

        CollectionState s2 = next(s1, append(new WriterToken("w", 6), batch("b", 2, 3)));
        assertThat(s2.writers()).containsExactly(Map.entry("w", 6L));
        assertThat(keys(s2.unsealed())).containsExactly("a", "b");

        CollectionState s3 = next(s2, append(new WriterToken("v", 1)));
        assertThat(s3.writers()).containsExactly(Map.entry("v", 1L), Map.entry("w", 6L));
        assertThat(s3.unsealed()).isEqualTo(s2.unsealed());
    }

    @Test
    void duplicateBatchKeyIsRejected() {
        CollectionState s1 = next(CollectionState.initial(), append(batch("a", 0, 1)));
        assertThatThrownBy(() -> Arrangement.apply(s1, append(batch("a", 2, 3))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot append batch a: the collection already has a batch with that key");
        assertThatThrownBy(() -> Arrangement.apply(s1, append(batch("b", 2, 3), batch("b", 4, 5))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot append batch b: the collection already has a batch with that key");
    }

    @Test
    void retiredKeyCannotBeAppendedAgain() {
        CollectionState s = drained();
        CollectionState evicted = next(s, new Evict());
        assertThat(evicted.retired()).extracting(RetiredBlob::key).contains("a");
        assertThatThrownBy(() -> Arrangement.apply(evicted, append(batch("a", 20, 21))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot append batch a: the collection already has a batch with that key");
    }

    // ---- Seal ----

    @Test
    void sealAdvancesEqualIsUnchangedRegressFails() {
        CollectionState s11 = sealedAt(11);
        assertThat(s11.seal()).isEqualTo(Frontier.at(11));
        assertThat(unchanged(s11, new Seal(Frontier.at(11)))).isEmpty();

        assertThatThrownBy(() -> Arrangement.apply(s11, new Seal(Frontier.at(10))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot seal collection at {10}: it is before the current seal {11} (the seal only advances)");

        CollectionState closed = next(s11, new Seal(Frontier.closed()));
        assertThat(closed.seal().isClosed()).isTrue();
        assertThat(unchanged(closed, new Seal(Frontier.closed()))).isEmpty();
    }

    // ---- AllowCompaction ----

    @Test
    void allowCompactionAdvancesAndMayPassTheSeal() {
        CollectionState s = sealedAt(5);
        CollectionState s3 = next(s, new AllowCompaction(Frontier.at(3)));
        assertThat(s3.since()).isEqualTo(Frontier.at(3));
        assertThat(unchanged(s3, new AllowCompaction(Frontier.at(3)))).isEmpty();

        CollectionState past = next(s3, new AllowCompaction(Frontier.at(100)));
        assertThat(past.since()).isEqualTo(Frontier.at(100));
        assertThat(past.seal()).isEqualTo(Frontier.at(5));

        assertThatThrownBy(() -> Arrangement.apply(past, new AllowCompaction(Frontier.at(99))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot allow compaction to {99}: it is before the current since {100} (since only advances)");
    }

    // ---- ApplyDrain ----

    /**
     * Unsealed a[0..4], b[12..15], c[3..9], d[10..10], e[8..14] (SeqNos 0..4); sealed at 20;
     * drained [0,10).
     */
    private static CollectionState drained() {
        CollectionState s =
                next(
                        CollectionState.initial(),
                        append(
                                batch("a", 0, 4),
                                batch("b", 12, 15),
                                batch("c", 3, 9),
                                batch("d", 10, 10),
                                batch("e", 8, 14)));
        s = next(s, new Seal(Frontier.at(20)));
        return next(s, drain(traceBatch("t0", 0, 10, 0, 0)));
    }

    @Test
    void drainAppliesWhenTheTraceUpperIsItsLower() {
        CollectionState s = drained();
        assertThat(s.trace())
                .containsExactly(new TraceBatchMeta("t0", Description.of(0, 10, 0), 0, 200, 20));
        assertThat(s.traceUpper()).isEqualTo(Frontier.at(10));
        assertThat(keys(s.unsealed())).containsExactly("a", "b", "c", "d", "e");

        CollectionState s2 = next(s, drain(traceBatch("t1", 10, 20, 0, 0)));
        assertThat(traceKeys(s2)).containsExactly("t0", "t1");
        assertThat(s2.traceUpper()).isEqualTo(Frontier.at(20));
    }

    @Test
    void staleDrainIsUnchangedAndOrphansItsBatch() {
        CollectionState s = drained();
        assertThat(unchanged(s, drain(traceBatch("t-stale", 0, 10, 0, 0))))
                .containsExactly("t-stale");
        assertThat(unchanged(s, drain(traceBatch("t-gap", 12, 20, 0, 0)))).containsExactly("t-gap");
    }

    @Test
    void drainPastTheSealIsUnchangedAndOrphansItsBatch() {
        CollectionState s = drained();
        assertThat(unchanged(s, drain(traceBatch("t-past", 10, 21, 0, 0))))
                .containsExactly("t-past");
    }

    @Test
    void emptyDrainIsUnchanged() {
        CollectionState s = drained();
        assertThat(unchanged(s, new ApplyDrain(Frontier.at(10), Frontier.at(20), Optional.empty())))
                .isEmpty();
    }

    @Test
    void drainBatchNotDescribingTheDrainFails() {
        CollectionState s = drained();
        assertThatThrownBy(
                        () ->
                                Arrangement.apply(
                                        s,
                                        new ApplyDrain(
                                                Frontier.at(10),
                                                Frontier.at(20),
                                                Optional.of(traceBatch("t1", 10, 15, 0, 0)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot apply drain: batch t1 describes [{10}, {15}) since {0} but the drain covered [{10}, {20})");
    }

    /**
     * A drain of [10, 20) that adopts d[10..10] (a run of its own, the unsealed file unchanged) and
     * writes the rest of what it moves (from b and e) as one more run.
     */
    private static ApplyDrain adoptingD() {
        NewTraceBatch batch =
                NewTraceBatch.ofParts(
                        Description.of(10, 20, 0),
                        0,
                        List.of(
                                BatchPart.whole("d", 100, 10, 10),
                                BatchPart.whole("t1", 200, 20, 20).inRun(1)));
        return new ApplyDrain(Frontier.at(10), Frontier.at(20), Optional.of(batch), List.of("d"));
    }

    @Test
    void aDrainMovesTheBatchesItAdoptsFromUnsealedIntoTheTraceWithoutRetiringThem() {
        Applied a = changed(drained(), adoptingD());

        assertThat(keys(a.state().unsealed())).containsExactly("a", "b", "c", "e");
        assertThat(a.retired()).isEmpty();
        assertThat(a.state().retired()).isEmpty();
        TraceBatchMeta t = a.state().trace().get(1);
        assertThat(t.partKeys()).containsExactly("d", "t1");
        assertThat(t.runCount()).isEqualTo(2);
        assertThat(a.state().runs())
                .extracting(TraceBatchMeta::key)
                .containsExactly("t0", "d", "t1");
        // An evict after it drops what lies below the new trace upper, never the adopted file.
        assertThat(changed(a.state(), new Evict()).retired()).containsExactly("a", "b", "c", "e");
    }

    @Test
    void aDrainWhoseAdoptedBatchIsGoneOrStraddlesIsStaleAndOrphansOnlyWhatItWrote() {
        CollectionState s = drained();
        // d was rewritten by a trim meanwhile (another key): the plan no longer holds.
        CollectionState trimmed =
                next(s, new Transition.ApplyTrim("d", new NewUnsealedBatch("d2", 10, 10, 90, 9)));
        assertThat(unchanged(trimmed, adoptingD())).containsExactly("t1");
        // A batch that is not wholly in the drained range cannot be adopted.
        NewTraceBatch straddling =
                NewTraceBatch.ofParts(
                        Description.of(10, 20, 0), 0, List.of(BatchPart.whole("e", 100, 10, 10)));
        assertThat(
                        unchanged(
                                s,
                                new ApplyDrain(
                                        Frontier.at(10),
                                        Frontier.at(20),
                                        Optional.of(straddling),
                                        List.of("e"))))
                .isEmpty();
    }

    @Test
    void anAdoptedBatchMustBeAPartOfTheDrainedBatch() {
        assertThatThrownBy(
                        () ->
                                new ApplyDrain(
                                        Frontier.at(10),
                                        Frontier.at(20),
                                        Optional.of(traceBatch("t1", 10, 20, 0, 0)),
                                        List.of("d")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot apply drain: the adopted unsealed batches [d] must be parts of the drained batch");
    }

    // ---- Evict ----

    @Test
    void evictDropsBatchesEntirelyBelowTheTraceUpper() {
        CollectionState s = drained();
        Applied a = changed(s, new Evict());

        assertThat(a.retired()).containsExactly("a", "c");
        assertThat(keys(a.state().unsealed())).containsExactly("b", "d", "e");
        assertThat(a.state().unsealed())
                .extracting(UnsealedBatchMeta::seqNos)
                .containsExactly(new SeqNoRange(1, 2), new SeqNoRange(3, 4), new SeqNoRange(4, 5));
        assertThat(a.state().retired())
                .containsExactly(
                        new RetiredBlob("a", s.seqNo() + 1), new RetiredBlob("c", s.seqNo() + 1));
        assertThat(a.state().nextSeqNo()).isEqualTo(s.nextSeqNo());
        assertThat(a.state().trace()).isEqualTo(s.trace());

        assertThat(unchanged(a.state(), new Evict())).isEmpty();
    }

    @Test
    void evictWithEmptyTraceIsUnchanged() {
        CollectionState s = next(CollectionState.initial(), append(batch("a", 0, 0)));
        assertThat(unchanged(s, new Evict())).isEmpty();
    }

    // ---- ApplyTrim ----

    @Test
    void trimReplacesTheBatchKeepingItsSeqNoRange() {
        CollectionState s = drained(); // e[8..14] has SeqNo range [4, 5); trace upper {10}
        Applied a = changed(s, new ApplyTrim("e", new NewUnsealedBatch("e2", 10, 14, 60, 6)));

        CollectionState t = a.state();
        assertThat(keys(t.unsealed())).containsExactly("a", "b", "c", "d", "e2");
        assertThat(t.unsealed().get(4))
                .isEqualTo(new UnsealedBatchMeta("e2", new SeqNoRange(4, 5), 10, 14, 60, 6));
        assertThat(t.unsealed().subList(0, 4)).isEqualTo(s.unsealed().subList(0, 4));
        assertThat(t.nextSeqNo()).isEqualTo(s.nextSeqNo());
        assertThat(a.retired()).containsExactly("e");
        assertThat(t.retired()).containsExactly(new RetiredBlob("e", t.seqNo()));
    }

    @Test
    void trimOfAMissingOriginalIsUnchangedAndOrphansTheReplacement() {
        CollectionState s = drained();
        assertThat(
                        unchanged(
                                s,
                                new ApplyTrim(
                                        "gone", new NewUnsealedBatch("gone2", 10, 14, 60, 6))))
                .containsExactly("gone2");
    }

    @Test
    void trimPlannedBeforeTheTraceUpperMovedIsStale() {
        // A drain moved the trace upper past the replacement's first time: the result is stale.
        CollectionState s = drained();
        assertThat(unchanged(s, new ApplyTrim("c", new NewUnsealedBatch("c2", 9, 9, 60, 6))))
                .containsExactly("c2");
    }

    // ---- ApplyMerge of a pair ----

    /** Trace t1 [0,5), t2 [5,10), t3 [10,15), all level 0 since {0}; seal {20}, since {10}. */
    private static CollectionState threeTraceBatches() {
        CollectionState s = sealedAt(20);
        s = next(s, drain(traceBatch("t1", 0, 5, 0, 0)));
        s = next(s, drain(traceBatch("t2", 5, 10, 0, 0)));
        s = next(s, drain(traceBatch("t3", 10, 15, 0, 0)));
        return next(s, new AllowCompaction(Frontier.at(10)));
    }

    @Test
    void compactionReplacesTheAdjacentPairAndRetiresBoth() {
        CollectionState s = threeTraceBatches();
        Applied a =
                changed(
                        s,
                        new Transition.ApplyMerge(
                                List.of("t1", "t2"), traceBatch("m", 0, 10, 10, 1)));

        CollectionState c = a.state();
        assertThat(c.trace())
                .containsExactly(
                        new TraceBatchMeta("m", Description.of(0, 10, 10), 1, 200, 20),
                        new TraceBatchMeta("t3", Description.of(10, 15, 0), 0, 200, 20));
        assertThat(a.retired()).containsExactlyInAnyOrder("t1", "t2");
        assertThat(c.retired())
                .containsExactlyInAnyOrder(
                        new RetiredBlob("t1", c.seqNo()), new RetiredBlob("t2", c.seqNo()));
        assertThat(c.traceUpper()).isEqualTo(s.traceUpper());
    }

    @Test
    void stalePairIsUnchangedAndOrphansTheMerge() {
        CollectionState s = threeTraceBatches();
        CollectionState c =
                next(
                        s,
                        new Transition.ApplyMerge(
                                List.of("t1", "t2"), traceBatch("m", 0, 10, 10, 1)));

        assertThat(
                        unchanged(
                                c,
                                new Transition.ApplyMerge(
                                        List.of("t1", "t2"), traceBatch("m-again", 0, 10, 10, 1))))
                .containsExactly("m-again");
        assertThat(
                        unchanged(
                                s,
                                new Transition.ApplyMerge(
                                        List.of("t1", "t3"), traceBatch("m-apart", 0, 15, 10, 1))))
                .containsExactly("m-apart");
        assertThat(
                        unchanged(
                                s,
                                new Transition.ApplyMerge(
                                        List.of("t2", "t1"),
                                        traceBatch("m-swapped", 0, 10, 10, 1))))
                .containsExactly("m-swapped");
    }

    @Test
    void mergeWithASinceBelowItsInputsFails() {
        CollectionState s = threeTraceBatches();
        CollectionState c =
                next(
                        s,
                        new Transition.ApplyMerge(
                                List.of("t1", "t2"), traceBatch("m", 0, 10, 10, 1)));
        assertThatThrownBy(
                        () ->
                                Arrangement.apply(
                                        c,
                                        new Transition.ApplyMerge(
                                                List.of("m", "t3"), traceBatch("m2", 0, 15, 5, 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "Cannot apply merge: merged batch m2 describes [{0}, {15}) since {5}");
    }

    // ---- ApplyMerge ----

    @Test
    void mergeReplacesARunOfBatchesAndRetiresThemAll() {
        CollectionState s = next(threeTraceBatches(), new AllowCompaction(Frontier.at(15)));
        Applied a =
                changed(
                        s,
                        new Transition.ApplyMerge(
                                List.of("t1", "t2", "t3"), traceBatch("m", 0, 15, 15, 1)));
        assertThat(a.state().trace())
                .containsExactly(new TraceBatchMeta("m", Description.of(0, 15, 15), 1, 200, 20));
        assertThat(a.retired()).as("the newest first").containsExactly("t3", "t2", "t1");
        assertThat(a.state().retired())
                .extracting(RetiredBlob::key)
                .containsExactlyInAnyOrder("t1", "t2", "t3");
        assertThat(a.state().traceUpper()).isEqualTo(s.traceUpper());

        // A run inside the trace; the batch after it must not have a higher level.
        Applied middle =
                changed(
                        s,
                        new Transition.ApplyMerge(
                                List.of("t1", "t2"), traceBatch("m12", 0, 10, 10, 0)));
        assertThat(traceKeys(middle.state())).containsExactly("m12", "t3");
    }

    @Test
    void staleOrBrokenRunsAreUnchangedAndOrphanTheMerge() {
        CollectionState s = threeTraceBatches();
        CollectionState merged =
                next(
                        s,
                        new Transition.ApplyMerge(
                                List.of("t1", "t2"), traceBatch("m", 0, 10, 10, 1)));
        assertThat(
                        unchanged(
                                merged,
                                new Transition.ApplyMerge(
                                        List.of("t1", "t2"), traceBatch("m-again", 0, 10, 10, 1))))
                .containsExactly("m-again");
        assertThat(
                        unchanged(
                                s,
                                new Transition.ApplyMerge(
                                        List.of("t1", "t3"), traceBatch("m-gap", 0, 15, 10, 1))))
                .containsExactly("m-gap");
        assertThat(
                        unchanged(
                                s,
                                new Transition.ApplyMerge(
                                        List.of("t2", "t1"),
                                        traceBatch("m-swapped", 0, 10, 10, 1))))
                .containsExactly("m-swapped");
        // Merging t2, t3 at level 1 would sit after t1 at level 0 (I7): stale.
        assertThat(
                        unchanged(
                                s,
                                new Transition.ApplyMerge(
                                        List.of("t2", "t3"), traceBatch("m-high", 5, 15, 10, 1))))
                .containsExactly("m-high");
        // One batch rewritten alone, its times advanced to since: replaces it, same level.
        CollectionState one =
                changed(
                                s,
                                new Transition.ApplyMerge(
                                        List.of("t1"), traceBatch("m-one", 0, 5, 10, 0)))
                        .state();
        assertThat(one.trace().stream().map(TraceBatchMeta::key))
                .containsExactly("m-one", "t2", "t3");
        assertThatThrownBy(
                        () ->
                                new Transition.ApplyMerge(
                                        List.of(), traceBatch("m-none", 0, 5, 10, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("need at least one");
    }

    @Test
    void aMergeNotCoveringItsRunFails() {
        CollectionState s = threeTraceBatches();
        assertThatThrownBy(
                        () ->
                                Arrangement.apply(
                                        s,
                                        new Transition.ApplyMerge(
                                                List.of("t1", "t2"), traceBatch("m", 0, 8, 10, 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot apply merge: merged batch m describes [{0}, {8}) since {10}, which does not cover its inputs"
                                + " from [{0}, {5}) since {0} to [{5}, {10}) since {0} at or beyond their since");
    }

    // ---- ApplyMerge with a drain ----

    @Test
    void drainMergeReplacesTheTraceEndAndMovesTheTraceUpper() {
        // Trace t1 [0,5), t2 [5,10), t3 [10,15); seal {20}; since {20}.
        CollectionState s = next(threeTraceBatches(), new AllowCompaction(Frontier.at(20)));
        Applied a =
                changed(
                        s,
                        new Transition.ApplyMerge(
                                List.of("t2", "t3"),
                                Optional.of(
                                        new Transition.Drained(Frontier.at(15), Frontier.at(20))),
                                traceBatch("m", 5, 20, 20, 0)));
        assertThat(traceKeys(a.state())).containsExactly("t1", "m");
        assertThat(a.state().traceUpper()).isEqualTo(Frontier.at(20));
        assertThat(a.retired()).containsExactly("t3", "t2");

        Applied all =
                changed(
                        s,
                        new Transition.ApplyMerge(
                                List.of("t1", "t2", "t3"),
                                Optional.of(
                                        new Transition.Drained(Frontier.at(15), Frontier.at(18))),
                                traceBatch("m", 0, 18, 20, 1)));
        assertThat(all.state().trace())
                .containsExactly(new TraceBatchMeta("m", Description.of(0, 18, 20), 1, 200, 20));
    }

    @Test
    void staleOrBrokenDrainMergesAreRefused() {
        CollectionState s = next(threeTraceBatches(), new AllowCompaction(Frontier.at(20)));
        // Not the trace's end, a drain from the wrong lower, beyond the seal, a level above the
        // batch before.
        assertThat(
                        unchanged(
                                s,
                                new Transition.ApplyMerge(
                                        List.of("t1", "t2"),
                                        Optional.of(
                                                new Transition.Drained(
                                                        Frontier.at(15), Frontier.at(20))),
                                        traceBatch("x1", 0, 20, 20, 0))))
                .containsExactly("x1");
        assertThat(
                        unchanged(
                                s,
                                new Transition.ApplyMerge(
                                        List.of("t3"),
                                        Optional.of(
                                                new Transition.Drained(
                                                        Frontier.at(12), Frontier.at(20))),
                                        traceBatch("x2", 10, 20, 20, 0))))
                .containsExactly("x2");
        assertThat(
                        unchanged(
                                s,
                                new Transition.ApplyMerge(
                                        List.of("t3"),
                                        Optional.of(
                                                new Transition.Drained(
                                                        Frontier.at(15), Frontier.at(21))),
                                        traceBatch("x3", 10, 21, 20, 0))))
                .containsExactly("x3");
        assertThat(
                        unchanged(
                                s,
                                new Transition.ApplyMerge(
                                        List.of("t3"),
                                        Optional.of(
                                                new Transition.Drained(
                                                        Frontier.at(15), Frontier.at(20))),
                                        traceBatch("x4", 10, 20, 20, 1))))
                .containsExactly("x4");
        assertThatThrownBy(
                        () ->
                                Arrangement.apply(
                                        s,
                                        new Transition.ApplyMerge(
                                                List.of("t3"),
                                                Optional.of(
                                                        new Transition.Drained(
                                                                Frontier.at(15), Frontier.at(20))),
                                                traceBatch("x5", 10, 19, 20, 0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "Cannot apply drain and merge: merged batch x5 describes [{10}, {19}) since {20}");
        assertThatThrownBy(
                        () ->
                                new Transition.ApplyMerge(
                                        List.of(),
                                        Optional.of(
                                                new Transition.Drained(
                                                        Frontier.at(15), Frontier.at(20))),
                                        traceBatch("x6", 15, 20, 20, 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- ForgetRetired ----

    @Test
    void forgetRetiredRemovesOnlyTheNamedKeys() {
        CollectionState evicted = next(drained(), new Evict()); // retired a, c
        CollectionState s = next(evicted, new ForgetRetired(List.of("a", "not-retired")));
        assertThat(s.retired()).containsExactly(new RetiredBlob("c", evicted.seqNo()));
        assertThat(s.unsealed()).isEqualTo(evicted.unsealed());
        assertThat(s.trace()).isEqualTo(evicted.trace());

        assertThat(unchanged(s, new ForgetRetired(List.of("a", "b")))).isEmpty();
    }
}
