package io.flinkpersist;

import static io.flinkpersist.Rec.updates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.batch.IndexCache;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.InMemoryBlobStore;
import io.flinkpersist.read.Snapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Lookups of the latest complete state, and as of a time once that time is sealed. */
class CollectionLookupsTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> values(List<Update<byte[], byte[]>> updates) {
        return updates.stream()
                .map(
                        u ->
                                new String(u.value(), StandardCharsets.UTF_8)
                                        + "@"
                                        + u.time()
                                        + "x"
                                        + u.diff())
                .toList();
    }

    @Test
    void aLookupAsOfATimeWaitsUntilTheSealPassesIt() throws Exception {
        InMemoryBlobStore store = new InMemoryBlobStore();
        PersistCollection writer = PersistCollection.open(store);
        writer.append(
                updates(Rec.of("k", "a", 1, 1), Rec.of("k", "a", 5, -1), Rec.of("k", "b", 5, 1)));
        writer.seal(3);
        try (CollectionLookups lookups =
                new CollectionLookups(
                        PersistCollection.open(store.sharing()),
                        new IndexCache(IndexCache.DEFAULT_MAX_OPEN_FILES),
                        Duration.ofMillis(10))) {
            // Time 2 is sealed: answered at once.
            assertThat(values(lookups.lookupAsOf(b("k"), 2, Duration.ofSeconds(5)).get()))
                    .containsExactly("a@2x1");
            // Time 5 is not: the answer waits for the seal, and is then the final one.
            CompletableFuture<List<Update<byte[], byte[]>>> later =
                    lookups.lookupAsOf(b("k"), 5, Duration.ofSeconds(30));
            Thread.sleep(100);
            assertThat(later).isNotDone();
            writer.seal(6);
            assertThat(values(later.get(10, TimeUnit.SECONDS))).containsExactly("b@5x1");
            // A key never written: no update.
            assertThat(lookups.lookupAsOf(b("x"), 5, Duration.ofSeconds(5)).get()).isEmpty();
        }
    }

    @Test
    void aLookupWhoseTimeIsNeverSealedTimesOutNamingTheSeal() throws Exception {
        InMemoryBlobStore store = new InMemoryBlobStore();
        PersistCollection writer = PersistCollection.open(store);
        writer.append(updates(Rec.of("k", "a", 1, 1)));
        writer.seal(3);
        try (CollectionLookups lookups =
                new CollectionLookups(
                        PersistCollection.open(store.sharing()),
                        IndexCache.disabled(),
                        Duration.ofMillis(10))) {
            CompletableFuture<List<Update<byte[], byte[]>>> never =
                    lookups.lookupAsOf(b("k"), 7, Duration.ofMillis(200));
            assertThatThrownBy(() -> never.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("as of time 7 timed out after PT0.2S")
                    .hasMessageContaining("sealed only to {3}");
        }
    }

    @Test
    void aLookupAsOfATimeBeforeSinceFailsNamingBothTimes() throws Exception {
        InMemoryBlobStore store = new InMemoryBlobStore();
        PersistCollection writer = PersistCollection.open(store);
        writer.append(updates(Rec.of("k", "a", 1, 1)));
        writer.seal(10);
        writer.allowCompaction(4);
        try (CollectionLookups lookups =
                new CollectionLookups(
                        PersistCollection.open(store.sharing()),
                        IndexCache.disabled(),
                        Duration.ofMillis(10))) {
            assertThatThrownBy(() -> lookups.lookupAsOf(b("k"), 2, Duration.ofSeconds(1)).get())
                    .cause()
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("as of time 2: it is before since {4}");
        }
    }

    @Test
    void theLatestStateIsTheSealedOneAndFollowsTheCollection() throws Exception {
        InMemoryBlobStore store = new InMemoryBlobStore();
        PersistCollection writer = PersistCollection.open(store);
        writer.append(updates(Rec.of("k", "a", 1, 1), Rec.of("k", "b", 4, 1)));
        writer.seal(3);
        writer.allowCompaction(3);
        try (CollectionLookups lookups =
                new CollectionLookups(
                        PersistCollection.open(store.sharing()),
                        new IndexCache(IndexCache.DEFAULT_MAX_OPEN_FILES),
                        Duration.ZERO)) {
            // since = seal (no history): the update before the seal, not the one at 4.
            assertThat(values(lookups.lookup(b("k")))).containsExactly("a@3x1");
            // The consolidated read of the same sealed state agrees.
            List<String> read = new ArrayList<>();
            try (UpdateCursor c =
                    Snapshot.of(store, writer.refresh()).sealedState().readConsolidated()) {
                while (c.advance()) {
                    read.add(new String(c.value(), StandardCharsets.UTF_8) + "@" + c.time());
                }
            }
            assertThat(read).containsExactly("a@3");
            writer.seal(5);
            // since behind the seal: as of seal - 1.
            assertThat(values(lookups.lookup(b("k")))).containsExactly("a@4x1", "b@4x1");
            assertThat(values(lookups.lookupPrefix(b("")))).containsExactly("a@4x1", "b@4x1");
            assertThat(lookups.lookupPrefix(b("j"))).isEmpty();
        }
    }
}
