package io.flinkpersist;

import static io.flinkpersist.Rec.readAll;
import static io.flinkpersist.Rec.updates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.MergingCursor;
import io.flinkpersist.batch.UpdateBuffer;
import io.flinkpersist.blob.InMemoryBlobStore;
import io.flinkpersist.compaction.CompactionPolicy;
import io.flinkpersist.compaction.Maintainer;
import io.flinkpersist.compaction.MergePlan;
import io.flinkpersist.read.BatchCursors;
import io.flinkpersist.state.Arrangement;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.Description;
import io.flinkpersist.state.RetiredBlob;
import io.flinkpersist.state.SeqNoRange;
import io.flinkpersist.state.StateLog;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.Transition;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tests of the seed arrangement and of its surroundings (the conformance list in the reference
 * notes), re-expressed against this engine with the same expectations. Each error case of the seed
 * stays an error case; messages are this project's own.
 */
class SeedConformanceTest {

    private InMemoryBlobStore store;
    private PersistCollection c;

    @BeforeEach
    void setUp() throws IOException {
        store = new InMemoryBlobStore();
        // Uncompressed, so that batch sizes (and so compaction levels) are deterministic.
        c =
                PersistCollection.open(
                        store,
                        BatchWriteOptions.defaults()
                                .withCompression(BatchWriteOptions.Compression.UNCOMPRESSED));
    }

    private List<Rec> unsealedRange(long lo, Frontier hi) throws IOException {
        return readAll(
                new MergingCursor(BatchCursors.unsealedRange(store, c.state().unsealed(), lo, hi)));
    }

    private List<Rec> unsealedBatch(int index) throws IOException {
        return readAll(BatchCursors.openUnsealed(store, c.state().unsealed().get(index)));
    }

    private List<Rec> traceBatch(int index) throws IOException {
        return readAll(BatchCursors.openTrace(store, c.state().trace().get(index)));
    }

    private static List<String> keys(List<RetiredBlob> retired) {
        return retired.stream().map(RetiredBlob::key).collect(Collectors.toList());
    }

