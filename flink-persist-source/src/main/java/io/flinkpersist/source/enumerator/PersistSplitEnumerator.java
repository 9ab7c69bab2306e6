package io.flinkpersist.source.enumerator;

import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.blob.BlobNotFoundException;
import io.flinkpersist.read.BatchSlice;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.source.split.SealEvents;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.LeaseExpiredException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pins one state version under a reader lease, cuts it into one split per reader balanced by bytes,
 * and hands the largest remaining split to each reader that asks; then tells it there are no more.
 * The lease pins the version's blobs against garbage collection; once the snapshot is taken it no
 * longer holds since back, since the splits read immutable batches. It is renewed in the background
 * while the job runs and released when it ends.
 */
@Internal
public final class PersistSplitEnumerator
        implements SplitEnumerator<PersistSplit, PersistEnumeratorState> {

    private static final Logger LOG = LoggerFactory.getLogger(PersistSplitEnumerator.class);

    private final SplitEnumeratorContext<PersistSplit> context;
    private final SourceSettings settings;
    private final String leaseId;
    private final List<PersistSplit> unassigned;
    private long pinnedSeqNo;
    private PersistCollection collection;

    /**
     * Continuous: every update below it is planned into splits; closed once the collection's seal
     * closed and its last interval was planned. Written in the coordinator thread.
     */
    private volatile Frontier progress;

    /** Continuous: seals announced to readers and not yet acknowledged by all of them. */
    private final TreeMap<Long, Set<Integer>> unacknowledged = new TreeMap<>();

    /**
     * Continuous: whether the lease pin must stay where it is. The pin protects every version from
     * the pinned one on, so splits planned from a newer version are safe under it; moving it is
     * safe only when no planned split can still be unread: nothing unassigned, every announced seal
     * acknowledged, and (after a restore, whose readers resume splits the enumerator does not know)
     * at least one seal announced to all readers. Written in the coordinator thread.
     */
    private volatile boolean pinOutstanding = true;

    /**
     * Continuous: whether a seal has been announced to every reader since this enumerator started.
     */
    private boolean announced;

    /**
     * Continuous: a planned interval is on its way to the coordinator thread; no new poll until it
     * lands.
     */
    private volatile boolean installPending;

    public PersistSplitEnumerator(
            SplitEnumeratorContext<PersistSplit> context,
            SourceSettings settings,
            PersistEnumeratorState restored) {
        this.context = context;
        this.settings = settings;
        this.leaseId = restored.leaseId();
        this.unassigned = new ArrayList<>(restored.unassigned());
        this.pinnedSeqNo = restored.pinnedSeqNo();
        this.progress = restored.progress();
    }

    /** The newest seal seen by a poll, for the lag metric. */
    private volatile long latestSeal;

    @Override
    public void start() {
        context.metricGroup().gauge("pendingSplits", () -> unassigned.size());
        context.metricGroup().gauge("sealLag", this::sealLag);
        try {
            collection = settings.open();
            if (pinnedSeqNo < 0) {
                plan();
            } else {
                restoreLease();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot start reading collection "
                            + settings.collection()
                            + " at "
                            + settings.location()
                            + ": "
                            + e.getMessage(),
                    e);
        }
        long renew = Math.max(1_000, settings.leaseDuration().toMillis() / 3);
        context.callAsync(
                this::renewLease,
                (ok, error) -> {
                    if (error != null) {
                        LOG.warn(
                                "Cannot renew reader lease {} on collection {}",
                                leaseId,
                                settings.collection(),
                                error);
                    }
                },
                renew,
                renew);
        if (settings.continuous()) {
            long poll = settings.pollInterval().toMillis();
            context.callAsync(this::pollSeal, this::installInterval, poll, poll);
        }
    }

    private long sealLag() {
        Frontier p = progress;
        return settings.continuous() && !p.isClosed() ? Math.max(0, latestSeal - p.time()) : 0L;
    }

    /**
     * A newly sealed interval {@code [from, to)}, planned in a worker thread; {@code to} may be
     * closed.
     */
    private record Interval(long from, Frontier to, List<PersistSplit> splits) {}

    /**
     * Worker thread: if the seal passed the progress, plan the interval's splits. First renews the
     * lease: its hold follows the progress (every interval below it is planned, and its splits read
     * pinned batches, so since may pass it), and its pin moves to the newest version when nothing
     * still needs the old one. The interval is planned from the state that renewal returned, which
     * is at or after the pin, and in which no time at or after the progress has been advanced by
     * since.
     */
    private Interval pollSeal() throws IOException {
        if (installPending || progress.isClosed()) {
            return null;
        }
        long from = progress.time();
        CollectionState polled = collection.refresh();
        if (!polled.seal().isClosed()) {
            latestSeal = polled.seal().time();
        }
        if (!Frontier.at(from).lessThan(polled.seal())) {
            return null;
        }
        collection.renewLease(leaseId, Optional.of(Frontier.at(from - 1)), !pinOutstanding);
        CollectionState state = collection.state();
        Frontier to = state.seal();
        List<PersistSplit> splits =
                PersistSplitPlanner.interval(
                        collection.store(), state, from, Math.max(1, context.currentParallelism()));
        installPending = true;
        return new Interval(from, to, splits);
    }

    /** Coordinator thread: hand out a planned interval and announce its seal to every reader. */
    private void installInterval(Interval interval, Throwable error) {
        if (error != null) {
            LOG.warn(
                    "Cannot poll collection {} for a new seal; retrying",
                    settings.collection(),
                    error);
            return;
        }
        if (interval == null) {
            return;
        }
        if (progress.isClosed() || interval.from() != progress.time()) {
            throw new IllegalStateException(
                    "Cannot follow collection "
                            + settings.collection()
                            + ": planned interval ["
                            + interval.from()
                            + ", "
                            + interval.to()
                            + ") does not start at the progress "
                            + progress);
        }
        unassigned.addAll(interval.splits());
        unassigned.sort(Comparator.comparingLong(PersistSplit::bytes).reversed());
        progress = interval.to();
        distributeAndAnnounce();
        // Only a planned interval sets the flag (after its last I/O), so only it clears it, and
        // only
        // after the progress and the pin flag are updated: the next poll starts from both.
        installPending = false;
    }

    /**
     * Continuous: once every reader is registered, deal all unassigned splits out by bytes (largest
     * first to the least loaded reader), then tell every reader the seal they all end below. No
     * split below an announced seal is ever left unassigned, so no reader acknowledges a seal too
     * early.
     */
    private void distributeAndAnnounce() {
        Set<Integer> readers = context.registeredReaders().keySet();
        if (readers.isEmpty() || readers.size() < context.currentParallelism()) {
            return;
        }
        Map<Integer, Long> load = new HashMap<>();
        readers.forEach(r -> load.put(r, 0L));
        Map<Integer, List<PersistSplit>> assignment = new HashMap<>();
        for (PersistSplit split : unassigned) {
            int target =
                    load.entrySet().stream()
                            .min(Map.Entry.comparingByValue())
                            .orElseThrow()
                            .getKey();
            load.merge(target, split.bytes(), Long::sum);
            assignment.computeIfAbsent(target, r -> new ArrayList<>()).add(split);
        }
        unassigned.clear();
        if (!assignment.isEmpty()) {
            context.assignSplits(new SplitsAssignment<>(assignment));
        }
        if (Frontier.minimum().lessThan(progress)) {
            for (int reader : readers) {
                unacknowledged
                        .computeIfAbsent(progress.toStorageLong(), s -> new HashSet<>())
                        .add(reader);
                context.sendEventToSourceReader(reader, SealEvents.SealAdvanced.of(progress));
            }
            announced = true;
        }
        updatePinOutstanding();
        signalEndIfClosed(readers);
    }

    /**
     * Continuous: once the collection's seal closed and its last interval is handed out, nothing
     * new can come: tell every reader there are no more splits, so each finishes after its last
     * split and the final watermark, and the job ends on its own.
     */
    private void signalEndIfClosed(Collection<Integer> readers) {
        if (progress.isClosed() && unassigned.isEmpty()) {
            for (int reader : readers) {
                context.signalNoMoreSplits(reader);
            }
        }
    }

    private void updatePinOutstanding() {
        pinOutstanding = !announced || !unassigned.isEmpty() || !unacknowledged.isEmpty();
    }

    @Override
    public void handleSourceEvent(int subtask, SourceEvent event) {
        if (event instanceof SealEvents.SealAcknowledged ack) {
            for (Set<Integer> waiting : unacknowledged.headMap(ack.seal(), true).values()) {
                waiting.remove(subtask);
            }
            unacknowledged.values().removeIf(Set::isEmpty);
            updatePinOutstanding();
        }
    }

    /**
     * Restored: keep the snapshot's blobs pinned for the splits still to be read. A stop with a
     * savepoint released the lease (and a long stop lets it expire): take it again, and check that
     * the batches the remaining splits read are still there.
     */
    private void restoreLease() throws IOException {
        try {
            collection.renewLease(leaseId, Optional.empty(), false);
            return;
        } catch (LeaseExpiredException e) {
            LOG.info("Reader lease {} ended while the job was stopped; taking it again", leaseId);
        }
        OptionalLong hold =
                settings.continuous()
                                && Frontier.minimum().lessThan(progress)
                                && !progress.isClosed()
                        ? OptionalLong.of(progress.time() - 1)
                        : OptionalLong.empty();
        try {
            collection.leasedSnapshot(leaseId, hold);
        } catch (IllegalArgumentException e) {
            throw new IOException(
                    "Cannot resume reading collection "
                            + settings.collection()
                            + " from the restored state: "
                            + e.getMessage()
                            + " (since passed this reader's progress while it was stopped; start without the restored state)",
                    e);
        }
        if (!settings.continuous()) {
            collection.renewLease(leaseId, Optional.of(Frontier.closed()), false);
        }
        for (PersistSplit split : unassigned) {
            for (BatchSlice slice : split.slices()) {
                try {
                    collection.store().open(slice.key()).close();
                } catch (BlobNotFoundException e) {
                    throw new IOException(
                            "Cannot resume reading collection "
                                    + settings.collection()
                                    + ": batch "
                                    + slice.key()
                                    + " of the restored snapshot was garbage-collected while the job was stopped"
                                    + " (start without the restored state)",
                            e);
                }
            }
        }
    }

    private void plan() throws IOException {
        Snapshot snapshot;
        if (settings.continuous()) {
            snapshot = continuousStart();
        } else {
            snapshot = collection.leasedSnapshot(leaseId, settings.asOfTime());
            // The splits read pinned, immutable batches: since may move on, only the blobs must
            // stay.
            collection.renewLease(leaseId, Optional.of(Frontier.closed()), false);
        }
        int parallelism = Math.max(1, context.currentParallelism());
        List<PersistSplit> splits =
                settings.consolidated()
                        ? PersistSplitPlanner.consolidated(
                                collection.store(), snapshot, parallelism)
                        : PersistSplitPlanner.raw(snapshot, parallelism);
        splits.sort(Comparator.comparingLong(PersistSplit::bytes).reversed());
        unassigned.addAll(splits);
        pinnedSeqNo = snapshot.seqNo();
        LOG.info(
                "Reading collection {} as of state {}: {} splits",
                settings.collection(),
                pinnedSeqNo,
                splits.size());
    }

    /**
     * Continuous start: hold since where it is (or at the as-of time), wait until the seal passes
     * it, and read the snapshot of everything below the seal as of the latest complete time. A
     * collection whose seal is already closed is read whole (as of the as-of time, if one is given,
     * followed by the rest), and the read ends after it.
     */
    private Snapshot continuousStart() throws IOException {
        collection.leasedSnapshot(leaseId, settings.asOfTime());
        long hold = collection.state().leases().get(leaseId).sinceHold().time();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (!collection.state().seal().isBefore(hold)) {
            if (System.nanoTime() > deadline) {
                throw new IOException(
                        "Cannot start following collection "
                                + settings.collection()
                                + ": its seal did not pass time "
                                + hold
                                + " within 10 minutes");
            }
            try {
                Thread.sleep(settings.pollInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while waiting for the seal to pass " + hold, e);
            }
            collection.renewLease(leaseId, Optional.empty(), true);
        }
        collection.renewLease(leaseId, Optional.empty(), true);
        CollectionState state = collection.state();
        if (state.seal().isClosed() && settings.asOfTime().isEmpty()) {
            // Every time is complete: the snapshot is the whole collection and nothing follows it.
            progress = Frontier.closed();
            collection.renewLease(leaseId, Optional.of(Frontier.closed()), false);
            return Snapshot.of(collection.store(), state);
        }
        long start = settings.asOfTime().isPresent() ? hold + 1 : state.seal().time();
        collection.renewLease(leaseId, Optional.of(Frontier.at(start - 1)), false);
        progress = Frontier.at(start);
        return Snapshot.of(collection.store(), state).asOf(start - 1);
    }

    private Boolean renewLease() throws IOException {
        // Only extends the lease: continuous reads move the pin when they poll for a new seal.
        collection.renewLease(leaseId, Optional.empty(), false);
        return true;
    }

    @Override
    public void handleSplitRequest(int subtask, String requesterHostname) {
        if (settings.continuous()) {
            // Continuous reads push splits to readers, together with the seal they end below (and,
            // once the seal closed, the end: see distributeAndAnnounce).
            return;
        }
        if (!unassigned.isEmpty()) {
            // Largest first: splits are kept sorted by bytes.
            context.assignSplit(unassigned.remove(0), subtask);
        } else {
            context.signalNoMoreSplits(subtask);
        }
    }

    @Override
    public void addSplitsBack(List<PersistSplit> splits, int subtask) {
        unassigned.addAll(splits);
        unassigned.sort(Comparator.comparingLong(PersistSplit::bytes).reversed());
        if (settings.continuous()) {
            updatePinOutstanding();
        }
    }

    @Override
    public void addReader(int subtask) {
        // Bounded readers ask for splits themselves; continuous ones get their share and the seal.
        if (settings.continuous()) {
            distributeAndAnnounce();
        }
    }

    @Override
    public PersistEnumeratorState snapshotState(long checkpointId) {
        return new PersistEnumeratorState(leaseId, pinnedSeqNo, unassigned, progress);
    }

    @Override
    public void close() throws IOException {
        if (collection != null) {
            try {
                collection.releaseLease(leaseId);
            } catch (IOException | RuntimeException e) {
                LOG.warn("Cannot release reader lease {}; it will expire on its own", leaseId, e);
            }
            collection.close();
        }
    }
}
