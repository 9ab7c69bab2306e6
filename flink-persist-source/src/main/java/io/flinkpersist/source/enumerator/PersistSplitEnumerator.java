package io.flinkpersist.source.enumerator;

import io.flinkpersist.PersistCollection;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.source.split.PersistSplit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pins one state version under a reader lease, cuts it into one split per reader balanced by
 * bytes, and hands the largest remaining split to each reader that asks; then tells it there are no
 * more. The lease pins the version's blobs against garbage collection; once the snapshot is taken it
 * no longer holds since back, since the splits read immutable batches. It is renewed in the
 * background while the job runs and released when it ends.
 */
@Internal
public final class PersistSplitEnumerator implements SplitEnumerator<PersistSplit, PersistEnumeratorState> {

    private static final Logger LOG = LoggerFactory.getLogger(PersistSplitEnumerator.class);

    private final SplitEnumeratorContext<PersistSplit> context;
    private final SourceSettings settings;
    private final String leaseId;
    private final List<PersistSplit> unassigned;
    private long pinnedSeqNo;
    private PersistCollection collection;

    public PersistSplitEnumerator(
            SplitEnumeratorContext<PersistSplit> context, SourceSettings settings, PersistEnumeratorState restored) {
        this.context = context;
        this.settings = settings;
        this.leaseId = restored.leaseId();
        this.unassigned = new ArrayList<>(restored.unassigned());
        this.pinnedSeqNo = restored.pinnedSeqNo();
    }

    @Override
    public void start() {
        try {
            collection = settings.open();
            if (pinnedSeqNo < 0) {
                plan();
            } else {
                // Restored: keep the snapshot's blobs pinned for the splits still to be read.
                collection.renewLease(leaseId, Optional.empty(), false);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(
                    "Cannot start reading collection " + settings.collection() + " at " + settings.location() + ": " + e.getMessage(), e);
        }
        long renew = Math.max(1_000, settings.leaseDuration().toMillis() / 3);
        context.callAsync(this::renewLease, (ok, error) -> {
            if (error != null) {
                LOG.warn("Cannot renew reader lease {} on collection {}", leaseId, settings.collection(), error);
            }
        }, renew, renew);
    }

    private void plan() throws IOException {
        Snapshot snapshot = collection.leasedSnapshot(leaseId, settings.asOfTime());
        // The splits read pinned, immutable batches: since may move on, only the blobs must stay.
        collection.renewLease(leaseId, Optional.of(io.flinkpersist.Frontier.closed()), false);
        int parallelism = Math.max(1, context.currentParallelism());
        List<PersistSplit> splits =
                settings.consolidated()
                        ? PersistSplitPlanner.consolidated(collection.store(), snapshot, parallelism)
                        : PersistSplitPlanner.raw(snapshot, parallelism);
        splits.sort(Comparator.comparingLong(PersistSplit::bytes).reversed());
        unassigned.addAll(splits);
        pinnedSeqNo = snapshot.seqNo();
        LOG.info("Reading collection {} as of state {}: {} splits", settings.collection(), pinnedSeqNo, splits.size());
    }

    private Boolean renewLease() throws IOException {
        collection.renewLease(leaseId, Optional.empty(), false);
        return true;
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
        return new PersistEnumeratorState(leaseId, pinnedSeqNo, unassigned);
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