    @Test
    void appendTraceTsUpperInvariant() throws IOException {
        c.append(updates(Rec.of("k", "v", 1, 1)));
        c.seal(2);
        assertThat(c.drain()).isTrue();
        assertThat(c.state().traceUpper()).isEqualTo(Frontier.at(2));

        // A time below the trace upper (hence below the seal) is rejected...
        assertThatThrownBy(() -> c.append(updates(Rec.of("k", "v", 1, 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot append update at time 1: it is before the seal {2} (late update; write only times at or after the seal)");
        // ...a time equal to it is allowed.
        c.append(updates(Rec.of("k", "v", 2, 1)));
        // The drain adopted the first batch whole (its times all lay below the seal), so there is
        // nothing to evict: only the new batch is unsealed.
        assertThat(c.evict()).isFalse();
        assertThat(c.state().unsealed()).extracting(UnsealedBatchMeta::tsLower).containsExactly(2L);
    }

    @Test
    void lateBatchIsRejectedAtCommitToo() throws IOException {
        // A batch written before a concurrent seal fails at commit; the blob stays for the caller
        // to decide (garbage collection removes it once it is older than the grace period).
        Transition.NewUnsealedBatch batch =
                c.writeBatch(bufferOf(Rec.of("k", "v", 1, 1))).orElseThrow();
        PersistCollection other = PersistCollection.open(store.sharing());
        other.seal(5);
        assertThatThrownBy(() -> c.commitAppend(List.of(batch), Optional.empty(), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("time 1, before the seal {5}");
        assertThat(store.get(batch.key())).isPresent();
        assertThat(c.state().unsealed()).isEmpty();
    }

    private static UpdateBuffer bufferOf(Rec... recs) {
        UpdateBuffer b = new UpdateBuffer();
        for (Rec r : recs) {
            Update<byte[], byte[]> u = r.toUpdate();
            b.add(u.key(), u.value(), u.time(), u.diff());
        }
        return b;
    }

    @Test
    void appendDetectMinMaxTimes() throws IOException {
        c.append(updates(Rec.of("k", "v", 3, 1), Rec.of("k", "v", 2, 1)));
        UnsealedBatchMeta meta = c.state().unsealed().get(0);
        assertThat(meta.tsLower()).isEqualTo(2);
        assertThat(meta.tsUpper()).isEqualTo(3);
    }

    @Test
    void unsealedEvict() throws IOException {
        c.append(updates(Rec.of("k", "v", 0, 1)));
        c.append(updates(Rec.of("k", "v", 1, 1)));
        c.append(updates(Rec.of("k", "v", 0, 1), Rec.of("k", "v", 1, 1)));

        assertThat(unsealedRange(0, Frontier.closed()))
                .containsExactly(Rec.of("k", "v", 0, 2), Rec.of("k", "v", 1, 2));
        assertThat(c.state().unsealed())
                .extracting(
                        UnsealedBatchMeta::seqNos,
                        UnsealedBatchMeta::tsLower,
                        UnsealedBatchMeta::tsUpper)
                .containsExactly(
                        Tuple.tuple(new SeqNoRange(0, 1), 0L, 0L),
                        Tuple.tuple(new SeqNoRange(1, 2), 1L, 1L),
                        Tuple.tuple(new SeqNoRange(2, 3), 0L, 1L));

        // Nothing can be evicted yet.
        assertThat(c.evict()).isFalse();

        c.seal(1);
        String first = c.state().unsealed().get(0).key();
        assertThat(c.drain()).isTrue();
        // The first batch lay wholly below the seal: the drain adopted it as a run of the new
        // trace batch (moved, not rewritten), so it leaves the unsealed bucket without being
        // retired; the third straddled the seal, so its update at 0 was written as one more run.
        assertThat(c.state().trace().get(0).runCount()).isEqualTo(2);
        assertThat(c.state().trace().get(0).partKeys()).contains(first);
        assertThat(c.state().retired()).isEmpty();
        assertThat(c.evict()).isFalse();

        assertThat(unsealedRange(0, Frontier.closed()))
                .containsExactly(Rec.of("k", "v", 0, 1), Rec.of("k", "v", 1, 2));
        assertThat(c.state().unsealed())
                .extracting(UnsealedBatchMeta::seqNos)
                .containsExactly(new SeqNoRange(1, 2), new SeqNoRange(2, 3));

        // Removing everything from unsealed.
        c.seal(2);
        List<String> rest = c.state().unsealed().stream().map(UnsealedBatchMeta::key).toList();
        assertThat(c.drain()).isTrue();
        // The second batch is adopted; the third, wholly below the trace upper now, is evicted.
        assertThat(c.state().unsealed())
                .extracting(UnsealedBatchMeta::key)
                .containsExactly(rest.get(1));
        assertThat(c.evict()).isTrue();
        assertThat(keys(c.state().retired())).containsExactly(rest.get(1));
        assertThat(c.state().unsealed()).isEmpty();
        // Evicting at the same trace upper again changes nothing.
        assertThat(c.evict()).isFalse();
        assertThat(readAll(c.snapshot().readConsolidated()))
                .containsExactly(Rec.of("k", "v", 0, 2), Rec.of("k", "v", 1, 2));
    }

    @Test
    void unsealedSnapshotRanges() throws IOException {
        List<Rec> all = List.of(Rec.of("k", "v", 3, 1), Rec.of("k", "v", 5, 1));
        c.append(updates(all.toArray(new Rec[0])));

        assertThat(unsealedRange(0, Frontier.closed())).isEqualTo(all);
        assertThat(unsealedRange(0, Frontier.at(6))).isEqualTo(all);
        assertThat(unsealedRange(0, Frontier.at(2))).isEmpty();
        assertThat(unsealedRange(6, Frontier.closed())).isEmpty();
        assertThat(unsealedRange(6, Frontier.at(8))).isEmpty();
        // lo == hi
        assertThat(unsealedRange(3, Frontier.at(3))).isEmpty();
        // hi < lo is an error
        assertThatThrownBy(() -> unsealedRange(4, Frontier.at(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot read unsealed range: upper {3} is before lower {4}");
        // lo == batch min, hi == batch max + 1
        assertThat(unsealedRange(3, Frontier.at(6))).isEqualTo(all);
        assertThat(unsealedRange(3, Frontier.at(4))).isEqualTo(all.subList(0, 1));
        assertThat(unsealedRange(4, Frontier.at(5))).isEmpty();
        assertThat(unsealedRange(5, Frontier.at(6))).isEqualTo(all.subList(1, 2));
    }

    @Test
    void unsealedBatchTrim() throws IOException {
        c.append(updates(Rec.of("k", "v", 0, 1), Rec.of("k", "v", 1, 1), Rec.of("k", "v", 2, 1)));
        SeqNoRange range = c.state().unsealed().get(0).seqNos();
        c.seal(1);
        // Sealing moves no data.
        assertThat(unsealedBatch(0)).hasSize(3);

        assertThat(c.drain()).isTrue();
        assertThat(c.evict()).isFalse();
        String before = c.state().unsealed().get(0).key();
        assertThat(c.trim()).isTrue();

        assertThat(unsealedBatch(0))
                .containsExactly(Rec.of("k", "v", 1, 1), Rec.of("k", "v", 2, 1));
        UnsealedBatchMeta after = c.state().unsealed().get(0);
        assertThat(after.seqNos()).isEqualTo(range);
        assertThat(after.tsLower()).isEqualTo(1);
        assertThat(after.tsUpper()).isEqualTo(2);
        assertThat(after.key()).isNotEqualTo(before);
        assertThat(keys(c.state().retired())).containsExactly(before);
        // Nothing left to trim.
        assertThat(c.trim()).isFalse();
    }

    private static CollectionState stateWithTrace0To10Since5() {
        return CollectionState.builder()
                .seal(Frontier.at(10))
                .since(Frontier.at(5))
                .trace(List.of(new TraceBatchMeta("key1", Description.of(0, 10, 5), 1, 100, 1)))
                .build()
                .validate();
    }

    @Test
    void allowCompaction() {
        CollectionState s = stateWithTrace0To10Since5();
        // Advance.
        s = Arrangement.apply(s, new Transition.AllowCompaction(Frontier.at(6))).state();
        assertThat(s.since()).isEqualTo(Frontier.at(6));
        // Repeat.
        Arrangement.Applied same =
                Arrangement.apply(s, new Transition.AllowCompaction(Frontier.at(6)));
        assertThat(same.changed()).isFalse();
        // Regress.
        CollectionState at6 = s;
        assertThatThrownBy(
                        () ->
                                Arrangement.apply(
                                        at6, new Transition.AllowCompaction(Frontier.at(5))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot allow compaction to {5}: it is before the current since {6} (since only advances)");
        // To the seal, and beyond it.
        assertThat(
                        Arrangement.apply(s, new Transition.AllowCompaction(Frontier.at(10)))
                                .state()
                                .since())
                .isEqualTo(Frontier.at(10));
        assertThat(
                        Arrangement.apply(s, new Transition.AllowCompaction(Frontier.at(11)))
                                .state()
                                .since())
                .isEqualTo(Frontier.at(11));
    }

    @Test
    void traceSeal() {
        CollectionState s = stateWithTrace0To10Since5();
        s = Arrangement.apply(s, new Transition.Seal(Frontier.at(11))).state();
        assertThat(s.seal()).isEqualTo(Frontier.at(11));
        assertThat(Arrangement.apply(s, new Transition.Seal(Frontier.at(11))).changed()).isFalse();
        CollectionState at11 = s;
        assertThatThrownBy(() -> Arrangement.apply(at11, new Transition.Seal(Frontier.at(10))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot seal collection at {10}: it is before the current seal {11} (the seal only advances)");
    }

    /** Builds the seed's trace [0,1) {k@0, k2@0}, [1,3) {k@2, k3@2}, [3,9) {k@5} through drains. */
    private void traceOfThreeBatches() throws IOException {
        c.append(updates(Rec.of("k", "v", 0, 1), Rec.of("k2", "v2", 0, 1)));
        c.seal(1);
        assertThat(c.drain()).isTrue();
        c.append(updates(Rec.of("k", "v", 2, 1), Rec.of("k3", "v3", 2, 1)));
        c.seal(3);
        assertThat(c.drain()).isTrue();
        c.append(updates(Rec.of("k", "v", 5, 1)));
        c.seal(9);
        assertThat(c.drain()).isTrue();
        assertThat(c.state().trace())
                .extracting(TraceBatchMeta::desc)
                .containsExactly(
                        Description.of(0, 1, 0), Description.of(1, 3, 0), Description.of(3, 9, 0));
    }

    @Test
    void traceCompact() throws IOException {
        traceOfThreeBatches();
        c.seal(10);
        List<TraceBatchMeta> before = c.state().trace();
        c.allowCompaction(3);
        assertThat(c.compact()).isTrue();
        // The two merged inputs are retired, the newer first.
        assertThat(keys(c.state().retired()))
                .containsExactly(before.get(1).key(), before.get(0).key());
        // Nothing more to compact.
        assertThat(c.compact()).isFalse();

        assertThat(c.state().trace())
                .extracting(TraceBatchMeta::desc, TraceBatchMeta::level)
                .containsExactly(
                        Tuple.tuple(Description.of(0, 3, 3), 1),
                        Tuple.tuple(Description.of(3, 9, 0), 0));
        assertThat(traceBatch(0))
                .containsExactly(
                        Rec.of("k", "v", 3, 2), Rec.of("k2", "v2", 3, 1), Rec.of("k3", "v3", 3, 1));
        assertThat(traceBatch(1)).containsExactly(Rec.of("k", "v", 5, 1));
        assertThat(c.state().since()).isEqualTo(Frontier.at(3));
        assertThat(c.state().traceUpper()).isEqualTo(Frontier.at(9));
        assertThat(readAll(c.snapshot().readConsolidated()))
                .containsExactly(
                        Rec.of("k", "v", 3, 2),
                        Rec.of("k", "v", 5, 1),
                        Rec.of("k2", "v2", 3, 1),
                        Rec.of("k3", "v3", 3, 1));

        c.append(updates(Rec.of("k", "v", 10, 1)));
        c.seal(11);
        assertThat(c.drain()).isTrue();
        assertThat(c.state().trace().get(2).desc()).isEqualTo(Description.of(9, 11, 0));
        List<TraceBatchMeta> beforeSecond = c.state().trace();
        c.allowCompaction(11);
        assertThat(c.compact()).isTrue();
        assertThat(keys(c.state().retired()).subList(2, 4))
                .containsExactly(beforeSecond.get(2).key(), beforeSecond.get(1).key());
        // The merge holds no more updates than both inputs, so it keeps level 0.
        assertThat(c.state().trace())
                .extracting(TraceBatchMeta::desc, TraceBatchMeta::level)
                .containsExactly(
                        Tuple.tuple(Description.of(0, 3, 3), 1),
                        Tuple.tuple(Description.of(3, 11, 11), 0));
        assertThat(traceBatch(1)).containsExactly(Rec.of("k", "v", 11, 2));
        assertThat(readAll(c.snapshot().readConsolidated()))
                .containsExactly(
                        Rec.of("k", "v", 11, 4),
                        Rec.of("k2", "v2", 11, 1),
                        Rec.of("k3", "v3", 11, 1));
    }

    @Test
    void compactionBeyondUpper() throws IOException {
        c.append(updates(Rec.of("k1", "v1", 0, 1), Rec.of("k2", "v2", 1, 1)));
        c.seal(2);
        assertThat(c.drain()).isTrue();
        c.seal(10);
        c.append(updates(Rec.of("k3", "v3", 10, 1), Rec.of("k4", "v4", 11, 1)));
        // Since beyond the seal.
        c.allowCompaction(30);

        List<Rec> expected =
                List.of(
                        Rec.of("k1", "v1", 30, 1),
                        Rec.of("k2", "v2", 30, 1),
                        Rec.of("k3", "v3", 30, 1),
                        Rec.of("k4", "v4", 30, 1));
        assertThat(c.snapshot().since()).isEqualTo(Frontier.at(30));
        assertThat(c.snapshot().seal()).isEqualTo(Frontier.at(10));
        assertThat(readAll(c.snapshot().readConsolidated())).isEqualTo(expected);
        assertThat(readAll(c.snapshot().readRaw())).isEqualTo(expected);

        c.maintainUntilIdle();
        assertThat(c.snapshot().seal()).isEqualTo(Frontier.at(10));
        assertThat(readAll(c.snapshot().readConsolidated())).isEqualTo(expected);
    }

    @Test
    void compactTrace() throws IOException {
        c.append(updates(Rec.of("k", "v", 0, 1), Rec.of("k2", "v2", 0, 1)));
        c.seal(1);
        c.drain();
        c.append(updates(Rec.of("k", "v", 2, 1), Rec.of("k3", "v3", 2, 1)));
        c.seal(3);
        c.drain();
        c.allowCompaction(2);
        // The policy waits until both batches lie wholly before since...
        assertThat(CompactionPolicy.DEFAULT.pick(c.state())).isEmpty();
        // ...but a merge at since 2 is well defined: [0,1) + [1,3) gives [0,3) since 2.
        List<TraceBatchMeta> t = c.state().trace();
        Maintainer m = new Maintainer(store, BatchWriteOptions.defaults());
        Transition.ApplyMerge result =
                m.merge(MergePlan.of(List.of(t.get(0), t.get(1)), Frontier.at(2)));
        assertThat(result.merged().desc()).isEqualTo(Description.of(0, 3, 2));
        assertThat(result.merged().level()).isEqualTo(1);
        assertThat(readAll(BatchReader.open(store, result.merged().key())))
                .containsExactly(
                        Rec.of("k", "v", 2, 2), Rec.of("k2", "v2", 2, 1), Rec.of("k3", "v3", 2, 1));
        CollectionState applied = new StateLog(store).commit(c.state(), result).latest();
        assertThat(applied.trace())
                .extracting(TraceBatchMeta::desc)
                .containsExactly(Description.of(0, 3, 2));
    }

    @Test
    void compactionConsolidatesRetractions() throws IOException {
        c.append(updates(Rec.of("k", "v", 0, 1), Rec.of("k2", "v2", 0, 1)));
        c.seal(1);
        c.drain();
        c.append(updates(Rec.of("k", "v", 1, -1), Rec.of("k3", "v3", 2, 1)));
        c.seal(3);
        c.drain();
        c.allowCompaction(3);
        assertThat(c.compact()).isTrue();
        // k@0 +1 and k@1 -1 both advance to 3 and cancel.
        assertThat(traceBatch(0))
                .containsExactly(Rec.of("k2", "v2", 3, 1), Rec.of("k3", "v3", 3, 1));
    }

    @Test
    void compactTraceErrors() throws IOException {
        traceOfThreeBatches();
        c.allowCompaction(9);
        List<TraceBatchMeta> t = c.state().trace();
        Maintainer m = new Maintainer(store, BatchWriteOptions.defaults());
        // Not consecutive.
        assertThatThrownBy(() -> m.merge(MergePlan.of(List.of(t.get(0), t.get(2)), Frontier.at(9))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "they are not consecutive (first=[{0}, {1}) since {0}, second=[{3}, {9}) since {0})");
        // Overlapping (a batch with itself).
        assertThatThrownBy(() -> m.merge(MergePlan.of(List.of(t.get(1), t.get(1)), Frontier.at(9))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not consecutive");
        // Output since below an input's since.
        TraceBatchMeta compacted = new TraceBatchMeta("x", Description.of(0, 1, 5), 0, 10, 1);
        assertThatThrownBy(
                        () -> m.merge(MergePlan.of(List.of(compacted, t.get(1)), Frontier.at(4))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "the output since {4} must be a time at or after both input sinces ({5}, {0})");
    }

    @Test
    void staleCompactionResultIsANoOp() throws IOException {
        traceOfThreeBatches();
        c.allowCompaction(9);
        Maintainer m = new Maintainer(store, BatchWriteOptions.defaults());
        MergePlan plan = CompactionPolicy.DEFAULT.pick(c.state()).orElseThrow();
        Transition.ApplyMerge stale = m.merge(plan);
        // Another handle compacts the same pair first.
        PersistCollection other = PersistCollection.open(store.sharing());
        assertThat(other.compact()).isTrue();
        c.refresh();
        CollectionState before = c.state();
        StateLog log = new StateLog(store);
        StateLog.Committed result = log.commit(before, stale);
        assertThat(result.applied().changed()).isFalse();
        assertThat(result.applied().orphaned()).containsExactly(stale.merged().key());
        assertThat(c.refresh()).isEqualTo(before);
    }

    @Test
    void batchSorting() throws IOException {
        c.append(
                updates(
                        Rec.of("b", "v", 3, 1),
                        Rec.of("a", "z", 1, 1),
                        Rec.of("a", "a", 2, 1),
                        Rec.of("a", "a", 1, 1)));
        List<Rec> sorted =
                List.of(
                        Rec.of("a", "a", 1, 1),
                        Rec.of("a", "a", 2, 1),
                        Rec.of("a", "z", 1, 1),
                        Rec.of("b", "v", 3, 1));
        // Unsealed batches are stored sorted, too.
        assertThat(unsealedBatch(0)).isEqualTo(sorted);
        c.seal(4);
        c.drain();
        assertThat(traceBatch(0)).isEqualTo(sorted);
        assertThat(BatchReader.readFooter(store, c.state().trace().get(0).key()).totalRows())
                .isEqualTo(4);
    }

    @Test
    void batchConsolidation() throws IOException {
        c.append(updates(Rec.of("1", "", 1, 1), Rec.of("1", "", 1, 1)));
        c.append(updates(Rec.of("1", "", 1, 1), Rec.of("1", "", 1, 1)));
        assertThat(unsealedBatch(0)).containsExactly(Rec.of("1", "", 1, 2));
        c.seal(2);
        c.drain();
        assertThat(traceBatch(0)).containsExactly(Rec.of("1", "", 1, 4));
    }

    @Test
    void regression8303SnapshotAdvanceSince() throws IOException {
        c.append(updates(Rec.of("k", "v", 1, 1), Rec.of("k", "v", 2, 1), Rec.of("j", "v", 5, 1)));
        c.seal(4);
        c.drain();
        c.allowCompaction(3);
        // No compaction has run; reads still advance times to since.
        assertThat(CompactionPolicy.DEFAULT.pick(c.state())).isEmpty();
        assertThat(readAll(c.snapshot().readConsolidated()))
                .containsExactly(Rec.of("j", "v", 5, 1), Rec.of("k", "v", 3, 2));
    }
}
