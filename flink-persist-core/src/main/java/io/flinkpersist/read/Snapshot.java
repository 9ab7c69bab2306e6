package io.flinkpersist.read;

import io.flinkpersist.Frontier;
import io.flinkpersist.batch.BatchCache;
import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.Cursors;
import io.flinkpersist.batch.IndexCache;
import io.flinkpersist.batch.MergingCursor;
import io.flinkpersist.batch.RowGroupInfo;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * A consistent read of one state version: its trace batches plus the unsealed updates at or after
 * the trace upper, with times advanced by since.
 *
 * <p>Without an as-of time a snapshot returns everything stored, including unsealed updates at or
 * beyond the seal. {@link #asOf(long)} reads the collection as of a complete time {@code T} ({@code
 * since <= T < seal}): updates at times {@code <= T}, all read at {@code T}.
 */
public final class Snapshot {

    private final BlobStore store;
    private final CollectionState state;
    private final ReadTimes times;
    private final OptionalLong asOf;
    private final BatchCache cache;

    /** Unsealed updates at or after this are not read by lookups ({@link #sealedState()}). */
    private final Frontier unsealedBefore;

    private Snapshot(
            BlobStore store,
            CollectionState state,
            ReadTimes times,
            OptionalLong asOf,
            BatchCache cache) {
        this(store, state, times, asOf, cache, Frontier.closed());
    }

    private Snapshot(
            BlobStore store,
            CollectionState state,
            ReadTimes times,
            OptionalLong asOf,
            BatchCache cache,
            Frontier unsealedBefore) {
        this.store = store;
        this.state = state;
        this.times = times;
        this.asOf = asOf;
        this.cache = cache;
        this.unsealedBefore = unsealedBefore;
    }

    /**
     * This snapshot's latest complete state, for lookups and consolidated reads: as of {@code seal
     * - 1} when that time is readable ({@code since < seal}); when since has reached the seal (no
     * history kept), every update before the seal, read at since. Updates at or after the seal are
     * left out either way. (Raw reads and splits of the second kind still read every stored
     * update.)
     */
    public Snapshot sealedState() {
        Frontier seal = state.seal();
        if (seal.isClosed()) {
            return this;
        }
        if (state.since().time() < seal.time()) {
            return asOf(seal.time() - 1);
        }
        return new Snapshot(store, state, times, OptionalLong.empty(), cache, seal);
    }

    /** A snapshot of {@code state}, reading everything with times advanced by since. */
    public static Snapshot of(BlobStore store, CollectionState state) {
        return of(store, state, BatchCache.disabled());
    }

    /** A snapshot of {@code state} that reads row groups through {@code cache}. */
    public static Snapshot of(BlobStore store, CollectionState state, BatchCache cache) {
        if (state.since().isClosed()) {
            throw new IllegalArgumentException(
                    "Cannot read snapshot of state "
                            + state.seqNo()
                            + ": since is closed, so no time remains readable");
        }
        return new Snapshot(
                store,
                state,
                new ReadTimes(state.traceUpper(), Frontier.closed(), state.since().time()),
                OptionalLong.empty(),
                cache);
    }

    /**
     * This snapshot as of time {@code t}.
     *
     * @throws IllegalArgumentException unless {@code since <= t < seal}
     */
    public Snapshot asOf(long t) {
        Frontier.checkTime(t);
        if (!state.since().lessEqual(t) || !state.seal().isBefore(t)) {
            throw new IllegalArgumentException(
                    "Cannot read as of time "
                            + t
                            + ": it must be at or after since "
                            + state.since()
                            + " and before seal "
                            + state.seal()
                            + " (state="
                            + state.seqNo()
                            + ")");
        }
        return new Snapshot(
                store,
                state,
                new ReadTimes(state.traceUpper(), Frontier.fromStorageLong(t + 1), t),
                OptionalLong.of(t),
                cache);
    }

    public CollectionState state() {
        return state;
    }

    public long seqNo() {
        return state.seqNo();
    }

    public Frontier seal() {
        return state.seal();
    }

    public Frontier since() {
        return state.since();
    }

    public OptionalLong asOfTime() {
        return asOf;
    }

    public ReadTimes times() {
        return times;
    }

    /**
     * Every batch of the snapshot as one whole slice (row-group range unknown: {@code [0, MAX)}).
     */
    public List<BatchSlice> wholeBatches() {
        List<BatchSlice> out = new ArrayList<>();
        for (TraceBatchMeta b : state.trace()) {
            for (TraceBatchMeta part : b.partViews()) {
                out.add(BatchSlice.ofTrace(part, 0, Integer.MAX_VALUE, part.sizeBytes()));
            }
        }
        if (!state.traceUpper().isClosed()) {
            for (UnsealedBatchMeta b : state.unsealed()) {
                if (state.traceUpper().lessEqual(b.tsUpper())) {
                    out.add(BatchSlice.ofUnsealed(b, 0, Integer.MAX_VALUE, b.sizeBytes()));
                }
            }
        }
        return out;
    }

    /** All updates, batch after batch, consolidated within each batch but not across batches. */
    public UpdateCursor readRaw() {
        return new SnapshotPart(wholeBatches(), times).open(store, cache);
    }

