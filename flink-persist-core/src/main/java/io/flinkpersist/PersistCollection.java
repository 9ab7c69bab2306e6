package io.flinkpersist;

import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.UpdateBuffer;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.LocalFileBlobStore;
import io.flinkpersist.compaction.CompactionPolicy;
import io.flinkpersist.compaction.Maintainer;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.state.Arrangement;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.RetiredBlob;
import io.flinkpersist.state.StateLog;
import io.flinkpersist.state.Transition;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import io.flinkpersist.state.Transition.WriterToken;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A handle on one collection: append updates, seal, allow compaction, take snapshots and run
 * maintenance. This is the API the Flink sink, source and the CLI build on.
 *
 * <p>The handle caches the latest state it has seen; every mutation commits a new state version by
 * compare-and-set (see {@link StateLog}), re-reading and re-applying when another handle committed
 * first. Several handles, in one process or many, may share a collection. A handle is not
 * thread-safe; use one per thread.
 */
public final class PersistCollection implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(PersistCollection.class);

    private final BlobStore store;
    private final StateLog log;
    private final Maintainer maintainer;
    private final BatchWriteOptions writeOptions;
    private CollectionState state;

    private PersistCollection(BlobStore store, BatchWriteOptions writeOptions) throws IOException {
        this.store = store;
        this.writeOptions = writeOptions;
        this.log = new StateLog(store);
        this.maintainer = new Maintainer(store, writeOptions);
        this.state = log.openOrCreate();
    }

    /** Opens (creating if needed) the collection whose blobs live in {@code store}. */
    public static PersistCollection open(BlobStore store) throws IOException {
        return new PersistCollection(store, BatchWriteOptions.defaults());
    }

    public static PersistCollection open(BlobStore store, BatchWriteOptions writeOptions) throws IOException {
        return new PersistCollection(store, writeOptions);
    }

    /** Opens (creating if needed) collection {@code name} under the local directory {@code location}. */
    public static PersistCollection open(Path location, String name) throws IOException {
        checkName(name);
        return open(new LocalFileBlobStore(location.resolve(name)));
    }

    static void checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,199}")) {
            throw new IllegalArgumentException(
                    "Invalid collection name '"
                            + name
                            + "': use 1-200 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    public BlobStore store() {
        return store;
    }

    /** The latest state this handle has seen. */
    public CollectionState state() {
        return state;
    }

    /** Reads the newest committed state. */
    public CollectionState refresh() throws IOException {
        state = log.readForward(state);
        return state;
    }

    // ---------------------------------------------------------------- writes

    /**
     * Sorts, consolidates and writes the buffer's updates as one unsealed batch, without committing
     * it. Returns empty if nothing is left after consolidation. The buffer is left sorted.
     */
    public Optional<NewUnsealedBatch> writeBatch(UpdateBuffer buffer) throws IOException {
        buffer.sortAndConsolidate();
        if (buffer.size() == 0) {
            return Optional.empty();
        }
        return maintainer.writeUnsealed(buffer.cursor());
    }

    /**
     * Appends updates as one unsealed batch and commits it.
     *
     * @throws IllegalArgumentException if an update is late ({@code time < seal}); nothing is
     *     written then
     */
    public CollectionState append(Iterable<Update<byte[], byte[]>> updates) throws IOException {
        UpdateBuffer buffer = new UpdateBuffer();
        for (Update<byte[], byte[]> u : updates) {
            if (!state.seal().lessEqual(u.time())) {
                throw lateUpdate(u.time());
            }
            buffer.add(u.key(), u.value(), u.time(), u.diff());
        }
        Optional<NewUnsealedBatch> batch = writeBatch(buffer);
        if (batch.isEmpty()) {
            return state;
        }
        return commitAppend(List.of(batch.get()), Optional.empty(), Optional.empty());
    }

    /** Appends typed updates through codecs. */
    public <K, V> CollectionState append(
            Iterable<Update<K, V>> updates, Codec<K> keyCodec, Codec<V> valueCodec) throws IOException {
        List<Update<byte[], byte[]>> encoded = new ArrayList<>();
        for (Update<K, V> u : updates) {
            encoded.add(Update.of(keyCodec.encode(u.key()), valueCodec.encode(u.value()), u.time(), u.diff()));
        }
        return append(encoded);
    }

    private IllegalArgumentException lateUpdate(long time) {
        return new IllegalArgumentException(
                "Cannot append update at time "
                        + time
                        + ": it is before the seal "
                        + state.seal()
                        + " (late update; write only times at or after the seal)");
    }

    /**
     * Commits batches written by {@link #writeBatch} together with an optional seal, atomically. With
     * a token, replaying a commit already made by that writer for that checkpoint changes nothing. If
     * the commit fails for a reason other than an unknown outcome, the batches are deleted.
     */
    public CollectionState commitAppend(
            List<NewUnsealedBatch> batches, Optional<Frontier> sealTo, Optional<WriterToken> token)
            throws IOException {
        try {
            return commit(new Transition.Append(batches, sealTo, token)).state();
        } catch (IllegalArgumentException e) {
            for (NewUnsealedBatch b : batches) {
                store.delete(b.key());
            }
            throw e;
        }
    }

    /** Seals the collection at time {@code t}: every time before it is complete. */
    public CollectionState seal(long t) throws IOException {
        return seal(Frontier.at(t));
    }

    public CollectionState seal(Frontier to) throws IOException {
        return commit(new Transition.Seal(to)).state();
    }

    /** Allows times before {@code since} to be compacted together. */
    public CollectionState allowCompaction(Frontier since) throws IOException {
        return commit(new Transition.AllowCompaction(since)).state();
    }

    public CollectionState allowCompaction(long since) throws IOException {
        return allowCompaction(Frontier.at(since));
    }

    // ---------------------------------------------------------------- reads

    /** A consistent snapshot of the latest state. */
    public Snapshot snapshot() throws IOException {
        refresh();
        return Snapshot.of(store, state);
    }

    // ---------------------------------------------------------------- maintenance

    /** What one maintenance step did. */
    public record MaintenanceStep(boolean drained, boolean evicted, boolean trimmed, boolean compacted) {
        public boolean didWork() {
            return drained || evicted || trimmed || compacted;
        }
    }

    /** One step of maintenance on the latest state: a drain, an evict, a trim and one compaction. */
    public MaintenanceStep maintain() throws IOException {
        refresh();
        return new MaintenanceStep(drain(), evict(), trim(), compact());
    }

    /**
     * Moves the unsealed updates in {@code [traceUpper, seal)} into a new level-0 trace batch.
     * Returns whether a batch was added (a drain that finds nothing to move writes nothing).
     */
    public boolean drain() throws IOException {
        Optional<CompactionPolicy.DrainPlan> plan = CompactionPolicy.pickDrain(state);
        return plan.isPresent() && commit(maintainer.drain(plan.get())).changed();
    }

    /** Drops the unsealed batches wholly below the trace upper. Returns whether any was dropped. */
    public boolean evict() throws IOException {
        return CompactionPolicy.needsEvict(state) && commit(new Transition.Evict()).changed();
    }

    /** Rewrites the first unsealed batch that straddles the trace upper without its drained part. */
    public boolean trim() throws IOException {
        Optional<CompactionPolicy.TrimPlan> plan = CompactionPolicy.pickTrim(state);
        return plan.isPresent() && commit(maintainer.trim(plan.get())).changed();
    }

    /** Merges the oldest same-level pair of trace batches wholly before since, if there is one. */
    public boolean compact() throws IOException {
        Optional<CompactionPolicy.CompactionPlan> plan = CompactionPolicy.pickCompaction(state);
        return plan.isPresent() && commit(maintainer.compact(plan.get())).changed();
    }

    /** Runs maintenance steps until one does nothing; returns the number of steps that did work. */
    public int maintainUntilIdle() throws IOException {
        int steps = 0;
        while (maintain().didWork()) {
            steps++;
        }
        return steps;
    }

    /**
     * Deletes the retired batch blobs and forgets them in the state. Returns the number deleted.
     *
     * <p>A reader still reading an older snapshot may need a retired blob; callers that have such
     * readers must not collect garbage under them.
     */
    public int collectGarbage() throws IOException {
        refresh();
        List<String> keys = new ArrayList<>();
        for (RetiredBlob r : state.retired()) {
            store.delete(r.key());
            keys.add(r.key());
        }
        if (!keys.isEmpty()) {
            commit(new Transition.ForgetRetired(keys));
        }
        return keys.size();
    }

    private Arrangement.Applied commit(Transition t) throws IOException {
        StateLog.Committed c = log.commit(state, t);
        state = c.latest();
        for (String orphan : c.applied().orphaned()) {
            LOG.debug("Deleting blob {} of a result that no longer applies", orphan);
            store.delete(orphan);
        }
        return c.applied();
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
