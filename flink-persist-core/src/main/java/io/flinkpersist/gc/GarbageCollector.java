package io.flinkpersist.gc;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.blob.BlobInfo;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.TemporaryFiles;
import io.flinkpersist.state.CollectionLayout;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.RetiredBlob;
import io.flinkpersist.state.Transition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what no reader can need any more:
 *
 * <ol>
 *   <li>retired batches that no live lease's pinned version still references;
 *   <li>batch blobs that no state references (left by failed or abandoned writes) once they are
 *       older than the grace period, except the parts of a pending merge request;
 *   <li>the store's leftover temporary files older than the grace period;
 *   <li>state records below both the oldest pinned version and the retained window.
 * </ol>
 *
 * Expired leases are dropped first. A reader without a lease is not protected. A blob is deleted
 * only after a committed state no longer references it; the state changes the collector makes
 * (expiring leases, forgetting deleted blobs) go through the collection's compare-and-set.
 */
public final class GarbageCollector {

    private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);

    /** What the collector needs of a collection handle. */
    public interface Handle {
        /** Reads the newest committed state. */
        CollectionState refresh() throws IOException;

        /** Commits {@code t} to the newest state; returns the state after it. */
        CollectionState commit(Transition t) throws IOException;
    }

    private final BlobStore store;
    private final CollectionConfig config;

    public GarbageCollector(BlobStore store, CollectionConfig config) {
        this.store = store;
        this.config = config;
    }

    /** Collects once; see the class description. */
    public GcReport collect(Handle handle) throws IOException {
        handle.refresh();
        long now = config.clock().millis();
        CollectionState state = handle.commit(new Transition.ExpireLeases(now));
        long latest = state.seqNo();
        long minPinned = state.minPinnedSeqNo().orElse(latest);

        // 1. Retired batches: a blob retired at r is referenced only by versions before r.
        List<String> deletable = new ArrayList<>();
        for (RetiredBlob r : state.retired()) {
            if (r.retiredAt() <= minPinned) {
                store.delete(r.key());
                config.cache().invalidate(r.key());
                deletable.add(r.key());
            }
        }
        if (!deletable.isEmpty()) {
            handle.commit(new Transition.ForgetRetired(deletable));
        }

        // 2. Orphaned batches, checked against the newest state right before deleting.
        long cutoff = now - config.gcGracePeriod().toMillis();
        List<BlobInfo> old = new ArrayList<>();
        for (BlobInfo b : store.list(CollectionLayout.BATCH_PREFIX)) {
            if (b.lastModifiedMillis() <= cutoff) {
                old.add(b);
            }
        }
        int orphans = 0;
        if (!old.isEmpty()) {
            CollectionState newest = handle.refresh();
            Set<String> referenced = referencedKeys(newest);
            for (BlobInfo b : old) {
                // The parts of a pending merge request are not referenced yet, but will be.
                boolean pendingPart =
                        newest.requests().stream()
                                .anyMatch(r -> b.key().startsWith(r.partKeyPrefix()));
                if (!referenced.contains(b.key()) && !pendingPart) {
                    LOG.info(
                            "Deleting orphaned batch {} (last modified {})",
                            b.key(),
                            b.lastModifiedMillis());
                    store.delete(b.key());
                    orphans++;
                }
            }
        }

        // 3. Leftover temporary files.
        int temporary = 0;
        if (store instanceof TemporaryFiles tmp) {
            for (BlobInfo f : tmp.listTemporaryFiles()) {
                if (f.lastModifiedMillis() <= cutoff && tmp.deleteTemporaryFile(f.key())) {
                    temporary++;
                }
            }
        }

        // 4. State records below the pinned versions and the retained window, oldest first.
        long floor = Math.min(minPinned, latest - config.retainedStateRecords());
        int pruned = 0;
        for (BlobInfo b : store.list(CollectionLayout.STATE_PREFIX)) {
            OptionalLong seqNo = CollectionLayout.seqNoOf(b.key());
            if (seqNo.isPresent() && seqNo.getAsLong() < floor) {
                store.delete(b.key());
                pruned++;
            }
        }
        return new GcReport(deletable.size(), orphans, temporary, pruned);
    }

    private static Set<String> referencedKeys(CollectionState s) {
        Set<String> keys = new HashSet<>();
        s.unsealed().forEach(b -> keys.add(b.key()));
        s.trace().forEach(b -> keys.addAll(b.partKeys()));
        s.retired().forEach(b -> keys.add(b.key()));
        return keys;
    }
}
