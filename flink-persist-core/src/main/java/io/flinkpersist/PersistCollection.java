package io.flinkpersist;

import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.UpdateBuffer;
import io.flinkpersist.blob.BlobReader;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.BlobStores;
import io.flinkpersist.blob.LocalFileBlobStore;
import io.flinkpersist.compaction.CompactionPolicy;
import io.flinkpersist.compaction.DrainPlan;
import io.flinkpersist.compaction.FinalCompactionPolicy;
import io.flinkpersist.compaction.Maintainer;
import io.flinkpersist.compaction.MaintenancePlanner;
import io.flinkpersist.compaction.MergePlan;
import io.flinkpersist.compaction.MergeRequests;
import io.flinkpersist.compaction.TrimPlan;
import io.flinkpersist.gc.GarbageCollector;
import io.flinkpersist.gc.GcReport;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.state.Arrangement;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.MergeRequest;
import io.flinkpersist.state.ReaderLease;
import io.flinkpersist.state.StateLog;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.Transition;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import io.flinkpersist.state.Transition.WriterToken;
import io.flinkpersist.write.BatchPublisher;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
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

    private static final CompactionPolicy FINAL_COMPACTION = new FinalCompactionPolicy();

    private final BlobStore store;
    private final StateLog log;
    private final Maintainer maintainer;
    private final BatchPublisher publisher;
    private final CollectionConfig config;
    private CollectionState state;

    /** Whether this handle's last merge request drained: the next one compacts first. */
    private boolean lastRequestDrained;

    private PersistCollection(
            BlobStore store, CollectionConfig config, StateLog log, CollectionState state) {
        this.store = store;
        this.config = config;
        this.log = log;
        this.maintainer = new Maintainer(store, config.writeOptions());
        this.publisher = new BatchPublisher(store, config.writeOptions());
        this.state = state;
    }

    /** Opens (creating if needed) the collection whose blobs live in {@code store}. */
    public static PersistCollection open(BlobStore store) throws IOException {
        return open(store, CollectionConfig.defaults());
    }

    public static PersistCollection open(BlobStore store, BatchWriteOptions writeOptions)
            throws IOException {
        return open(store, CollectionConfig.defaults().withWriteOptions(writeOptions));
    }

    /**
     * Opens (creating if needed, without a schema) the collection whose blobs live in {@code
     * store}.
     */
    public static PersistCollection open(BlobStore store, CollectionConfig config)
            throws IOException {
        StateLog log = new StateLog(store);
        return new PersistCollection(store, config, log, log.openOrCreate());
    }

    /**
     * Opens the collection in {@code store} for writing through codecs of {@code schema}: creates
     * it holding that schema if it does not exist, records the schema in a collection that has none
     * yet (one created before schemas were recorded), and refuses a collection holding another.
     *
     * @throws IllegalArgumentException if the collection holds another schema; the message names
     *     both
     */
    public static PersistCollection open(
            BlobStore store, CollectionConfig config, CollectionSchema schema) throws IOException {
        StateLog log = new StateLog(store);
        PersistCollection c =
                new PersistCollection(store, config, log, log.openOrCreate(Optional.of(schema)));
        try {
            c.recordSchema(schema);
        } catch (IllegalArgumentException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Opens an existing collection for reading; never creates anything, and needs only read access
     * to the store until something is written through the handle.
     *
     * @throws CollectionNotFoundException if the store holds no collection
     */
    public static PersistCollection openExisting(BlobStore store, CollectionConfig config)
            throws IOException {
        StateLog log = new StateLog(store);
        Optional<CollectionState> latest = log.readLatest();
        if (latest.isEmpty()) {
            throw new CollectionNotFoundException(store.describe());
        }
        return new PersistCollection(store, config, log, latest.get());
    }

    /**
     * Opens existing collection {@code name} under {@code location} for reading, as {@link
     * #openExisting(BlobStore, CollectionConfig)}.
     *
     * @throws CollectionNotFoundException if there is no such collection; the message names the
     *     location, the collection and the collections that exist there
     */
    public static PersistCollection openExisting(
            String location, String name, CollectionConfig config) throws IOException {
        BlobStore store = BlobStores.open(location, name);
        StateLog log = new StateLog(store);
        Optional<CollectionState> latest;
        try {
            latest = log.readLatest();
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        if (latest.isEmpty()) {
            store.close();
            throw new CollectionNotFoundException(
                    location, name, BlobStores.collectionsAt(location));
        }
        return new PersistCollection(store, config, log, latest.get());
    }

    /** As {@link #openExisting(String, String, CollectionConfig)}, under a local directory. */
    public static PersistCollection openExisting(Path location, String name) throws IOException {
        return openExisting(location.toString(), name, CollectionConfig.defaults());
    }

    /**
     * Checks that a reader of {@code schema} may read this collection: it holds the same schema, or
     * none (written before schemas were recorded).
     *
     * @throws IllegalArgumentException if it holds another schema; the message names both
     */
    public void checkSchema(CollectionSchema schema) {
        Optional<CollectionSchema> held = state.schema();
        if (held.isPresent() && !held.get().equals(schema)) {
            throw schemaMismatch("read", schema, held.get());
        }
    }

    /**
     * Records {@code schema} as what the collection holds if it has none yet.
     *
     * @throws IllegalArgumentException if it holds another schema; the message names both
     */
    public CollectionState recordSchema(CollectionSchema schema) throws IOException {
        if (state.schema().isPresent()) {
            if (!state.schema().get().equals(schema)) {
                throw schemaMismatch("write", schema, state.schema().get());
            }
            return state;
        }
        try {
            return commit(new Transition.RecordSchema(schema)).state();
        } catch (IllegalArgumentException e) {
            // Another writer recorded a different schema first: name it.
            throw schemaMismatch("write", schema, refresh().schema().orElseThrow(() -> e));
        }
    }

    private IllegalArgumentException schemaMismatch(
            String verb, CollectionSchema used, CollectionSchema held) {
        return new IllegalArgumentException(
                "Cannot "
                        + verb
                        + " collection "
                        + store.describe()
                        + " with "
                        + used
                        + ": it holds "
                        + held
                        + " (use the codecs it was written with, or another collection)");
    }

    public CollectionConfig config() {
        return config;
    }

    /**
     * Opens (creating if needed) collection {@code name} under the local directory {@code
     * location}.
     */
    public static PersistCollection open(Path location, String name) throws IOException {
        return open(new LocalFileBlobStore(location.resolve(BlobStores.checkName(name))));
    }

    /**
     * Opens (creating if needed) collection {@code name} under {@code location}: a local directory,
     * a {@code file:} URI or a Hadoop filesystem URI such as {@code hdfs://namenode:8020/persist}.
     */
    public static PersistCollection open(String location, String name, CollectionConfig config)
            throws IOException {
        return open(BlobStores.open(location, name), config);
    }

    /**
     * Opens collection {@code name} under {@code location} for writing through codecs of {@code
     * schema}, as {@link #open(BlobStore, CollectionConfig, CollectionSchema)}.
     */
    public static PersistCollection open(
            String location, String name, CollectionConfig config, CollectionSchema schema)
            throws IOException {
        return open(BlobStores.open(location, name), config, schema);
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
        return publisher.writeUnsealed(buffer);
    }

    /**
     * As {@link #writeBatch(UpdateBuffer)}, cut at time {@code cut}: the updates before it and the
     * rest as two unsealed batches (one if all lie on one side), so that a drain to a seal at
     * {@code cut} or later adopts the first whole instead of rewriting it. A writer cuts at the
     * seal its watermark allows.
     */
    public List<NewUnsealedBatch> writeBatches(UpdateBuffer buffer, long cut) throws IOException {
        buffer.sortAndConsolidate();
        return publisher.writeUnsealed(buffer, cut);
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
                // Late for the seal this handle knows, so late for the newest: name the newest.
                refresh();
                throw lateUpdate(u.time());
            }
            buffer.add(u.key(), u.value(), u.time(), u.diff());
        }
        Optional<NewUnsealedBatch> batch = writeBatch(buffer);
        if (batch.isEmpty()) {
            return state;
        }
        try {
            return commitAppend(List.of(batch.get()), Optional.empty(), Optional.empty());
        } catch (IllegalArgumentException e) {
            // Refused (e.g. sealed past it meanwhile): the batch will never be referenced.
            store.delete(batch.get().key());
            throw e;
        }
    }

    /** Appends typed updates through codecs. */
    public <K, V> CollectionState append(
            Iterable<Update<K, V>> updates, Codec<K> keyCodec, Codec<V> valueCodec)
            throws IOException {
        List<Update<byte[], byte[]>> encoded = new ArrayList<>();
        for (Update<K, V> u : updates) {
            encoded.add(
                    Update.of(
                            keyCodec.encode(u.key()),
                            valueCodec.encode(u.value()),
                            u.time(),
                            u.diff()));
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
     * Commits batches written by {@link #writeBatch} together with an optional seal, atomically.
     * With a token, replaying a commit already made by that writer for that checkpoint changes
     * nothing. Before a commit that is not such a replay, every batch is checked to exist, so a
     * state never names a missing blob.
     *
     * @throws IllegalArgumentException if the collection refuses the batches (e.g. a late update)
     *     or the seal regresses; the batches are left in place
     * @throws io.flinkpersist.blob.BlobNotFoundException if a batch is gone, e.g. collected as
     *     garbage because it stayed uncommitted for longer than the grace period
     */
    public CollectionState commitAppend(
            List<NewUnsealedBatch> batches, Optional<Frontier> sealTo, Optional<WriterToken> token)
            throws IOException {
        refresh();
        boolean replay =
                token.isPresent()
                        && state.writers().getOrDefault(token.get().writerId(), Long.MIN_VALUE)
                                >= token.get().checkpointId();
        if (!replay) {
            for (NewUnsealedBatch b : batches) {
                store.open(b.key()).close();
            }
        }
        return commit(new Transition.Append(batches, sealTo, token)).state();
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
        return Snapshot.of(store, state, config.cache());
    }

    // ---------------------------------------------------------------- maintenance

    /** What one maintenance step did. */
    public record MaintenanceStep(
            boolean drained, boolean evicted, boolean trimmed, boolean compacted) {
        public boolean didWork() {
            return drained || evicted || trimmed || compacted;
        }
    }

    /**
     * One step of maintenance on the latest state: a drain, an evict, a trim and one compaction.
     */
    public MaintenanceStep maintain() throws IOException {
        refresh();
        return new MaintenanceStep(drain(), evict(), trim(), compact());
    }

    /**
     * Moves the unsealed updates in {@code [traceUpper, seal)} into a new level-0 trace batch.
     * Returns whether a batch was added (a drain that finds nothing to move writes nothing).
     */
    public boolean drain() throws IOException {
        Optional<DrainPlan> plan = MaintenancePlanner.pickDrain(state);
        if (plan.isEmpty()) {
            return false;
        }
        MergePlan merge = MergePlan.drainOnly(plan.get());
        return commit(maintainer.mergeInParts(merge, config.partsFor(merge.inputBytes())))
                .changed();
    }

    /** Drops the unsealed batches wholly below the trace upper. Returns whether any was dropped. */
    public boolean evict() throws IOException {
        return MaintenancePlanner.needsEvict(state) && commit(new Transition.Evict()).changed();
    }

    /**
     * Rewrites the first unsealed batch that straddles the trace upper without its drained part.
     */
    public boolean trim() throws IOException {
        Optional<TrimPlan> plan = MaintenancePlanner.pickTrim(state);
        return plan.isPresent() && commit(maintainer.trim(plan.get())).changed();
    }

    /** Carries out one merge of the configured {@link CompactionPolicy}, if it picks one. */
    public boolean compact() throws IOException {
        return compact(config.compactionPolicy());
    }

    /**
     * Carries out one merge of {@code policy}, if it picks one; returns whether the trace changed.
     */
    public boolean compact(CompactionPolicy policy) throws IOException {
        Optional<MergePlan> plan = policy.pick(state);
        return plan.isPresent()
                && commit(
                                maintainer.mergeInParts(
                                        plan.get(), config.partsFor(plan.get().inputBytes())))
                        .changed();
    }

    /**
     * Merges the sorted runs of every trace batch stored as several (what drains adopt) into one
     * run each, its times as they are. Returns how many batches it merged.
     */
    public int mergeRuns() throws IOException {
        refresh();
        int merged = 0;
        for (TraceBatchMeta b : List.copyOf(state.trace())) {
            if (b.runCount() > 1) {
                MergePlan plan = MergePlan.of(List.of(b), b.desc().since());
                Transition t = maintainer.mergeInParts(plan, config.partsFor(plan.inputBytes()));
                if (commit(t).changed()) {
                    merged++;
                }
            }
        }
        return merged;
    }

    // ---------------------------------------------------------------- merge requests

    /**
     * Records the next merge {@code policy} calls for ({@link MaintenancePlanner#nextMerge}) as the
     * collection's merge request, cut into parts for workers to write in parallel, unless one is
     * pending already. Returns the pending request, if any (this one or an earlier one).
     */
    public Optional<MergeRequest> requestMerge(CompactionPolicy policy) throws IOException {
        refresh();
        if (!state.requests().isEmpty()) {
            return Optional.of(state.requests().get(0));
        }
        Optional<MergePlan> plan = MaintenancePlanner.nextMerge(state, policy, !lastRequestDrained);
        if (plan.isPresent()
                && plan.get().isDrainOnly()
                && plan.get().drain().get().rewritten().isEmpty()) {
            // Every input is adopted whole: nothing to write, so no request; installed here.
            commit(maintainer.drain(plan.get().drain().get()));
            plan = MaintenancePlanner.nextMerge(state, policy, false);
        }
        if (plan.isEmpty()) {
            return Optional.empty();
        }
        lastRequestDrained = plan.get().drain().isPresent();
        MergeRequest request =
                MergeRequests.request(
                        store,
                        plan.get(),
                        config.partsFor(plan.get().inputBytes()),
                        state.partsRequested());
        commit(new Transition.RequestMerge(request));
        return state.requests().stream().findFirst();
    }

    /** The parts of {@code request} not written yet, by index. */
    public List<Integer> missingParts(MergeRequest request) throws IOException {
        return maintainer.missingParts(request);
    }

    /**
     * What one call of {@link #workOnRequest} did: parts it wrote, and whether the request ended
     * (installed here, or dropped as no longer applying).
     */
    public record RequestWork(int partsWritten, long bytesWritten, boolean completed) {
        public boolean didWork() {
            return partsWritten > 0 || completed;
        }
    }

    /**
     * Helps carry out the pending merge request: writes the missing parts assigned to {@code
     * worker} of {@code workers} ({@link MergeRequest#workerOf}), or every missing part if {@code
     * all}; then, if every part exists, installs the result by one compare-and-set. A request that
     * no longer applies is dropped. Safe to run on any number of handles at once: parts are
     * published put-if-absent, and completing twice is a no-op.
     */
    public RequestWork workOnRequest(int worker, int workers, boolean all) throws IOException {
        return workOnRequest(worker, workers, all, RequestListener.NONE);
    }

    /** Observes a worker's progress on a merge request, e.g. to count its work. */
    public interface RequestListener {
        RequestListener NONE = new RequestListener() {};

        /** Part {@code part} of {@code request} was written here, {@code bytes} long. */
        default void partWritten(MergeRequest request, int part, long bytes) throws IOException {}

        /** Every part of {@code request} exists; its result is about to be committed. */
        default void beforeComplete(MergeRequest request) throws IOException {}
    }

    /** As {@link #workOnRequest(int, int, boolean)}, telling {@code listener} what it does. */
    public RequestWork workOnRequest(int worker, int workers, boolean all, RequestListener listener)
            throws IOException {
        refresh();
        if (state.requests().isEmpty()) {
            return new RequestWork(0, 0, false);
        }
        MergeRequest request = state.requests().get(0);
        Optional<MergePlan> plan = MergeRequests.resolve(state, request);
        if (plan.isEmpty()) {
            LOG.debug("Dropping merge request {}: it no longer applies", request);
            commit(new Transition.DropRequest(request.id()));
            return new RequestWork(0, 0, true);
        }
        int written = 0;
        long bytes = 0;
        List<Integer> missing = maintainer.missingParts(request);
        if (all && workers > 1) {
            // Helpers start at different places, so two of them rarely write the same part.
            Collections.rotate(missing, -(int) ((long) worker * missing.size() / workers));
        }
        for (int j : missing) {
            if (all && written > 0) {
                // A helper writes one part at a time, then looks again.
                break;
            }
            if (all || request.workerOf(j, workers) == worker) {
                if (maintainer.writePart(request, plan.get(), j)) {
                    written++;
                    long length;
                    try (BlobReader part = store.open(request.partKey(j))) {
                        length = part.length();
                    }
                    bytes += length;
                    listener.partWritten(request, j, length);
                }
            }
        }
        if (!maintainer.missingParts(request).isEmpty()) {
            return new RequestWork(written, bytes, false);
        }
        listener.beforeComplete(request);
        Maintainer.Completion done = maintainer.complete(request, plan.get());
        boolean applied = commit(done.transition()).changed();
        if (applied && state.requests().stream().noneMatch(r -> r.id().equals(request.id()))) {
            for (String key : done.emptyParts()) {
                store.delete(key);
            }
        }
        return new RequestWork(written, bytes, applied);
    }

    /**
     * Merges all trace batches wholly before since into one, in one pass ({@link
     * FinalCompactionPolicy}): for a collection whose writing has ended, the smallest and fastest
     * to read. When the seal is ahead of the trace and at or before since, the sealed unsealed
     * updates are drained into that same pass. Returns whether it changed the trace.
     */
    public boolean compactTrace() throws IOException {
        return compact(FINAL_COMPACTION);
    }

    /**
     * Drains, evicts and trims until none has anything to do (no compaction); returns whether any
     * did.
     */
    public boolean drainUntilIdle() throws IOException {
        refresh();
        boolean any = false;
        while (drain() | evict() | trim()) {
            any = true;
        }
        return any;
    }

    /** Runs maintenance steps until one does nothing; returns the number of steps that did work. */
    public int maintainUntilIdle() throws IOException {
        int steps = 0;
        while (maintain().didWork()) {
            steps++;
        }
        return steps;
    }

    // ---------------------------------------------------------------- leases

    /**
     * Takes a reader lease and returns a snapshot of the state version it pins: while the lease
     * lives, since stays at or before {@code asOf} (the current since if empty) and garbage
     * collection keeps every blob of that version. Renew it within {@link
     * CollectionConfig#leaseDuration()}; release it when done.
     */
    public Snapshot leasedSnapshot(String leaseId, OptionalLong asOf) throws IOException {
        Optional<Frontier> hold =
                asOf.isPresent() ? Optional.of(Frontier.at(asOf.getAsLong())) : Optional.empty();
        commit(
                new Transition.AcquireLease(
                        leaseId, hold, now(), config.leaseDuration().toMillis()));
        Snapshot snapshot = Snapshot.of(store, state, config.cache());
        return asOf.isPresent() ? snapshot.asOf(asOf.getAsLong()) : snapshot;
    }

    /**
     * Extends a lease, optionally moving its hold forward and re-pinning it to the latest version.
     *
     * @throws io.flinkpersist.state.LeaseExpiredException if the lease expired or was released
     */
    public ReaderLease renewLease(String leaseId, Optional<Frontier> hold, boolean repin)
            throws IOException {
        commit(
                new Transition.RenewLease(
                        leaseId, hold, repin, now(), config.leaseDuration().toMillis()));
        return state.leases().get(leaseId);
    }

    public void releaseLease(String leaseId) throws IOException {
        commit(new Transition.ReleaseLease(leaseId));
    }

    /** Drops the leases that expired by the configured clock. Returns whether any was dropped. */
    public boolean expireLeases() throws IOException {
        return commit(new Transition.ExpireLeases(now())).changed();
    }

    private long now() {
        return config.clock().millis();
    }

    // ---------------------------------------------------------------- garbage collection

    /**
     * Deletes what no reader can need any more ({@link GarbageCollector}): retired batches no live
     * lease needs, unreferenced batches and temporary files older than the grace period, and state
     * records below the pinned versions and the retained window. Expired leases are dropped first.
     * A reader without a lease is not protected: take {@link #leasedSnapshot} for reads that may
     * overlap garbage collection.
     */
    public GcReport collectGarbage() throws IOException {
        return new GarbageCollector(store, config)
                .collect(
                        new GarbageCollector.Handle() {
                            @Override
                            public CollectionState refresh() throws IOException {
                                return PersistCollection.this.refresh();
                            }

                            @Override
                            public CollectionState commit(Transition t) throws IOException {
                                PersistCollection.this.commit(t);
                                return state;
                            }
                        });
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
