package io.flinkpersist.sink.internal;

import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.compaction.CompactionPolicy;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.Transition.WriterToken;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.metrics.groups.SinkCommitterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits each checkpoint's {@link PersistCommittable} — its batches and seal — in one
 * compare-and-set, under the token {@code (writerId, checkpointId)}: a committable replayed after a
 * restore changes nothing. Then it lets since follow the seal (minus the history retention) and
 * starts a maintenance round in the background.
 *
 * <p>Only subtask 0 receives committables (the coordinator routes them there).
 */
@Internal
public final class PersistCommitter implements Committer<PersistCommittable> {

    private static final Logger LOG = LoggerFactory.getLogger(PersistCommitter.class);

    private final CompactionPolicy compaction;
    private final SinkSettings settings;
    private PersistCollection collection;
    private MaintenanceRunner maintenance;
    private volatile CollectionState latest;
    private volatile long lastCommitMillis = -1;

    public PersistCommitter(SinkSettings settings, SinkCommitterMetricGroup metrics) {
        this.compaction = settings.maintenance().compaction().policy();
        this.settings = settings;
        metrics.gauge("currentSeal", () -> latest == null ? -1L : latest.seal().toStorageLong());
        metrics.gauge("currentSince", () -> latest == null ? -1L : latest.since().toStorageLong());
        metrics.gauge("unsealedBatches", () -> latest == null ? 0 : latest.unsealed().size());
        metrics.gauge("traceBatches", () -> latest == null ? 0 : latest.trace().size());
        metrics.gauge(
                "maintenanceBacklog",
                () -> latest == null ? 0 : PersistSinkWriter.backlog(latest, compaction));
        metrics.gauge("lastCommitDurationMs", () -> lastCommitMillis);
        metrics.gauge(
                "maintenanceFailures", () -> maintenance == null ? 0L : maintenance.failures());
    }

    private PersistCollection collection() throws IOException {
        if (collection == null) {
            collection = settings.open();
            latest = collection.state();
            if (settings.maintenance().enabled()) {
                maintenance = new MaintenanceRunner(settings, s -> latest = s);
            }
        }
        return collection;
    }

    @Override
    public void commit(Collection<CommitRequest<PersistCommittable>> requests)
            throws IOException, InterruptedException {
        List<CommitRequest<PersistCommittable>> ordered = new ArrayList<>(requests);
        ordered.sort(Comparator.comparingLong(r -> r.getCommittable().checkpointId()));
        for (int i = 0; i < ordered.size(); i++) {
            CommitRequest<PersistCommittable> request = ordered.get(i);
            PersistCommittable c = request.getCommittable();
            long start = System.nanoTime();
            if (settings.hooks().beforeCommit() != null) {
                try {
                    settings.hooks().beforeCommit().beforeCommit(c.checkpointId());
                } catch (IOException | InterruptedException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
            try {
                PersistCollection handle = collection();
                Frontier current = handle.refresh().seal();
                // The seal only moves forward; a candidate at or behind it is no news.
                Optional<Frontier> seal = c.seal().filter(current::lessThan);
                if (c.batches().isEmpty() && seal.isEmpty()) {
                    // Nothing to record: an idle checkpoint writes no state version.
                    if (c.inputEnded() && maintenance != null) {
                        maintenance.finishInput();
                    }
                    continue;
                }
                CollectionState state =
                        handle.commitAppend(
                                c.batches(),
                                seal,
                                Optional.of(new WriterToken(c.writerId(), c.checkpointId())));
                if (settings.committing().sinceLag().isPresent()) {
                    OptionalLong top = completeUpTo(state);
                    long target = top.orElse(0L) - settings.committing().sinceLag().getAsLong();
                    if (target > 0 && state.requestedSince().lessThan(Frontier.at(target))) {
                        state = handle.allowCompaction(target);
                    }
                }
                latest = state;
                lastCommitMillis = (System.nanoTime() - start) / 1_000_000;
            } catch (IllegalArgumentException e) {
                // A batch the collection refuses (e.g. late for a seal set by someone else): never
                // drop it silently.
                LOG.error(
                        "Cannot commit checkpoint {} to collection {}",
                        c.checkpointId(),
                        settings.collection(),
                        e);
                request.signalFailedWithUnknownReason(e);
                continue;
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    // Cancelled: the committable stays in checkpointed state and is retried after a
                    // restore.
                    throw new InterruptedException(
                            "Commit of checkpoint " + c.checkpointId() + " interrupted");
                }
                LOG.warn(
                        "Commit of checkpoint {} to collection {} failed; retrying",
                        c.checkpointId(),
                        settings.collection(),
                        e);
                // Later checkpoints wait too: committing their seal first would make this one's
                // batches late.
                for (CommitRequest<PersistCommittable> later : ordered.subList(i, ordered.size())) {
                    later.retryLater();
                }
                return;
            }
            if (maintenance != null) {
                if (c.inputEnded()) {
                    maintenance.finishInput();
                } else {
                    maintenance.trigger();
                }
            }
        }
    }

    /**
     * The time up to which (exclusive) the collection is complete, which since trails by the
     * history retention: the seal; for a closed seal (the input ended and closed the collection),
     * one past the latest time it holds, so that since still moves to the end of the data and
     * compaction consolidates all of it (since itself never closes: a closed since reads nothing).
     */
    private static OptionalLong completeUpTo(CollectionState state) {
        if (!state.seal().isClosed()) {
            return OptionalLong.of(state.seal().time());
        }
        long latest = -1;
        for (UnsealedBatchMeta b : state.unsealed()) {
            latest = Math.max(latest, b.tsUpper());
        }
        if (!state.traceUpper().isClosed()) {
            latest = Math.max(latest, state.traceUpper().time() - 1);
        }
        return latest < 0 ? OptionalLong.empty() : OptionalLong.of(latest + 1);
    }

    @Override
    public void close() throws Exception {
        if (maintenance != null) {
            maintenance.close();
        }
        if (collection != null) {
            collection.close();
        }
    }
}
