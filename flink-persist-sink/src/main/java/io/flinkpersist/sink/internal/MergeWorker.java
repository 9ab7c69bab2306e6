package io.flinkpersist.sink.internal;

import io.flinkpersist.PersistCollection;
import io.flinkpersist.compaction.FinalCompactionPolicy;
import io.flinkpersist.compaction.MaintenancePlanner;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.MergeRequest;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.annotation.Internal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subtask's share of its collection's maintenance: a background thread that writes the parts of
 * the pending merge request assigned to this subtask ({@link MergeRequest#workerOf}) and, when it
 * writes the last missing part, installs the merge by compare-and-set. The committer plans the
 * requests ({@link MaintenanceRunner}); the work is spread over the sink's maintenance stage, one
 * worker per subtask ({@link MergeWorkOperator}), so maintenance grows with the job's parallelism.
 *
 * <p>An I/O failure is logged and retried at the next poll: parts are idempotent (published
 * put-if-absent under a key fixed by the request) and a request that no longer applies is dropped.
 * A failure of a test hook is kept and rethrown into the task by {@link #checkError()}.
 */
@Internal
final class MergeWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MergeWorker.class);

    /** How long the worker sleeps when there is nothing to do. */
    static final long IDLE_POLL_MILLIS = 50;

    /** How often a worker counts the pending request's missing parts. */
    private static final long COUNT_EVERY_MILLIS = 500;

    /** How long the collection must stay idle before a finishing worker stops helping. */
    private static final long IDLE_SETTLE_MILLIS = 1_000;

    /** How long a finishing worker keeps helping without seeing the collection progress. */
    private static final long NO_PROGRESS_MILLIS = 5_000;

    private final SinkSettings settings;
    private final int subtask;
    private final int parallelism;
    private final Thread thread;
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong partsWritten = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean running = true;

    /** Whether the worker plans the next merge when it completes one (until its input ends). */
    private volatile boolean planning = true;

    private PersistCollection collection;

    /** The request being watched for progress, its missing parts, and since when. */
    private String watchedRequest;

    private int watchedMissing;
    private long watchedSince;

    /** When the missing parts were last counted: every part is one lookup in the store. */
    private long lastCount;

    /** How long this worker took per part, last time it wrote some. */
    private long partNanos;

    MergeWorker(SinkSettings settings, int subtask, int parallelism) {
        this.settings = settings;
        this.subtask = subtask;
        this.parallelism = Math.max(1, parallelism);
        this.thread =
                new Thread(this::loop, "persist-merge-" + settings.collection() + "-" + subtask);
        thread.setDaemon(true);
        thread.start();
    }

    long bytesWritten() {
        return bytesWritten.get();
    }

    long partsWritten() {
        return partsWritten.get();
    }

    long failures() {
        return failures.get();
    }

    /** Rethrows a failure a test hook raised in the worker, to fail the task. */
    void checkError() throws IOException {
        Throwable t = error.get();
        if (t != null) {
            throw new IOException(
                    "Maintenance of collection " + settings.collection() + " failed", t);
        }
    }

    private void loop() {
        while (running) {
            boolean worked = false;
            try {
                worked = step().didWork();
            } catch (InterruptedException e) {
                return;
            } catch (HookFailure e) {
                error.compareAndSet(null, e.getCause());
                return;
            } catch (IOException | RuntimeException e) {
                failures.incrementAndGet();
                LOG.warn(
                        "Merge work on collection {} failed in subtask {}; retrying",
                        settings.collection(),
                        subtask,
                        e);
            }
            if (!worked) {
                try {
                    Thread.sleep(IDLE_POLL_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private PersistCollection.RequestWork step() throws IOException, InterruptedException {
        synchronized (this) {
            if (collection == null) {
                collection = settings.open();
            }
            boolean help = stuck(collection.state());
            long start = System.nanoTime();
            PersistCollection.RequestWork work =
                    collection.workOnRequest(subtask, parallelism, help, listener());
            if (work.partsWritten() > 0) {
                partNanos = (System.nanoTime() - start) / work.partsWritten();
            }
            if (work.completed() && planning) {
                // Plan the next merge at once rather than wait for the committer's next round.
                collection.requestMerge(settings.maintenance().compaction().policy());
            }
            return work;
        }
    }

    /**
     * Whether the pending request has gained no part for a while (three times this worker's last
     * time per part, at least a second): a worker failed or finished, so this one helps with every
     * missing part. Parts are put-if-absent, so help that overlaps is only wasted work.
     */
    private boolean stuck(CollectionState state) throws IOException {
        if (state.requests().isEmpty()) {
            return false;
        }
        MergeRequest request = state.requests().get(0);
        long now = System.nanoTime();
        if (request.id().equals(watchedRequest)
                && now - lastCount < TimeUnit.MILLISECONDS.toNanos(COUNT_EVERY_MILLIS)) {
            return false;
        }
        lastCount = now;
        int missing = collection.missingParts(request).size();
        if (!request.id().equals(watchedRequest) || missing < watchedMissing) {
            watchedRequest = request.id();
            watchedMissing = missing;
            watchedSince = now;
            return false;
        }
        long patience = Math.max(TimeUnit.SECONDS.toNanos(1), 3 * partNanos);
        return now - watchedSince >= patience;
    }

    private PersistCollection.RequestListener listener() {
        SinkSettings.MergeWorkHook hook = settings.hooks().mergeWork();
        return new PersistCollection.RequestListener() {
            @Override
            public void partWritten(MergeRequest request, int part, long bytes) {
                bytesWritten.addAndGet(bytes);
                partsWritten.incrementAndGet();
                if (hook != null) {
                    try {
                        hook.partWritten(subtask, request.id(), part, bytes);
                    } catch (Exception e) {
                        throw new HookFailure(e);
                    }
                }
            }

            @Override
            public void beforeComplete(MergeRequest request) {
                if (hook != null) {
                    try {
                        hook.beforeComplete(subtask, request.id());
                    } catch (Exception e) {
                        throw new HookFailure(e);
                    }
                }
            }
        };
    }

    /**
     * At the end of the input: keeps helping until the collection's maintenance is done (no request
     * pending and none to plan, for a second: the last commit may still be on its way, unless it
     * closed the collection's seal), the collection makes no progress for a while (no new state and
     * no new part), or {@code maxMillis} pass. The committer plans the merges from now on.
     */
    void finish(long maxMillis) throws IOException {
        planning = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        long lastSeqNo = -1;
        String lastRequest = null;
        int lastMissing = -1;
        long lastCounted = 0;
        long lastChange = System.nanoTime();
        long idleSince = -1;
        try (PersistCollection watcher = settings.open()) {
            while (System.nanoTime() < deadline && error.get() == null) {
                CollectionState s = watcher.refresh();
                long now = System.nanoTime();
                boolean idle =
                        s.requests().isEmpty()
                                && MaintenancePlanner.nextMerge(s, new FinalCompactionPolicy())
                                        .isEmpty();
                if (idle && s.seal().isClosed()) {
                    // The last commit closed the collection: no commit can follow it.
                    return;
                }
                if (!idle) {
                    idleSince = -1;
                } else if (idleSince < 0) {
                    idleSince = now;
                } else if (now - idleSince >= TimeUnit.MILLISECONDS.toNanos(IDLE_SETTLE_MILLIS)) {
                    return;
                }
                if (s.seqNo() != lastSeqNo) {
                    lastSeqNo = s.seqNo();
                    lastChange = now;
                } else if (!s.requests().isEmpty()
                        && now - lastCounted >= TimeUnit.MILLISECONDS.toNanos(COUNT_EVERY_MILLIS)) {
                    // A large merge changes no state until its last part: count its parts.
                    lastCounted = now;
                    MergeRequest request = s.requests().get(0);
                    int missing = watcher.missingParts(request).size();
                    if (!request.id().equals(lastRequest) || missing < lastMissing) {
                        lastRequest = request.id();
                        lastMissing = missing;
                        lastChange = now;
                    }
                }
                if (now - lastChange > TimeUnit.MILLISECONDS.toNanos(NO_PROGRESS_MILLIS)) {
                    LOG.info(
                            "Subtask {} stops helping with the maintenance of collection {}: no"
                                    + " progress for {} ms",
                            subtask,
                            settings.collection(),
                            NO_PROGRESS_MILLIS);
                    return;
                }
                Thread.sleep(IDLE_POLL_MILLIS / 2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        thread.interrupt();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (collection != null) {
                collection.close();
                collection = null;
            }
        }
    }

    /** A test hook's failure, carried out of the listener. */
    private static final class HookFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HookFailure(Exception cause) {
            super(cause);
        }
    }
}
