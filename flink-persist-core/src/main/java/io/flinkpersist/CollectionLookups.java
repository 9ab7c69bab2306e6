package io.flinkpersist;

import io.flinkpersist.batch.IndexCache;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobNotFoundException;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.state.CollectionState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Point and prefix lookups on one collection, as a lookup join needs them: the latest complete
 * state (refreshed at most every {@code refresh}), or the state as of a logical time {@code T},
 * answered only once {@code T} is sealed, so that the answer is final and the same on every replay.
 * A lookup as of a time not sealed yet waits, without blocking the caller, until a poll of the
 * collection's state (every {@code refresh}) sees the seal pass it, or fails after its timeout.
 *
 * <p>Answers are consolidated: each {@code (key, value)} once with its net multiplicity, at the
 * time read (the as-of time, or since). Reads take no reader lease: a batch retired between a
 * refresh and the read is retried once on a fresh state.
 *
 * <p>Thread-safe; closing it closes the collection handle and the index cache it was given.
 */
public final class CollectionLookups implements AutoCloseable {

    private final PersistCollection collection;
    private final IndexCache cache;
    private final long refreshNanos;
    private final ScheduledExecutorService poller;
    private final List<Waiting> waiting = new ArrayList<>();
    private CollectionState state;
    private long refreshedAt;
    private ScheduledFuture<?> polling;
    private boolean closed;

    /** A lookup as of a time not sealed yet. */
    private record Waiting(
            byte[] key,
            boolean prefix,
            long time,
            long deadlineNanos,
            Duration timeout,
            CompletableFuture<List<Update<byte[], byte[]>>> result) {}

