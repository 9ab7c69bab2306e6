package io.flinkpersist;

import static io.flinkpersist.Rec.updates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.batch.BatchCache;
import io.flinkpersist.batch.UpdateBuffer;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobInfo;
import io.flinkpersist.blob.BlobNotFoundException;
import io.flinkpersist.blob.BlobReader;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.BlobWriter;
import io.flinkpersist.blob.CorruptBlobException;
import io.flinkpersist.blob.InMemoryBlobStore;
import io.flinkpersist.blob.OutcomeUnknownException;
import io.flinkpersist.state.CollectionLayout;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.Description;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import io.flinkpersist.state.Transition.WriterToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PersistCollectionTest {

    @Test
    void twoHandlesCommitThroughCompareAndSet() throws IOException {
        InMemoryBlobStore store = new InMemoryBlobStore();
        PersistCollection a = PersistCollection.open(store);
        PersistCollection b = PersistCollection.open(store.sharing());
        // Neither handle refreshes: each commit after the first loses the race once and re-applies.
        for (int i = 0; i < 20; i++) {
            a.append(updates(Rec.of("a", "v", i, 1)));
            b.append(updates(Rec.of("b", "v", i, 1)));
        }
        a.seal(10);
        assertThatThrownBy(() -> b.seal(5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("before the current seal {10}");
        CollectionState s = b.refresh();
        assertThat(s.seqNo()).isEqualTo(41);
        assertThat(s.unsealed()).hasSize(40);
        assertThat(Rec.readAll(b.snapshot().readConsolidated())).hasSize(40);
    }

    @Test
    void replayedWriterCommitIsANoOp() throws IOException {
        PersistCollection c = PersistCollection.open(new InMemoryBlobStore());
        NewUnsealedBatch batch = c.writeBatch(buffer(Rec.of("k", "v", 3, 1))).orElseThrow();
        WriterToken token = new WriterToken("sink-1", 7);
        c.commitAppend(List.of(batch), Optional.of(Frontier.at(2)), Optional.of(token));
        CollectionState after = c.state();
        // Replaying checkpoint 7 (or an older one) changes nothing and keeps the batch.
        assertThat(c.commitAppend(List.of(batch), Optional.of(Frontier.at(2)), Optional.of(token)))
                .isEqualTo(after);
        assertThat(
                        c.commitAppend(
                                List.of(),
                                Optional.empty(),
                                Optional.of(new WriterToken("sink-1", 6))))
                .isEqualTo(after);
        assertThat(c.store().get(batch.key())).isPresent();
        assertThat(after.writers()).containsEntry("sink-1", 7L);
        assertThat(after.seal()).isEqualTo(Frontier.at(2));
    }

    @Test
    void aMissingBatchIsNeverCommittedButAReplayOfOneIsANoOp() throws IOException {
        PersistCollection c = PersistCollection.open(new InMemoryBlobStore());
        NewUnsealedBatch batch = c.writeBatch(buffer(Rec.of("k", "v", 3, 1))).orElseThrow();
        WriterToken token = new WriterToken("sink-1", 1);
        c.commitAppend(List.of(batch), Optional.empty(), Optional.of(token));
        NewUnsealedBatch lost = c.writeBatch(buffer(Rec.of("k", "v", 4, 1))).orElseThrow();
        c.store().delete(lost.key());
        long before = c.state().seqNo();
        assertThatThrownBy(
                        () ->
                                c.commitAppend(
                                        List.of(lost),
                                        Optional.empty(),
                                        Optional.of(new WriterToken("sink-1", 2))))
                .isInstanceOf(BlobNotFoundException.class)
                .hasMessageContaining(lost.key());
        assertThat(c.refresh().seqNo()).isEqualTo(before);
        // Replaying checkpoint 1 after its batch was compacted away and collected is still a no-op.
        c.seal(10);
        c.maintainUntilIdle();
        // The drain adopted the batch into the trace; a rewrite at a later since retires it.
        c.allowCompaction(10);
        assertThat(c.compactTrace()).isTrue();
        c.collectGarbage();
        assertThat(c.store().get(batch.key())).isEmpty();
        assertThat(c.commitAppend(List.of(batch), Optional.empty(), Optional.of(token)).seqNo())
                .isEqualTo(c.state().seqNo());
    }

    @Test
    void emptyAppendCommitsNothing() throws IOException {
        PersistCollection c = PersistCollection.open(new InMemoryBlobStore());
        long before = c.state().seqNo();
        c.append(updates(Rec.of("k", "v", 1, 1), Rec.of("k", "v", 1, -1)));
        assertThat(c.state().seqNo()).isEqualTo(before);
        assertThat(c.store().list("batches/")).isEmpty();
    }

    @Test
    void commitWithUnknownOutcomeIsResolvedByReadingBack() throws IOException {
        TestingFlakyStateStore store = new TestingFlakyStateStore(new InMemoryBlobStore());
        PersistCollection c = PersistCollection.open(store);
        // The put lands, but the caller is told the outcome is unknown.
        store.failNextStatePut(true);
        c.append(updates(Rec.of("k", "v", 1, 1)));
        // The put does not land, and the caller is told the outcome is unknown.
        store.failNextStatePut(false);
        c.seal(5);
        CollectionState s = PersistCollection.open(store.inner.sharing()).state();
        assertThat(s.seqNo()).isEqualTo(2);
        assertThat(s.unsealed()).hasSize(1);
        assertThat(s.seal()).isEqualTo(Frontier.at(5));
    }

    @Test
    void snapshotsReadThroughTheCache() throws IOException {
        BatchCache cache = new BatchCache(1 << 20);
        PersistCollection c =
                PersistCollection.open(
                        new InMemoryBlobStore(), CollectionConfig.defaults().withCache(cache));
        c.append(updates(Rec.of("a", "v", 1, 1), Rec.of("b", "v", 2, 1)));
        c.seal(2);
        c.drain();
        c.append(updates(Rec.of("c", "v", 3, 1)));
        List<Rec> first = Rec.readAll(c.snapshot().readConsolidated());
        assertThat(cache.misses()).isEqualTo(3);
        assertThat(cache.hits()).isZero();
        List<Rec> second = Rec.readAll(c.snapshot().readConsolidated());
        assertThat(second).isEqualTo(first).hasSize(3);
        assertThat(cache.hits()).isEqualTo(3);
        assertThat(cache.entryCount()).isEqualTo(3);
    }

    @Test
    void corruptOrMissingFilesFailWithTypedErrorsNamingThem() throws IOException {
        InMemoryBlobStore store = new InMemoryBlobStore();
        PersistCollection c = PersistCollection.open(store);
        c.append(updates(Rec.of("a", "v", 1, 1)));
        c.append(updates(Rec.of("b", "v", 1, 1)));
        String first = c.state().unsealed().get(0).key();
        String second = c.state().unsealed().get(1).key();
        String latest = CollectionLayout.stateKey(c.state().seqNo());

        // A batch cut short.
        byte[] bytes = store.get(first).orElseThrow();
        store.corrupt(first, Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> Rec.readAll(c.snapshot().readConsolidated()))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageContaining(first);
        // A missing batch.
        store.corrupt(first, bytes);
        store.delete(second);
        assertThatThrownBy(() -> Rec.readAll(c.snapshot().readConsolidated()))
                .isInstanceOf(BlobNotFoundException.class)
                .hasMessageContaining(second);
        // A truncated state record: the collection does not open rather than open at an older
        // state.
        byte[] record = store.get(latest).orElseThrow();
        store.corrupt(latest, Arrays.copyOf(record, record.length - 3));
        assertThatThrownBy(() -> PersistCollection.open(store.sharing()))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageStartingWith(
                        "Cannot decode blob " + latest + ": state record checksum mismatch");
    }

    @Test
    void compactTraceMergesEverythingBeforeSinceIntoOneBatchInOnePass() throws IOException {
        PersistCollection c = PersistCollection.open(new InMemoryBlobStore());
        Random random = new Random(3);
        for (int t = 0; t < 12; t++) {
            Rec[] recs = new Rec[60];
            for (int i = 0; i < recs.length; i++) {
                recs[i] =
                        Rec.of(
                                "k" + random.nextInt(40),
                                "v" + random.nextInt(3),
                                t,
                                random.nextInt(3) == 0 ? -1 : 1);
            }
            c.append(updates(recs));
            c.seal(t + 1);
            c.maintainUntilIdle(); // one level-0 batch per seal: since is still 0, nothing
            // is merged
        }
        c.allowCompaction(8);
        c.compact();
        c.compact(); // some level 1 batches before the level 0 ones
        CollectionState before = c.refresh();
        assertThat(before.trace().stream().map(TraceBatchMeta::level).distinct().count())
                .isGreaterThan(1);
        Map<String, Long> contents = sums(c.snapshot().readConsolidated());

        assertThat(c.compactTrace()).isTrue();
        CollectionState after = c.state();
        after.validate();
        assertThat(after.seqNo()).as("one commit").isEqualTo(before.seqNo() + 1);
        List<TraceBatchMeta> trace = after.trace();
        assertThat(trace).hasSize(5);
        assertThat(trace.get(0).level()).isGreaterThanOrEqualTo(before.trace().get(0).level());
        assertThat(after.retired()).hasSize(before.retired().size() + before.trace().size() - 4);
        assertThat(trace.get(0).desc().lower()).isEqualTo(Frontier.at(0));
        assertThat(trace.get(0).desc().upper()).isEqualTo(Frontier.at(8));
        assertThat(trace.subList(1, 5))
                .as("batches not wholly before since stay")
                .isEqualTo(
                        before.trace().subList(before.trace().size() - 4, before.trace().size()));
        for (int i = 1; i < trace.size(); i++) {
            assertThat(trace.get(i).level())
                    .as("levels are non-increasing (I7)")
                    .isLessThanOrEqualTo(trace.get(i - 1).level());
        }
        assertThat(sums(c.snapshot().readConsolidated())).isEqualTo(contents);
        assertThat(c.compactTrace()).isFalse();
    }

    @Test
    void compactTraceDrainsWhatIsSealedIntoTheSamePass() throws IOException {
        PersistCollection c = PersistCollection.open(new InMemoryBlobStore());
        Random random = new Random(4);
        for (int t = 0; t < 6; t++) {
            Rec[] recs = new Rec[40];
            for (int i = 0; i < recs.length; i++) {
                recs[i] =
                        Rec.of(
                                "k" + random.nextInt(30),
                                "v" + random.nextInt(2),
                                10 * t + random.nextInt(15),
                                random.nextInt(3) == 0 ? -1 : 1);
            }
            c.append(updates(recs));
            c.seal(10 * t + 10);
            if (t < 4) {
                c.maintainUntilIdle();
            }
        }
        c.allowCompaction(60);
        CollectionState before = c.refresh();
        assertThat(before.traceUpper()).isEqualTo(Frontier.at(40));
        assertThat(before.trace()).hasSizeGreaterThan(1);
        Map<String, Long> contents = sums(c.snapshot().readConsolidated());

        assertThat(c.compactTrace()).isTrue();
        CollectionState after = c.state();
        after.validate();
        assertThat(after.seqNo()).as("one commit").isEqualTo(before.seqNo() + 1);
        assertThat(after.trace())
                .singleElement()
                .satisfies(b -> assertThat(b.desc()).isEqualTo(Description.of(0, 60, 60)));
        assertThat(sums(c.snapshot().readConsolidated())).isEqualTo(contents);
        // The unsealed batches now below the trace upper go with the next evict and trim.
        assertThat(c.drainUntilIdle()).isTrue();
        assertThat(c.state().unsealed())
                .allSatisfy(b -> assertThat(b.tsLower()).isGreaterThanOrEqualTo(60));
        assertThat(sums(c.snapshot().readConsolidated())).isEqualTo(contents);
        assertThat(c.compactTrace()).isFalse();
    }

    private static Map<String, Long> sums(UpdateCursor cursor) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        for (Rec r : Rec.readAll(cursor)) {
            out.merge(r.key() + "/" + r.value(), r.diff(), Long::sum);
        }
        out.values().removeIf(d -> d == 0);
        return out;
    }

    @Test
    void invalidNamesAreRejected() {
        assertThatThrownBy(() -> PersistCollection.open(Path.of("/tmp"), "../x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Invalid collection name '../x'");
    }

    private static UpdateBuffer buffer(Rec... recs) {
        UpdateBuffer b = new UpdateBuffer();
        for (Rec r : recs) {
            Update<byte[], byte[]> u = r.toUpdate();
            b.add(u.key(), u.value(), u.time(), u.diff());
        }
        return b;
    }

    /**
     * Fails the next put of a state record with an unknown outcome, after or before applying it.
     */
    private static final class TestingFlakyStateStore implements BlobStore {
        final InMemoryBlobStore inner;
        private Boolean failNext;

        TestingFlakyStateStore(InMemoryBlobStore inner) {
            this.inner = inner;
        }

        void failNextStatePut(boolean applied) {
            failNext = applied;
        }

        @Override
        public void putIfAbsent(String key, byte[] data) throws IOException {
            if (failNext != null && key.startsWith("state/")) {
                boolean applied = failNext;
                failNext = null;
                if (applied) {
                    inner.putIfAbsent(key, data);
                }
                throw new OutcomeUnknownException("Cannot put " + key + ": connection lost", null);
            }
            inner.putIfAbsent(key, data);
        }

        @Override
        public Optional<byte[]> get(String key) {
            return inner.get(key);
        }

        @Override
        public BlobWriter create(String key) {
            return inner.create(key);
        }

        @Override
        public BlobReader open(String key) throws IOException {
            return inner.open(key);
        }

        @Override
        public boolean delete(String key) {
            return inner.delete(key);
        }

        @Override
        public List<BlobInfo> list(String prefix) {
            return inner.list(prefix);
        }

        @Override
        public String describe() {
            return "flaky " + inner.describe();
        }

        @Override
        public void close() {}
    }
}