    /**
     * All updates merged and consolidated: each {@code (key, value, time)} once with its net diff,
     * in storage order. Streams: holds one row group per batch.
     */
    public UpdateCursor readConsolidated() throws IOException {
        List<UpdateCursor> inputs = new ArrayList<>();
        try {
            // The parts of a sorted run are read one after another: one merge input per run.
            for (TraceBatchMeta b : state.runs()) {
                List<Cursors.CursorSupplier> parts = new ArrayList<>();
                for (TraceBatchMeta part : b.partViews()) {
                    BatchSlice s = BatchSlice.ofTrace(part, 0, Integer.MAX_VALUE, part.sizeBytes());
                    parts.add(() -> s.open(store, times, cache));
                }
                inputs.add(Cursors.concat(parts));
            }
            for (BatchSlice s : wholeBatches()) {
                if (s.unsealed() == null) {
                    continue;
                }
                if (unsealedBefore.isClosed()) {
                    inputs.add(s.open(store, times, cache));
                } else if (unsealedBefore.isBefore(s.unsealed().tsLower())) {
                    // A sealed state: the stored times before the seal, then advanced.
                    inputs.add(
                            times.applyToUnsealed(
                                    Cursors.filterTimes(
                                            BatchCursors.openUnsealed(
                                                    store,
                                                    s.unsealed(),
                                                    0,
                                                    Integer.MAX_VALUE,
                                                    cache),
                                            0,
                                            unsealedBefore)));
                }
            }
        } catch (IOException | RuntimeException e) {
            for (UpdateCursor c : inputs) {
                c.close();
            }
            throw e;
        }
        return new MergingCursor(inputs);
    }

    /**
     * The updates of one key, consolidated as {@link #readConsolidated()} would return them (each
     * {@code (key, value, time)} once with its net diff; as of a time, every value once), reading
     * only the parts, row groups and pages whose key range can hold the key.
     */
    public UpdateCursor lookup(byte[] key, IndexCache cache) throws IOException {
        byte[] next = Arrays.copyOf(key, key.length + 1);
        return lookupRange(key, next, true, cache);
    }

    /**
     * The updates of every key that starts with {@code prefix} (in the key codec's bytes: for
     * composite keys, a prefix of the key's fields), consolidated and in key order, reading only
     * what can hold such keys.
     */
    public UpdateCursor lookupPrefix(byte[] prefix, IndexCache cache) throws IOException {
        return lookupRange(prefix, prefixEnd(prefix), false, cache);
    }

    /** The least key above every key that starts with {@code prefix}; null if there is none. */
    static byte[] prefixEnd(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] end = Arrays.copyOf(prefix, i + 1);
                end[i]++;
                return end;
            }
        }
        return null;
    }

    private UpdateCursor lookupRange(byte[] lo, byte[] hi, boolean single, IndexCache cache)
            throws IOException {
        List<UpdateCursor> inputs = new ArrayList<>();
        try {
            for (TraceBatchMeta b : state.runs()) {
                List<TraceBatchMeta> views = b.partViews();
                List<Cursors.CursorSupplier> parts = new ArrayList<>();
                for (int i = 0; i < views.size(); i++) {
                    byte[] partLo = b.parts().get(i).lower();
                    byte[] partHi = b.partUpper(i);
                    boolean overlaps =
                            (hi == null || Arrays.compareUnsigned(partLo, hi) < 0)
                                    && (partHi == null || Arrays.compareUnsigned(lo, partHi) < 0);
                    if (overlaps) {
                        TraceBatchMeta part = views.get(i);
                        parts.add(
                                () -> BatchCursors.lookupTrace(store, part, lo, hi, single, cache));
                    }
                }
                if (!parts.isEmpty()) {
                    inputs.add(times.applyToTrace(Cursors.concat(parts)));
                }
            }
            for (BatchSlice s : wholeBatches()) {
                if (s.unsealed() != null && unsealedBefore.isBefore(s.unsealed().tsLower())) {
                    inputs.add(
                            times.applyToUnsealed(
                                    Cursors.filterTimes(
                                            BatchCursors.lookupUnsealed(
                                                    store, s.unsealed(), lo, hi, single, cache),
                                            0,
                                            unsealedBefore)));
                }
            }
        } catch (IOException | RuntimeException e) {
            for (UpdateCursor c : inputs) {
                c.close();
            }
            throw e;
        }
        return new MergingCursor(inputs);
    }

    /**
     * Splits the snapshot into at most {@code n} parts of nearly equal stored bytes, at row-group
     * granularity: the largest row groups go first, each to the part with the fewest bytes so far.
     * Reads every batch's footer.
     */
    public List<SnapshotPart> split(int n) throws IOException {
        if (n < 1) {
            throw new IllegalArgumentException(
                    "Cannot split snapshot: parts must be >= 1 (parts=" + n + ")");
        }
        List<BatchSlice> units = new ArrayList<>();
        for (BatchSlice whole : wholeBatches()) {
            List<RowGroupInfo> groups = BatchReader.readFooter(store, whole.key()).rowGroups();
            for (RowGroupInfo g : groups) {
                long bytes = Math.max(1, g.compressedBytes());
                units.add(
                        whole.trace() != null
                                ? BatchSlice.ofTrace(whole.trace(), g.index(), g.index() + 1, bytes)
                                : BatchSlice.ofUnsealed(
                                        whole.unsealed(), g.index(), g.index() + 1, bytes));
            }
        }
        return SplitPlanner.balance(units, n, times);
    }
}