    public CollectionLookups(PersistCollection collection, IndexCache cache, Duration refresh)
            throws IOException {
        this.collection = collection;
        this.cache = cache;
        this.refreshNanos = refresh.toNanos();
        this.state = collection.refresh();
        this.refreshedAt = System.nanoTime();
        this.poller =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "persist-lookup-seal-watch");
                            t.setDaemon(true);
                            return t;
                        });
    }

    /** The index cache lookups read through (and count their reads in). */
    public IndexCache cache() {
        return cache;
    }

    /** The updates of {@code key} in the latest complete state. */
    public synchronized List<Update<byte[], byte[]>> lookup(byte[] key) throws IOException {
        return read(key, false, OptionalTime.LATEST);
    }

    /** The updates of every key that starts with {@code prefix}, in the latest complete state. */
    public synchronized List<Update<byte[], byte[]>> lookupPrefix(byte[] prefix)
            throws IOException {
        return read(prefix, true, OptionalTime.LATEST);
    }

    /**
     * The updates of {@code key} as of time {@code t}, once {@code t} is sealed: completes at once
     * if it is, else when the seal passes it; fails if {@code t} is before since (naming both), or
     * with a {@link TimeoutException} if the seal does not pass {@code t} within {@code timeout}.
     */
    public CompletableFuture<List<Update<byte[], byte[]>>> lookupAsOf(
            byte[] key, long t, Duration timeout) {
        return asOf(key, false, t, timeout);
    }

    /** As {@link #lookupAsOf}, for every key that starts with {@code prefix}. */
    public CompletableFuture<List<Update<byte[], byte[]>>> lookupPrefixAsOf(
            byte[] prefix, long t, Duration timeout) {
        return asOf(prefix, true, t, timeout);
    }

    private synchronized CompletableFuture<List<Update<byte[], byte[]>>> asOf(
            byte[] key, boolean prefix, long t, Duration timeout) {
        CompletableFuture<List<Update<byte[], byte[]>>> result = new CompletableFuture<>();
        Frontier.checkTime(t);
        if (closed) {
            result.completeExceptionally(
                    new IllegalStateException(
                            "Cannot look up in collection " + name() + ": the lookups are closed"));
            return result;
        }
        Waiting w =
                new Waiting(
                        key.clone(),
                        prefix,
                        t,
                        System.nanoTime() + timeout.toNanos(),
                        timeout,
                        result);
        if (!answer(w, state)) {
            waiting.add(w);
            if (polling == null) {
                long every = Math.max(1, refreshNanos);
                polling =
                        poller.scheduleWithFixedDelay(
                                this::poll, every, every, TimeUnit.NANOSECONDS);
            }
        }
        return result;
    }

    /** Answers {@code w} from {@code s} if its time is sealed there (or fails it); else false. */
    private boolean answer(Waiting w, CollectionState s) {
        if (w.time() < s.since().time() || s.since().isClosed()) {
            w.result()
                    .completeExceptionally(
                            new IllegalArgumentException(
                                    "Cannot look up in collection "
                                            + name()
                                            + " as of time "
                                            + w.time()
                                            + ": it is before since "
                                            + s.since()
                                            + ", so that time is no longer readable (keep more"
                                            + " history: sink.history-retention)"));
            return true;
        }
        if (!s.seal().isBefore(w.time())) {
            return false;
        }
        try {
            w.result().complete(read(w.key(), w.prefix(), OptionalTime.at(w.time())));
        } catch (IOException | RuntimeException e) {
            w.result().completeExceptionally(e);
        }
        return true;
    }

    private synchronized void poll() {
        try {
            state = collection.refresh();
            refreshedAt = System.nanoTime();
        } catch (IOException | RuntimeException e) {
            // Retried at the next poll; the waiting lookups keep their deadlines.
        }
        long now = System.nanoTime();
        for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            if (answer(w, state)) {
                it.remove();
            } else if (now - w.deadlineNanos() >= 0) {
                w.result()
                        .completeExceptionally(
                                new TimeoutException(
                                        "Lookup in collection "
                                                + name()
                                                + " as of time "
                                                + w.time()
                                                + " timed out after "
                                                + w.timeout()
                                                + ": the collection is sealed only to "
                                                + state.seal()
                                                + " (a lookup as of T waits until the seal passes T;"
                                                + " check that its writer's watermarks advance)"));
                it.remove();
            }
        }
        if (waiting.isEmpty() && polling != null) {
            polling.cancel(false);
            polling = null;
        }
    }

    /** A read time: the latest complete state, or as of a time. */
    private record OptionalTime(boolean latest, long time) {
        static final OptionalTime LATEST = new OptionalTime(true, 0);

        static OptionalTime at(long t) {
            return new OptionalTime(false, t);
        }
    }

    private List<Update<byte[], byte[]>> read(byte[] key, boolean prefix, OptionalTime at)
            throws IOException {
        if (at.latest() && System.nanoTime() - refreshedAt >= refreshNanos) {
            state = collection.refresh();
            refreshedAt = System.nanoTime();
        }
        try {
            return readOnce(key, prefix, at);
        } catch (BlobNotFoundException e) {
            // A batch retired (and collected) since the last refresh: once more, on a fresh state.
            state = collection.refresh();
            refreshedAt = System.nanoTime();
            return readOnce(key, prefix, at);
        }
    }

    private List<Update<byte[], byte[]>> readOnce(byte[] key, boolean prefix, OptionalTime at)
            throws IOException {
        Snapshot base = Snapshot.of(collection.store(), state);
        Snapshot snapshot = at.latest() ? base.sealedState() : base.asOf(at.time());
        List<Update<byte[], byte[]>> out = new ArrayList<>();
        try (UpdateCursor c =
                prefix ? snapshot.lookupPrefix(key, cache) : snapshot.lookup(key, cache)) {
            while (c.advance()) {
                out.add(new Update<>(c.key().clone(), c.value().clone(), c.time(), c.diff()));
            }
        }
        return out;
    }

    private String name() {
        return collection.store().toString();
    }

    @Override
    public void close() throws IOException {
        List<Waiting> left;
        synchronized (this) {
            closed = true;
            left = new ArrayList<>(waiting);
            waiting.clear();
        }
        poller.shutdownNow();
        for (Waiting w : left) {
            w.result()
                    .completeExceptionally(
                            new IllegalStateException(
                                    "Lookup in collection "
                                            + name()
                                            + " as of time "
                                            + w.time()
                                            + " cancelled: the lookups were closed"));
        }
        try {
            cache.close();
        } finally {
            collection.close();
        }
    }
}
