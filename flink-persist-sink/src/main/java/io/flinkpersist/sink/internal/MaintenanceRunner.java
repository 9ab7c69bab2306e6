package io.flinkpersist.sink.internal;

import io.flinkpersist.PersistCollection;
import io.flinkpersist.compaction.CompactionPolicy;
import io.flinkpersist.compaction.FinalCompactionPolicy;
import io.flinkpersist.compaction.MaintenancePlanner;
import io.flinkpersist.gc.GcReport;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.MergeRequest;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.flink.annotation.Internal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans the maintenance of the collection and runs its small steps, on one background thread with
 * its own collection handle: evicts and trims itself, and records each drain and trace merge as the
 * collection's merge request, which the sink's merge work subtasks carry out in parallel, part by
 * part ({@link MergeWorker}); garbage collection. Every result is committed by compare-and-set like
 * any other change, so it never holds up a checkpoint or a commit. A round runs after each commit
 * and every 250 ms; triggers during a round start one more round after it.
 *
 * <p>A request that gains no part for {@link #STEAL_AFTER_MILLIS} (a worker failed or finished
 * meanwhile) is finished here, every missing part; two workers writing the same part is harmless
 * (put-if-absent), and completing twice is a no-op.
 *
 * <p>After the job's last commit ({@link #finishInput()}: the input of every writer has ended), the
 * rounds plan with {@link FinalCompactionPolicy}: what is sealed and the trace before since into
 * one batch in one pass, written in parallel parts by the merge workers, which stay to help before
 * they close. {@link #close()} waits for that to finish (up to 30 s); a merge it cuts short is not
 * committed.
 */
@Internal
final class MaintenanceRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceRunner.class);

    /** How long a request may go without a new part before this thread finishes it. */
    static final long STEAL_AFTER_MILLIS = 10_000;

    /** The same after the input ended, when writers may have closed. */
    static final long STEAL_AFTER_ENDED_MILLIS = 3_000;

    private static final CompactionPolicy FINAL = new FinalCompactionPolicy();

    /** Per pending request: its missing parts when last counted, and since when. */
    private final Map<String, Progress> firstSeen = new HashMap<>();

    private record Progress(int missing, long sinceMillis) {}

    private volatile boolean idle;
    private String lastFinal;
    private volatile long endedAtNanos;
    private boolean finalDoneLogged;
    private final SinkSettings settings;
    private final Consumer<CollectionState> onState;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean inputEnded = new AtomicBoolean();
    private final AtomicLong failures = new AtomicLong();
    private PersistCollection collection;
    private long lastGcMillis;

    MaintenanceRunner(SinkSettings settings, Consumer<CollectionState> onState) {
        this.settings = settings;
        this.onState = onState;
        this.executor =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t =
                                    new Thread(r, "persist-maintenance-" + settings.collection());
                            t.setDaemon(true);
                            return t;
                        });
        this.lastGcMillis = System.currentTimeMillis();
        // Also run without commits: waiting writers depend on maintenance, not on new checkpoints.
        executor.scheduleWithFixedDelay(this::trigger, 250, 250, TimeUnit.MILLISECONDS);
    }

    void trigger() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::round);
            } catch (RejectedExecutionException e) {
                // Closing: no new rounds.
            }
        }
    }

    /** The job's input has ended: the next round compacts the whole trace; starts it. */
    void finishInput() {
        if (inputEnded.compareAndSet(false, true)) {
            endedAtNanos = System.nanoTime();
            LOG.info(
                    "Input of collection {} ended: its final maintenance starts",
                    settings.collection());
        }
        trigger();
    }

    long failures() {
        return failures.get();
    }

    private void round() {
        scheduled.set(false);
        try {
            if (settings.hooks().beforeRound() != null) {
                settings.hooks().beforeRound().beforeRound();
            }
            if (collection == null) {
                collection = settings.open();
            }
            CollectionState state = collection.refresh();
            boolean ended = inputEnded.get();
            if (MaintenancePlanner.needsEvict(state)) {
                collection.evict();
            }
            if (collection.state().requests().isEmpty()) {
                // No merge reads the unsealed batches now, so they may be rewritten.
                while (collection.trim()) {
                    collection.evict();
                }
                Optional<MergeRequest> planned =
                        collection.requestMerge(
                                ended ? FINAL : settings.maintenance().compaction().policy());
                if (ended && planned.isPresent() && !planned.get().id().equals(lastFinal)) {
                    lastFinal = planned.get().id();
                    LOG.info(
                            "Final merge of collection {} requested {} ms after its input ended: {}",
                            settings.collection(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - endedAtNanos),
                            planned.get());
                }
            }
            stealIfStuck(ended);
            long now = System.currentTimeMillis();
            // After the input ended, every round collects: the job is about to finish, and the
            // batches the final merge retired should not outlive it.
            if (ended || now - lastGcMillis >= settings.maintenance().gcInterval().toMillis()) {
                GcReport report = collection.collectGarbage();
                lastGcMillis = now;
                LOG.debug("Garbage collection of {}: {}", settings.collection(), report);
            }
            CollectionState after = collection.state();
            onState.accept(after);
            idle =
                    after.requests().isEmpty()
                            && MaintenancePlanner.nextMerge(after, FINAL).isEmpty();
            if (ended && idle && !finalDoneLogged) {
                finalDoneLogged = true;
                LOG.info(
                        "Final maintenance of collection {} done {} ms after its input ended: {} trace batches, {} unsealed",
                        settings.collection(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - endedAtNanos),
                        after.trace().size(),
                        after.unsealed().size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            LOG.warn(
                    "Maintenance of collection {} failed; it will be retried in the next round",
                    settings.collection(),
                    e);
        }
    }

    /** Finishes the pending request here if it has waited too long for the workers. */
    private void stealIfStuck(boolean ended) throws IOException {
        Optional<MergeRequest> pending = collection.state().requests().stream().findFirst();
        if (pending.isEmpty()) {
            firstSeen.clear();
            return;
        }
        long now = System.currentTimeMillis();
        int missing = collection.missingParts(pending.get()).size();
        Progress p = firstSeen.get(pending.get().id());
        if (p == null || missing < p.missing()) {
            // New, or a part was written since: the workers are at it.
            firstSeen.put(pending.get().id(), new Progress(missing, now));
            return;
        }
        long patience = ended ? STEAL_AFTER_ENDED_MILLIS : STEAL_AFTER_MILLIS;
        long seen = p.sinceMillis();
        if (now - seen >= patience) {
            LOG.info(
                    "Finishing merge request {} of collection {} in the committer: unfinished after {} ms",
                    pending.get().id(),
                    settings.collection(),
                    now - seen);
            PersistCollection.RequestWork done;
            do {
                done = collection.workOnRequest(0, 1, true);
            } while (!done.completed() && done.partsWritten() > 0);
            if (done.completed()) {
                firstSeen.remove(pending.get().id());
            }
        }
    }

    /**
     * The job's input has ended: waits until the final merges are done (no request pending, none to
     * plan) or {@code maxMillis} pass.
     */
    private void awaitIdle(long maxMillis) {
        long deadline = System.currentTimeMillis() + maxMillis;
        while (System.currentTimeMillis() < deadline) {
            if (idle) {
                return;
            }
            trigger();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Lets a round in progress or queued finish (up to 30 s), so no drain is left without its evict
     * and the compaction after the end of input completes.
     */
    @Override
    public void close() throws IOException {
        if (inputEnded.get()) {
            idle = false;
            trigger();
            awaitIdle(30_000);
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (collection != null) {
            collection.close();
        }
    }
}
