package io.flinkpersist.source.enumerator;

import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.source.split.PersistSplit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enumerator of a bounded read: pins one state version under a reader lease, cuts it into one
 * split per reader balanced by bytes, and hands the largest remaining split to each reader that
 * asks; then tells it there are no more. Once the snapshot is taken the lease no longer holds since
 * back, since the splits read immutable batches; it keeps their blobs until the job ends.
 *
 * <h2>Lifecycle</h2>
 *
 * <ul>
 *   <li>{@link #start()} (coordinator thread): opens the collection and takes the lease, then plans
 *       the splits, or, restored, takes the lease again and checks the remaining splits' batches.
 *       The lease is renewed in the context's worker thread from then on.
 *   <li>{@link #handleSplitRequest} and {@link #addSplitsBack} (coordinator thread): hand out and
 *       take back splits, largest first.
 *   <li>{@link #close()} (coordinator thread): releases the lease.
 * </ul>
 */
@Internal
public final class SnapshotSplitEnumerator
        implements SplitEnumerator<PersistSplit, PersistEnumeratorState> {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotSplitEnumerator.class);

    private final SplitEnumeratorContext<PersistSplit> context;
    private final SourceSettings settings;
    private final ReaderLeaseKeeper lease;
    private final List<PersistSplit> unassigned;
    private long pinnedSeqNo;

    public SnapshotSplitEnumerator(
            SplitEnumeratorContext<PersistSplit> context,
            SourceSettings settings,
            PersistEnumeratorState restored) {
        this.context = context;
        this.settings = settings;
        this.lease = new ReaderLeaseKeeper(settings, restored.leaseId());
        this.unassigned = new ArrayList<>(restored.unassigned());
        this.pinnedSeqNo = restored.pinnedSeqNo();
    }

    @Override
    public void start() {
        context.metricGroup().gauge("pendingSplits", unassigned::size);
        context.metricGroup().gauge("sealLag", () -> 0L); // a bounded read follows no seal
        try {
            PersistCollection collection = lease.open(context);
            if (pinnedSeqNo < 0) {
                plan(collection);
            } else {
                lease.restore(OptionalLong.empty(), unassigned);
            }
        } catch (IOException e) {
            throw lease.cannotStart(e);
        }
    }

    private void plan(PersistCollection collection) throws IOException {
        Snapshot snapshot = collection.leasedSnapshot(lease.leaseId(), settings.asOfTime());
        // The splits read pinned, immutable batches: since may move on, only the blobs must stay.
        collection.renewLease(lease.leaseId(), Optional.of(Frontier.closed()), false);
        int parallelism = Math.max(1, context.currentParallelism());
        List<PersistSplit> splits =
                settings.countRows()
                        ? PersistSplitPlanner.count(collection.store(), snapshot, parallelism)
                        : PersistSplitPlanner.snapshot(
                                collection.store(),
                                snapshot,
                                parallelism,
                                settings.consolidated(),
                                settings.filter());
        unassigned.addAll(splits);
        pinnedSeqNo = snapshot.seqNo();
        LOG.info(
                "Reading collection {} as of state {}: {} splits",
                settings.collection(),
                pinnedSeqNo,
                splits.size());
    }

    @Override
    public void handleSplitRequest(int subtask, String requesterHostname) {
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
    }

    @Override
    public void addReader(int subtask) {
        // Readers ask for splits themselves.
    }

    @Override
    public PersistEnumeratorState snapshotState(long checkpointId) {
        return new PersistEnumeratorState(
                lease.leaseId(), pinnedSeqNo, unassigned, Frontier.minimum());
    }

    @Override
    public void close() throws IOException {
        lease.close();
    }
}
