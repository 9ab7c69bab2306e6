package io.flinkpersist.source.enumerator;

import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.source.split.SealEvents;
import io.flinkpersist.state.CollectionState;
import java.io.IOException;
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
 * The enumerator of a continuous read: the snapshot as of the latest complete time, then every
 * newly sealed interval {@code [s, s')} as splits, each followed by an announcement of the seal
 * {@code s'} that readers turn into the watermark {@code s' - 1} once they have emitted everything
 * below it. When the collection's seal closes, it plans the rest, announces the closed seal (the
 * final watermark) and tells every reader there are no more splits: the read ends.
 *
 * <h2>Lifecycle</h2>
 *
 * <ul>
 *   <li>{@link #start()} (coordinator thread): opens the collection; restored, takes the lease
 *       again. Then schedules the poll: nothing in {@code start()} waits.
 *   <li>The poll (the context's worker thread, every poll interval): first the start, which takes
 *       the lease holding since at the as-of time (or where since is) and waits, poll after poll,
 *       until the seal passes that hold, then plans the snapshot; afterwards, whenever the seal has
 *       passed the progress, renews the lease (its hold follows the progress, its pin moves forward
 *       when nothing still needs the old version) and plans the new interval. One planned result is
 *       in flight at a time.
 *   <li>Installing a result (coordinator thread): adds its splits, moves the progress, deals all
 *       splits out by bytes to the registered readers and announces the seal.
 *   <li>{@link #handleSourceEvent} (coordinator thread): a reader's acknowledgement of a seal; once
 *       every announced seal is acknowledged and nothing is unassigned, the pin may move.
 *   <li>{@link #close()} (coordinator thread): releases the lease.
 * </ul>
 */
@Internal
public final class FollowingSplitEnumerator
        implements SplitEnumerator<PersistSplit, PersistEnumeratorState> {

    private static final Logger LOG = LoggerFactory.getLogger(FollowingSplitEnumerator.class);

    /** How long the start waits for the seal to pass the hold before it fails. */
    private static final long START_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final SplitEnumeratorContext<PersistSplit> context;
    private final SourceSettings settings;
    private final ReaderLeaseKeeper lease;
    private final List<PersistSplit> unassigned;
    private long pinnedSeqNo;
    private PersistCollection collection;

    /**
     * Every update below it is planned into splits; closed once the collection's seal closed and
     * its last interval was planned; {@code {0}} before the start. Written in the coordinator
     * thread.
     */
    private volatile Frontier progress;

    /** Seals announced to readers and not yet acknowledged by all of them. */
    private final TreeMap<Long, Set<Integer>> unacknowledged = new TreeMap<>();

    /**
     * Whether the lease pin must stay where it is. The pin protects every version from the pinned
     * one on, so splits planned from a newer version are safe under it; moving it is safe only when
     * no planned split can still be unread: nothing unassigned, every announced seal acknowledged,
     * and (after a restore, whose readers resume splits the enumerator does not know) at least one
     * seal announced to all readers. Written in the coordinator thread.
     */
    private volatile boolean pinOutstanding = true;

    /** Whether a seal has been announced to every reader since this enumerator started. */
    private boolean announced;

    /** A planned result is on its way to the coordinator thread; no new poll until it lands. */
    private volatile boolean installPending;

    /** Whether the snapshot is planned (or restored). Written in the coordinator thread. */
    private volatile boolean started;

    /** The worker thread's start: whether the lease is taken, and since when it waits. */
    private boolean leaseTaken;

    private long waitingSince;

    /** The newest seal seen by a poll, for the lag metric. */
    private volatile long latestSeal;

    public FollowingSplitEnumerator(
            SplitEnumeratorContext<PersistSplit> context,
            SourceSettings settings,
            PersistEnumeratorState restored) {
        this.context = context;
        this.settings = settings;
        this.lease = new ReaderLeaseKeeper(settings, restored.leaseId());
        this.unassigned = new ArrayList<>(restored.unassigned());
        this.pinnedSeqNo = restored.pinnedSeqNo();
        this.progress = restored.progress();
    }

    @Override
    public void start() {
        context.metricGroup().gauge("pendingSplits", unassigned::size);
        context.metricGroup().gauge("sealLag", this::sealLag);
        try {
            collection = lease.open(context);
            if (pinnedSeqNo >= 0) {
                OptionalLong hold =
                        Frontier.minimum().lessThan(progress) && !progress.isClosed()
                                ? OptionalLong.of(progress.time() - 1)
                                : OptionalLong.empty();
                lease.restore(hold, unassigned);
                started = true;
            }
        } catch (IOException e) {
            throw lease.cannotStart(e);
        }
        long poll = settings.pollInterval().toMillis();
        context.callAsync(this::poll, this::install, started ? poll : 0, poll);
    }

    private long sealLag() {
        Frontier p = progress;
        return p.isClosed() || !started ? 0L : Math.max(0, latestSeal - p.time());
    }

    /** What a poll planned, for the coordinator thread to install. */
    private sealed interface Planned permits Start, Interval {}

    /** The snapshot: its splits, the version it pins, and the progress it reaches. */
    private record Start(List<PersistSplit> splits, long pinnedSeqNo, Frontier progress)
            implements Planned {}

    /** A newly sealed interval {@code [from, to)}; {@code to} may be closed. */
    private record Interval(long from, Frontier to, List<PersistSplit> splits) implements Planned {}

    /**
     * Worker thread: the start until it is done, then newly sealed intervals. Null: nothing new.
     */
    private Planned poll() throws IOException {
        if (installPending) {
            return null;
        }
        Planned planned = started ? pollSeal() : tryStart();
        installPending = planned != null;
        return planned;
    }

    /**
     * Worker thread: holds since where it is (or at the as-of time), and once the seal has passed
     * the hold, plans the snapshot of everything below the seal as of the latest complete time. A
     * collection whose seal is already closed is read whole (as of the as-of time, if one is given,
     * followed by the rest), and the read ends after it.
     */
    private Start tryStart() throws IOException {
        if (!leaseTaken) {
            collection.leasedSnapshot(lease.leaseId(), settings.asOfTime());
            leaseTaken = true;
            waitingSince = System.nanoTime();
        } else {
            collection.renewLease(lease.leaseId(), Optional.empty(), true);
        }
        long hold = collection.state().leases().get(lease.leaseId()).sinceHold().time();
        if (!collection.state().seal().isBefore(hold)) {
            if (System.nanoTime() - waitingSince > START_TIMEOUT_NANOS) {
                throw new IOException(
                        "Cannot start following collection "
                                + settings.collection()
                                + ": its seal did not pass time "
                                + hold
                                + " within 10 minutes");
            }
            return null;
        }
        collection.renewLease(lease.leaseId(), Optional.empty(), true);
        CollectionState state = collection.state();
        Snapshot snapshot;
        Frontier reached;
        if (settings.untilTime().isPresent()
                && settings.asOfTime().isEmpty()
                && settings.untilTime().getAsLong() <= hold) {
            throw new IOException(
                    "Cannot read collection "
                            + settings.collection()
                            + " until time "
                            + settings.untilTime().getAsLong()
                            + ": it is not after since "
                            + hold
                            + ", so the changes before it are merged; read a later scan.until, or as"
                            + " of a time (scan.as-of)");
        }
        boolean fromHold = settings.asOfTime().isPresent() || settings.untilTime().isPresent();
        if (state.seal().isClosed() && !fromHold) {
            // Every time is complete: the snapshot is the whole collection and nothing follows it.
            collection.renewLease(lease.leaseId(), Optional.of(Frontier.closed()), false);
            snapshot = Snapshot.of(collection.store(), state);
            reached = Frontier.closed();
        } else {
            long start = fromHold ? hold + 1 : state.seal().time();
            collection.renewLease(lease.leaseId(), Optional.of(Frontier.at(start - 1)), false);
            snapshot = Snapshot.of(collection.store(), state).asOf(start - 1);
            reached = Frontier.at(start);
        }
        int parallelism = Math.max(1, context.currentParallelism());
        List<PersistSplit> splits =
                PersistSplitPlanner.snapshot(
                        collection.store(),
                        snapshot,
                        parallelism,
                        settings.consolidated(),
                        settings.filter());
        return new Start(splits, snapshot.seqNo(), reached);
    }

    /**
     * Worker thread: if the seal passed the progress, plans the interval's splits. First renews the
     * lease: its hold follows the progress (every interval below it is planned, and its splits read
     * pinned batches, so since may pass it), and its pin moves to the newest version when nothing
     * still needs the old one. The interval is planned from the state that renewal returned, which
     * is at or after the pin, and in which no time at or after the progress has been advanced by
     * since.
     */
    private Interval pollSeal() throws IOException {
        if (reachedEnd()) {
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
        collection.renewLease(lease.leaseId(), Optional.of(Frontier.at(from - 1)), !pinOutstanding);
        CollectionState state = collection.state();
        Frontier to = state.seal();
        if (settings.untilTime().isPresent() && Frontier.at(settings.until()).lessThan(to)) {
            to = Frontier.at(settings.until());
        }
        List<PersistSplit> splits =
                PersistSplitPlanner.interval(
                        collection.store(),
                        state,
                        from,
                        to,
                        Math.max(1, context.currentParallelism()),
                        settings.filter());
        return new Interval(from, to, splits);
    }

    /**
     * Coordinator thread: installs what a poll planned, deals the splits out, announces the seal.
     */
    private void install(Planned planned, Throwable error) {
        if (error != null) {
            if (!started) {
                throw new IllegalStateException(
                        "Cannot start following collection " + settings.collection(), error);
            }
            LOG.warn(
                    "Cannot poll collection {} for a new seal; retrying",
                    settings.collection(),
                    error);
            return;
        }
        if (planned == null) {
            return;
        }
        if (planned instanceof Start s) {
            unassigned.addAll(s.splits());
            pinnedSeqNo = s.pinnedSeqNo();
            progress = s.progress();
            started = true;
            LOG.info(
                    "Following collection {} from state {} at {}: {} snapshot splits",
                    settings.collection(),
                    pinnedSeqNo,
                    progress,
                    s.splits().size());
        } else if (planned instanceof Interval interval) {
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
            progress = interval.to();
        }
        unassigned.sort(Comparator.comparingLong(PersistSplit::bytes).reversed());
        distributeAndAnnounce();
        // Only a planned result sets the flag (after its last I/O), so only it clears it, and only
        // after the progress and the pin flag are updated: the next poll starts from both.
        installPending = false;
    }

    /**
     * Once every reader is registered, deals all unassigned splits out by bytes (largest first to
     * the least loaded reader), then tells every reader the seal they all end below. No split below
     * an announced seal is ever left unassigned, so no reader acknowledges a seal too early.
     */
    private void distributeAndAnnounce() {
        Set<Integer> readers = context.registeredReaders().keySet();
        if (!started || readers.isEmpty() || readers.size() < context.currentParallelism()) {
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
     * Once the read reached its end (the collection's seal closed, or a bounded changelog's end
     * time) and its last interval is handed out, nothing new can come: tells every reader there are
     * no more splits, so each finishes after its last split and the final watermark, and the job
     * ends on its own.
     */
    private void signalEndIfClosed(Collection<Integer> readers) {
        if (reachedEnd() && unassigned.isEmpty()) {
            for (int reader : readers) {
                context.signalNoMoreSplits(reader);
            }
        }
    }

    /**
     * Whether everything the read reads is planned: the collection's seal closed, or a bounded
     * changelog's end time reached.
     */
    private boolean reachedEnd() {
        Frontier p = progress;
        return p.isClosed()
                || (settings.untilTime().isPresent() && started && settings.until() <= p.time());
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

    @Override
    public void handleSplitRequest(int subtask, String requesterHostname) {
        // Splits are pushed to readers, together with the seal they end below (and, once the seal
        // closed, the end: see distributeAndAnnounce).
    }

    @Override
    public void addSplitsBack(List<PersistSplit> splits, int subtask) {
        unassigned.addAll(splits);
        unassigned.sort(Comparator.comparingLong(PersistSplit::bytes).reversed());
        updatePinOutstanding();
    }

    @Override
    public void addReader(int subtask) {
        distributeAndAnnounce();
    }

    @Override
    public PersistEnumeratorState snapshotState(long checkpointId) {
        return new PersistEnumeratorState(lease.leaseId(), pinnedSeqNo, unassigned, progress);
    }

    @Override
    public void close() throws IOException {
        lease.close();
    }
}
