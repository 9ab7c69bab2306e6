package io.flinkpersist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.batch.UpdateBuffer;
import io.flinkpersist.blob.LocalFileBlobStore;
import io.flinkpersist.state.CollectionLayout;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.CommitConflictException;
import io.flinkpersist.state.StateLog;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import io.flinkpersist.state.Transition.WriterToken;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two committers, each with its own store handle on one local directory (as two processes would
 * have), race for 1,000 commits. Every version is won by exactly one of them, and every commit that
 * reported success is in the final state exactly once; replays of a committed checkpoint change
 * nothing.
 */
class FencingTest {

    private static final int COMMITS_PER_WRITER = 500;

    @TempDir Path dir;

    @Test
    void racingCommittersEachWinEveryVersionOnce() throws Exception {
        PersistCollection.open(new LocalFileBlobStore(dir)).close();
        CyclicBarrier start = new CyclicBarrier(2);
        AtomicInteger replays = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<List<String>>> results = new ArrayList<>();
        for (String writer : List.of("writer-a", "writer-b")) {
            results.add(
                    pool.submit(
                            () -> {
                                List<String> acknowledged = new ArrayList<>();
                                PersistCollection c =
                                        PersistCollection.open(new LocalFileBlobStore(dir));
                                start.await();
                                for (int i = 1; i <= COMMITS_PER_WRITER; i++) {
                                    String value = writer + "-" + i;
                                    Update<byte[], byte[]> u =
                                            Update.of(
                                                    ("key-" + (i % 17))
                                                            .getBytes(StandardCharsets.UTF_8),
                                                    value.getBytes(StandardCharsets.UTF_8),
                                                    i,
                                                    1);
                                    UpdateBuffer buffer = new UpdateBuffer();
                                    buffer.add(u.key(), u.value(), u.time(), u.diff());
                                    NewUnsealedBatch batch = c.writeBatch(buffer).orElseThrow();
                                    WriterToken token = new WriterToken(writer, i);
                                    try {
                                        c.commitAppend(
                                                List.of(batch),
                                                Optional.empty(),
                                                Optional.of(token));
                                        acknowledged.add(value);
                                    } catch (CommitConflictException e) {
                                        // Reported as not committed: it must not appear.
                                    }
                                    if (i % 10 == 0) {
                                        // A replay of the same checkpoint (e.g. after a restore) is
                                        // a no-op.
                                        long before = c.refresh().seqNo();
                                        c.commitAppend(
                                                List.of(batch),
                                                Optional.empty(),
                                                Optional.of(token));
                                        replays.incrementAndGet();
                                        assertThat(c.state().writers().get(writer)).isEqualTo(i);
                                        assertThat(c.state().seqNo())
                                                .isGreaterThanOrEqualTo(before);
                                    }
                                }
                                return acknowledged;
                            }));
        }
        List<String> acknowledged = new ArrayList<>();
        for (Future<List<String>> f : results) {
            acknowledged.addAll(f.get());
        }
        pool.shutdown();

        LocalFileBlobStore store = new LocalFileBlobStore(dir);
        StateLog log = new StateLog(store);
        CollectionState last = log.readLatest().orElseThrow();
        // One record per version, each the successor of the previous one: exactly one winner each.
        CollectionState prev = log.readRecord(0).orElseThrow();
        int versions = 0;
        for (long v = 1; v <= last.seqNo(); v++) {
            CollectionState next = log.readRecord(v).orElseThrow();
            prev.validateSuccessor(next);
            assertThat(next.unsealed().size()).isEqualTo(prev.unsealed().size() + 1);
            prev = next;
            versions++;
        }
        assertThat(store.list(CollectionLayout.STATE_PREFIX)).hasSize(versions + 1);
        assertThat(versions).isEqualTo(acknowledged.size());
        assertThat(last.writers())
                .containsEntry("writer-a", (long) COMMITS_PER_WRITER)
                .containsEntry("writer-b", (long) COMMITS_PER_WRITER);

        Map<String, Long> counts = new HashMap<>();
        for (Rec r : Rec.readAll(PersistCollection.open(store).snapshot().readRaw())) {
            counts.merge(r.value(), r.diff(), Long::sum);
        }
        for (String value : acknowledged) {
            assertThat(counts.get(value)).as("acknowledged %s", value).isEqualTo(1L);
        }
        assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(acknowledged);
        assertThat(acknowledged).hasSize(2 * COMMITS_PER_WRITER);
        assertThat(Collections.frequency(acknowledged, "writer-a-1")).isEqualTo(1);
        System.out.println("FencingTest: " + versions + " versions, " + replays.get() + " replays");
    }
}
