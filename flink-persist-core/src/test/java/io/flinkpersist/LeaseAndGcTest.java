package io.flinkpersist;

import static io.flinkpersist.Rec.updates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobInfo;
import io.flinkpersist.blob.InMemoryBlobStore;
import io.flinkpersist.blob.LocalFileBlobStore;
import io.flinkpersist.gc.GcReport;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.state.CollectionLayout;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.LeaseExpiredException;
import io.flinkpersist.state.StateLog;
import io.flinkpersist.testing.TestingClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaseAndGcTest {

    private static final Duration LEASE = Duration.ofMinutes(1);
    private static final Duration GRACE = Duration.ofMinutes(10);

    private TestingClock clock;
    private InMemoryBlobStore store;
    private CollectionConfig config;
    private PersistCollection c;

    @BeforeEach
    void setUp() throws IOException {
        clock = new TestingClock(1_000_000);
        store = new InMemoryBlobStore("memory", clock::millis);
        config =
                CollectionConfig.defaults()
                        .withClock(clock)
                        .withLeaseDuration(LEASE)
                        .withGcGracePeriod(GRACE)
                        .withRetainedStateRecords(20);
        c = PersistCollection.open(store, config);
    }

    /**
     * Appends round {@code i}: 20 new keys at time i, sealed and drained, since following the seal.
     */
    private void round(PersistCollection h, int i) throws IOException {
        List<Update<byte[], byte[]>> u = new ArrayList<>();
        for (int j = 0; j < 20; j++) {
            u.add(Rec.of("key-" + i + "-" + j, "v", i, 1).toUpdate());
        }
        h.append(u);
        h.seal(i + 1);
        h.allowCompaction(i + 1);
        h.maintainUntilIdle();
    }

    @Test
    void sinceStopsAtALiveHoldAndCatchesUpWhenItEnds() throws IOException {
        c.append(updates(Rec.of("k", "v", 1, 1)));
        c.seal(10);
        c.allowCompaction(2);
        c.leasedSnapshot("reader", OptionalLong.of(5));
        c.allowCompaction(8);
        assertThat(c.state().since()).isEqualTo(Frontier.at(5));
        assertThat(c.state().requestedSince()).isEqualTo(Frontier.at(8));
        // Reading as of the held time still works.
        assertThat(Rec.readAll(c.snapshot().asOf(5).readConsolidated()))
                .containsExactly(Rec.of("k", "v", 5, 1));

        c.renewLease("reader", Optional.of(Frontier.at(7)), false);
        assertThat(c.state().since()).isEqualTo(Frontier.at(7));
        assertThatThrownBy(() -> c.renewLease("reader", Optional.of(Frontier.at(6)), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot renew lease reader: its hold {6} is before its current hold {7}");

        c.releaseLease("reader");
        assertThat(c.state().since()).isEqualTo(Frontier.at(8));
        assertThat(c.state().leases()).isEmpty();
    }

    @Test
    void aLeaseCannotHoldBeforeSince() throws IOException {
        c.seal(10);
        c.allowCompaction(4);
        assertThatThrownBy(() -> c.leasedSnapshot("r", OptionalLong.of(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot acquire lease r: its hold {3} is before since {4} (read as of a time at or after since)");
    }

    @Test
    void expiredLeasesAreDroppedByTheInjectedClock() throws IOException {
        c.seal(10);
        c.leasedSnapshot("slow", OptionalLong.of(2));
        c.allowCompaction(9);
        assertThat(c.state().since()).isEqualTo(Frontier.at(2));

        clock.advance(LEASE.minusMillis(1));
        assertThat(c.expireLeases()).isFalse();
        assertThat(c.renewLease("slow", Optional.empty(), false).expiresAtMillis())
                .isEqualTo(clock.millis() + LEASE.toMillis());

        clock.advance(LEASE);
        assertThat(c.expireLeases()).isTrue();
        assertThat(c.state().leases()).isEmpty();
        assertThat(c.state().since()).isEqualTo(Frontier.at(9));
        assertThatThrownBy(() -> c.renewLease("slow", Optional.empty(), false))
                .isInstanceOf(LeaseExpiredException.class)
                .hasMessageContaining("Cannot renew lease slow: it has expired or was released");
    }

    @Test
    void leasedReaderReadsToTheEndWhileCompactionAndGcRunUnderneath() throws IOException {
        for (int i = 0; i < 20; i++) {
            round(c, i);
        }
        Snapshot snapshot = c.leasedSnapshot("reader", OptionalLong.empty());
        List<Rec> expected = Rec.readAll(snapshot.readConsolidated());
        assertThat(expected).isNotEmpty();
        Set<String> pinnedBatches = new HashSet<>();
        snapshot.state().trace().forEach(b -> pinnedBatches.add(b.key()));

        // A writer and its maintenance, in another handle, rewrite the whole trace while the reader
        // reads.
        PersistCollection writer = PersistCollection.open(store.sharing(), config);
        List<Rec> read = new ArrayList<>();
        try (UpdateCursor cursor = snapshot.readConsolidated()) {
            int n = 0;
            while (cursor.advance()) {
                read.add(
                        Rec.of(
                                new String(cursor.key()),
                                new String(cursor.value()),
                                cursor.time(),
                                cursor.diff()));
                if (n++ % 20 == 0) {
                    round(writer, 20 + n);
                    writer.collectGarbage();
                    // The pin, not the hold, protects the snapshot being read: let since move on.
                    c.renewLease("reader", Optional.of(writer.state().seal()), false);
                }
            }
        }
        assertThat(read).isEqualTo(expected);
        // Compaction retired some of the reader's batches, yet none was deleted under it.
        CollectionState now = writer.refresh();
        Set<String> stillLive = new HashSet<>();
        now.trace().forEach(b -> stillLive.add(b.key()));
        assertThat(pinnedBatches).anyMatch(k -> !stillLive.contains(k));
        for (String key : pinnedBatches) {
            assertThat(store.get(key)).as("pinned batch %s", key).isPresent();
        }
        // A fresh read of the pinned snapshot still works.
        assertThat(Rec.readAll(snapshot.readConsolidated())).isEqualTo(expected);

        // An abandoned write: a batch nobody committed.
        String orphan = CollectionLayout.newBatchKey();
        store.putIfAbsent(orphan, new byte[] {1, 2, 3});

        c.releaseLease("reader");
        writer.collectGarbage();
        assertThat(store.get(orphan)).as("orphan younger than the grace period").isPresent();
        clock.advance(GRACE.plusSeconds(1));
        GcReport report = writer.collectGarbage();
        assertThat(report.orphanedBlobs()).isEqualTo(1);

        CollectionState end = writer.refresh();
        assertThat(end.retired()).isEmpty();
        Set<String> referenced = new HashSet<>();
        end.trace().forEach(b -> referenced.add(b.key()));
        end.unsealed().forEach(b -> referenced.add(b.key()));
        for (BlobInfo b : store.list("batches/")) {
            assertThat(referenced).as("unreferenced blob %s remains", b.key()).contains(b.key());
        }
        assertThat(referenced).allMatch(k -> store.get(k).isPresent());
    }

    @Test
    void leftoverTemporaryFilesAreCollectedAfterTheGracePeriod(@TempDir Path dir)
            throws IOException {
        LocalFileBlobStore local = new LocalFileBlobStore(dir);
        PersistCollection h = PersistCollection.open(local, config.withClock(Clock.systemUTC()));
        Path leftover = local.temporaryDirectory().resolve("crashed-write.tmp");
        Files.write(leftover, new byte[] {1});
        assertThat(h.collectGarbage().temporaryFiles()).isZero();
        Files.setLastModifiedTime(
                leftover,
                FileTime.fromMillis(System.currentTimeMillis() - GRACE.toMillis() - 1000));
        assertThat(h.collectGarbage().temporaryFiles()).isEqualTo(1);
        assertThat(leftover).doesNotExist();
    }

    @Test
    void stateRecordsArePrunedBelowPinsAndTheRetainedWindow() throws IOException {
        c.seal(1);
        c.leasedSnapshot("pin", OptionalLong.empty());
        long pinned = c.state().seqNo();
        for (int i = 0; i < 60; i++) {
            c.seal(i + 2);
        }
        c.collectGarbage();
        assertThat(store.get(CollectionLayout.stateKey(pinned))).isPresent();
        assertThat(store.get(CollectionLayout.stateKey(pinned - 1))).isEmpty();

        c.releaseLease("pin");
        c.collectGarbage();
        long latest = c.state().seqNo();
        List<Long> kept =
                store.list("state/").stream()
                        .map(b -> CollectionLayout.seqNoOf(b.key()).orElseThrow())
                        .toList();
        assertThat(kept.get(0)).isEqualTo(latest - 20);
        assertThat(kept.get(kept.size() - 1)).isEqualTo(latest);
        // Reopening finds the latest version by listing.
        assertThat(PersistCollection.open(store.sharing(), config).state()).isEqualTo(c.state());
    }

    @Test
    void aHandleFarBehindPrunedRecordsDoesNotForkTheHistory() throws IOException {
        PersistCollection zombie = PersistCollection.open(store.sharing(), config);
        long base = zombie.state().seqNo();
        for (int i = 0; i < 60; i++) {
            c.append(updates(Rec.of("k" + i, "v", i, 1)));
        }
        c.collectGarbage();
        assertThat(store.get(CollectionLayout.stateKey(base + 1))).isEmpty();

        // The zombie's next version slot was pruned: its commit must land on the latest state.
        zombie.append(updates(Rec.of("zombie", "v", 100, 1)));
        CollectionState latest = new StateLog(store.sharing()).readLatest().orElseThrow();
        assertThat(latest.unsealed()).hasSize(61);
        assertThat(store.get(CollectionLayout.stateKey(base + 1))).isEmpty();
        assertThat(Rec.readAll(c.snapshot().readConsolidated())).hasSize(61);
        // The history from the oldest kept record to the latest is one chain.
        StateLog log = new StateLog(store);
        List<Long> kept =
                store.list("state/").stream()
                        .map(b -> CollectionLayout.seqNoOf(b.key()).orElseThrow())
                        .toList();
        CollectionState prev = log.readRecord(kept.get(0)).orElseThrow();
        for (int i = 1; i < kept.size(); i++) {
            assertThat(kept.get(i)).isEqualTo(kept.get(i - 1) + 1);
            CollectionState next = log.readRecord(kept.get(i)).orElseThrow();
            prev.validateSuccessor(next);
            prev = next;
        }
    }
}
