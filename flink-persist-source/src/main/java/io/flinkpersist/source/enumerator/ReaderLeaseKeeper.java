package io.flinkpersist.source.enumerator;

import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.blob.BlobNotFoundException;
import io.flinkpersist.read.BatchSlice;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.state.LeaseExpiredException;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reader lease of one source, shared by both enumerators: it opens the collection, renews the
 * lease in the background while the job runs (the lease pins the blobs of what is being read
 * against garbage collection), takes it again after a restore, and releases it at the end.
 *
 * <p>Threads: {@link #open} and {@link #close} run in the coordinator thread; renewals run in the
 * context's worker thread, through {@link SplitEnumeratorContext#callAsync}.
 */
final class ReaderLeaseKeeper implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ReaderLeaseKeeper.class);

    private final SourceSettings settings;
    private final String leaseId;
    private PersistCollection collection;

    ReaderLeaseKeeper(SourceSettings settings, String leaseId) {
        this.settings = settings;
        this.leaseId = leaseId;
    }

    /**
     * Opens the collection (it must exist and hold the source's codecs) and schedules the lease's
     * renewal every third of its duration, at least every second.
     */
    PersistCollection open(SplitEnumeratorContext<PersistSplit> context) throws IOException {
        collection = settings.open();
        long renew = Math.max(1_000, settings.leaseDuration().toMillis() / 3);
        context.callAsync(
                this::renew,
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
        return collection;
    }

    /** The error an enumerator's {@code start()} fails with when opening or planning failed. */
    UncheckedIOException cannotStart(IOException e) {
        return new UncheckedIOException(
                "Cannot start reading collection "
                        + settings.collection()
                        + " at "
                        + settings.location()
                        + ": "
                        + e.getMessage(),
                e);
    }

    String leaseId() {
        return leaseId;
    }

    PersistCollection collection() {
        return collection;
    }

    /** Extends the lease only: a following read moves its pin and hold when it polls. */
    private Boolean renew() throws IOException {
        collection.renewLease(leaseId, Optional.empty(), false);
        return true;
    }

    /**
     * Restored: keeps the snapshot's blobs pinned for the splits still to be read. A stop with a
     * savepoint released the lease (and a long stop lets it expire): takes it again, holding since
     * at {@code hold} (none: the current since), and checks that the batches the remaining splits
     * read are still there.
     */
    void restore(OptionalLong hold, List<PersistSplit> unassigned) throws IOException {
        try {
            collection.renewLease(leaseId, Optional.empty(), false);
            return;
        } catch (LeaseExpiredException e) {
            LOG.info("Reader lease {} ended while the job was stopped; taking it again", leaseId);
        }
        try {
            collection.leasedSnapshot(leaseId, hold);
        } catch (IllegalArgumentException e) {
            throw new IOException(
                    "Cannot resume reading collection "
                            + settings.collection()
                            + " from the restored state: "
                            + e.getMessage()
                            + " (since passed this reader's progress while it was stopped; start"
                            + " without the restored state)",
                    e);
        }
        if (hold.isEmpty()) {
            // The splits read pinned, immutable batches: since may move on, only the blobs stay.
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
                                    + " of the restored snapshot was garbage-collected while the"
                                    + " job was stopped (start without the restored state)",
                            e);
                }
            }
        }
    }

    /** Releases the lease (it expires on its own if that fails) and closes the collection. */
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
