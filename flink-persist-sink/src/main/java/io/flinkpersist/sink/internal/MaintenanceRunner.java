package io.flinkpersist.sink.internal;

import io.flinkpersist.PersistCollection;
import io.flinkpersist.gc.GcReport;
import io.flinkpersist.state.CollectionState;
import java.io.IOException;
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
 * Runs drains, evicts, trims, trace compactions and garbage collection on one background thread,
 * with its own collection handle: every result is committed by compare-and-set like any other
 * change, so it never holds up a checkpoint or a commit. A round is started by {@link #trigger()}
 * after each commit, and every second; triggers during a round start one more round after it.
 *
 * <p>After the job's last commit ({@link #finishInput()}: the input of every writer has ended), the
 * next rounds drain what is sealed and merge the whole trace before since into one batch in one
 * pass, so that a finished bounded job leaves its collection compact. {@link #close()} waits for
 * that round (up to its time limit); a merge it cuts short is simply not committed.
 */
@Internal
final class MaintenanceRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceRunner.class);

    /**
     * Maintenance steps per round, so a round ends and state is published even under heavy load.
     */
    private static final int MAX_STEPS_PER_ROUND = 64;

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
        executor.scheduleWithFixedDelay(this::trigger, 1, 1, TimeUnit.SECONDS);
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
        inputEnded.set(true);
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
            if (inputEnded.get()) {
                // What is sealed and the trace before since into one batch, in one pass where since
                // allows (else drains first), instead of level by level; then evicts and trims.
                collection.refresh();
                boolean merged = collection.compactTrace();
                boolean drained = collection.drainUntilIdle();
                if (drained && collection.compactTrace()) {
                    merged = true;
                }
                if (merged || drained) {
                    onState.accept(collection.state());
                }
            } else {
                // Stops early once the input has ended: the next round merges everything at once.
                for (int i = 0;
                        i < MAX_STEPS_PER_ROUND
                                && !inputEnded.get()
                                && collection.maintain().didWork();
                        i++) {
                    onState.accept(collection.state());
                }
            }
            long now = System.currentTimeMillis();
            // After the input ended, every round collects: the job is about to finish, and the
            // batches the final merge retired should not outlive it.
            if (inputEnded.get()
                    || now - lastGcMillis >= settings.maintenance().gcInterval().toMillis()) {
                GcReport report = collection.collectGarbage();
                lastGcMillis = now;
                LOG.debug("Garbage collection of {}: {}", settings.collection(), report);
            }
            onState.accept(collection.state());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            LOG.warn(
                    "Maintenance of collection {} failed; it will be retried after the next commit",
                    settings.collection(),
                    e);
        }
    }

    /**
     * Lets a round in progress or queued finish (up to 30 s), so no drain is left without its evict
     * and the compaction after the end of input completes.
     */
    @Override
    public void close() throws IOException {
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
