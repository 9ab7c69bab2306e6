package io.flinkpersist.state;

import io.flinkpersist.CollectionSchema;
import io.flinkpersist.Frontier;
import io.flinkpersist.state.Transition.AllowCompaction;
import io.flinkpersist.state.Transition.Append;
import io.flinkpersist.state.Transition.ApplyDrain;
import io.flinkpersist.state.Transition.ApplyTrim;
import io.flinkpersist.state.Transition.Evict;
import io.flinkpersist.state.Transition.ForgetRetired;
import io.flinkpersist.state.Transition.NewTraceBatch;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import io.flinkpersist.state.Transition.Seal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The state machine of a collection: {@link #apply} is a pure function from a state and a {@link
 * Transition} to the next state. It does no I/O; the blobs a transition refers to are written
 * before it is applied, and the caller commits the result by compare-and-set.
 *
 * <p>Caller misuse (a late update, a regressing seal or since) is an {@link
 * IllegalArgumentException}. A result that no longer fits the state (a stale drain, trim or
 * compaction) is a no-op whose written blob is reported in {@link Applied#orphaned()} for the
 * caller to delete.
 */
public final class Arrangement {

    private Arrangement() {}

    /**
     * The outcome of applying a transition.
     *
     * @param state the next state (the same object when nothing changed)
     * @param changed whether there is anything to commit
     * @param retired blobs this transition stopped referencing (now awaiting garbage collection)
     * @param orphaned blobs written for this transition that will never be referenced: safe to
     *     delete
     */
    public record Applied(
            CollectionState state, boolean changed, List<String> retired, List<String> orphaned) {

        static Applied unchanged(CollectionState state, List<String> orphaned) {
            return new Applied(state, false, List.of(), orphaned);
        }
    }

    public static Applied apply(CollectionState state, Transition transition) {
        assert state.validate() != null;
        Applied applied;
        if (transition instanceof Append a) {
            applied = append(state, a);
        } else if (transition instanceof Seal s) {
            applied = seal(state, s);
        } else if (transition instanceof AllowCompaction c) {
            applied = allowCompaction(state, c);
        } else if (transition instanceof ApplyDrain d) {
            applied = applyDrain(state, d);
        } else if (transition instanceof Evict) {
            applied = evict(state);
        } else if (transition instanceof ApplyTrim t) {
            applied = applyTrim(state, t);
        } else if (transition instanceof Transition.ApplyMerge m) {
            applied = applyMerge(state, m);
        } else if (transition instanceof ForgetRetired f) {
            applied = forgetRetired(state, f);
        } else if (transition instanceof Transition.AcquireLease l) {
            applied = acquireLease(state, l);
        } else if (transition instanceof Transition.RenewLease l) {
            applied = renewLease(state, l);
        } else if (transition instanceof Transition.ReleaseLease l) {
            applied = changeLeases(state, leases -> leases.remove(l.id()));
        } else if (transition instanceof Transition.ExpireLeases e) {
            applied =
                    changeLeases(
                            state,
                            leases -> leases.values().removeIf(x -> x.isExpired(e.nowMillis())));
        } else if (transition instanceof Transition.RecordSchema r) {
            applied = recordSchema(state, r.schema());
        } else if (transition instanceof Transition.RequestMerge r) {
            applied = requestMerge(state, r.request());
        } else if (transition instanceof Transition.CompleteRequest c) {
            applied = completeRequest(state, c);
        } else if (transition instanceof Transition.DropRequest d) {
            applied = dropRequest(state, d.id());
        } else {
            throw new IllegalArgumentException(
                    "Cannot apply transition: unknown type " + transition);
        }
        if (applied.changed()) {
            applied.state().validate();
            state.validateSuccessor(applied.state());
        }
        return applied;
    }

    private static Applied requestMerge(CollectionState state, MergeRequest request) {
        if (!state.requests().isEmpty()) {
            return Applied.unchanged(state, List.of());
        }
        return new Applied(
                state.toBuilder()
                        .seqNo(state.seqNo() + 1)
                        .requests(List.of(request))
                        .partsRequested(state.partsRequested() + request.partCount())
                        .build(),
                true,
                List.of(),
                List.of());
    }

    private static Applied completeRequest(CollectionState state, Transition.CompleteRequest c) {
        if (state.requests().stream().noneMatch(r -> r.id().equals(c.id()))) {
            // Completed or dropped already: its parts may be live, so nothing is orphaned.
            return Applied.unchanged(state, List.of());
        }
        Applied inner = apply(state, c.result());
        if (inner.changed()) {
            // One version: the result installed and the request forgotten.
            List<MergeRequest> rest =
                    inner.state().requests().stream().filter(r -> !r.id().equals(c.id())).toList();
            return new Applied(
                    inner.state().toBuilder().requests(rest).build(),
                    true,
                    inner.retired(),
                    List.of());
        }
        return new Applied(forget(state, c.id()), true, List.of(), inner.orphaned());
    }

    private static Applied dropRequest(CollectionState state, String id) {
        if (state.requests().stream().noneMatch(r -> r.id().equals(id))) {
            return Applied.unchanged(state, List.of());
        }
        return new Applied(forget(state, id), true, List.of(), List.of());
    }

    /** The next version without request {@code id}. */
    private static CollectionState forget(CollectionState state, String id) {
        return state.toBuilder()
                .seqNo(state.seqNo() + 1)
                .requests(state.requests().stream().filter(r -> !r.id().equals(id)).toList())
                .build();
    }

    private static Applied recordSchema(CollectionState state, CollectionSchema schema) {
        if (state.schema().isPresent()) {
            if (!state.schema().get().equals(schema)) {
                throw new IllegalArgumentException(
                        "Cannot use the collection with "
                                + schema
                                + ": it holds "
                                + state.schema().get()
                                + " (use the codecs it was written with, or another collection)");
            }
            return Applied.unchanged(state, List.of());
        }
        return new Applied(
                state.toBuilder().seqNo(state.seqNo() + 1).schema(Optional.of(schema)).build(),
                true,
                List.of(),
                List.of());
    }

    private static Applied append(CollectionState state, Append append) {
        if (append.token().isPresent()) {
            Transition.WriterToken token = append.token().get();
            Long last = state.writers().get(token.writerId());
            if (last != null && token.checkpointId() <= last) {
                return Applied.unchanged(state, List.of());
            }
        }
        Set<String> keys = liveKeys(state);
        List<UnsealedBatchMeta> unsealed = new ArrayList<>(state.unsealed());
        long next = state.nextSeqNo();
        for (NewUnsealedBatch b : append.batches()) {
            if (!state.seal().lessEqual(b.tsLower())) {
                throw new IllegalArgumentException(
                        "Cannot append batch "
                                + b.key()
                                + ": it holds an update at time "
                                + b.tsLower()
                                + ", before the seal "
                                + state.seal()
                                + " (late update; write only times at or after the seal)");
            }
            if (b.tsLower() < 0 || b.tsLower() > b.tsUpper() || b.updateCount() <= 0) {
                throw new IllegalArgumentException(
                        "Cannot append batch "
                                + b.key()
                                + ": it must hold updates with 0 <= tsLower <= tsUpper (tsLower="
                                + b.tsLower()
                                + ", tsUpper="
                                + b.tsUpper()
                                + ", updateCount="
                                + b.updateCount()
                                + ")");
            }
            if (!keys.add(b.key())) {
                throw new IllegalArgumentException(
                        "Cannot append batch "
                                + b.key()
                                + ": the collection already has a batch with that key");
            }
            UnsealedBatchMeta meta =
                    new UnsealedBatchMeta(
                            b.key(),
                            new SeqNoRange(next, next + 1),
                            b.tsLower(),
                            b.tsUpper(),
                            b.sizeBytes(),
                            b.updateCount());
            meta.validate();
            unsealed.add(meta);
            next++;
        }
        Frontier seal = state.seal();
        if (append.sealTo().isPresent()) {
            seal = checkSeal(state, append.sealTo().get());
        }
        boolean changed =
                !append.batches().isEmpty()
                        || !seal.equals(state.seal())
                        || append.token().isPresent();
        if (!changed) {
            return Applied.unchanged(state, List.of());
        }
        CollectionState.Builder b =
                state.toBuilder()
                        .seqNo(state.seqNo() + 1)
                        .unsealed(unsealed)
                        .nextSeqNo(next)
                        .seal(seal);
        append.token()
                .ifPresent(
                        t -> {
                            Map<String, Long> writers = new TreeMap<>(state.writers());
                            writers.put(t.writerId(), t.checkpointId());
                            b.writers(writers);
                        });
        return new Applied(b.build(), true, List.of(), List.of());
    }

    private static Frontier checkSeal(CollectionState state, Frontier to) {
        if (to.lessThan(state.seal())) {
            throw new IllegalArgumentException(
                    "Cannot seal collection at "
                            + to
                            + ": it is before the current seal "
                            + state.seal()
                            + " (the seal only advances)");
        }
        return to;
    }

    private static Applied seal(CollectionState state, Seal seal) {
        Frontier to = checkSeal(state, seal.to());
        if (to.equals(state.seal())) {
            return Applied.unchanged(state, List.of());
        }
        return new Applied(
                state.toBuilder().seqNo(state.seqNo() + 1).seal(to).build(),
                true,
                List.of(),
                List.of());
    }

    private static Applied allowCompaction(CollectionState state, AllowCompaction c) {
        if (c.since().lessThan(state.requestedSince())) {
            throw new IllegalArgumentException(
                    "Cannot allow compaction to "
                            + c.since()
                            + ": it is before the current since "
                            + state.requestedSince()
                            + " (since only advances)");
        }
        if (c.since().equals(state.requestedSince())) {
            return Applied.unchanged(state, List.of());
        }
        CollectionState.Builder b =
                state.toBuilder().seqNo(state.seqNo() + 1).requestedSince(c.since());
        b.since(effectiveSince(state.since(), c.since(), state.leases()));
        return new Applied(b.build(), true, List.of(), List.of());
    }

    /**
     * Since follows the requested since but stops at the earliest live lease hold, and never
     * regresses.
     */
    static Frontier effectiveSince(
            Frontier current, Frontier requested, Map<String, ReaderLease> leases) {
        Frontier target = requested;
        for (ReaderLease lease : leases.values()) {
            target = Frontier.min(target, lease.sinceHold());
        }
        return Frontier.max(current, target);
    }

    private static Applied acquireLease(CollectionState state, Transition.AcquireLease l) {
        Frontier hold = l.hold().orElse(state.since());
        if (hold.lessThan(state.since())) {
            throw new IllegalArgumentException(
                    "Cannot acquire lease "
                            + l.id()
                            + ": its hold "
                            + hold
                            + " is before since "
                            + state.since()
                            + " (read as of a time at or after since)");
        }
        long seqNo = state.seqNo() + 1;
        return withLease(
                state,
                new ReaderLease(l.id(), hold, seqNo, expiry(l.nowMillis(), l.durationMillis())));
    }

    private static Applied renewLease(CollectionState state, Transition.RenewLease l) {
        ReaderLease old = state.leases().get(l.id());
        if (old == null) {
            throw new LeaseExpiredException(
                    "Cannot renew lease "
                            + l.id()
                            + ": it has expired or was released (state="
                            + state.seqNo()
                            + "); the blobs it pinned may be gone, so start again from a new snapshot");
        }
        Frontier hold = l.hold().orElse(old.sinceHold());
        if (hold.lessThan(old.sinceHold())) {
            throw new IllegalArgumentException(
                    "Cannot renew lease "
                            + l.id()
                            + ": its hold "
                            + hold
                            + " is before its current hold "
                            + old.sinceHold());
        }
        long seqNo = state.seqNo() + 1;
        long pinned = l.repin() ? seqNo : old.pinnedSeqNo();
        return withLease(
                state,
                new ReaderLease(l.id(), hold, pinned, expiry(l.nowMillis(), l.durationMillis())));
    }

    private static long expiry(long now, long duration) {
        if (duration <= 0) {
            throw new IllegalArgumentException(
                    "Cannot take a lease: its duration must be positive (durationMillis="
                            + duration
                            + ")");
        }
        long at = now + duration;
        return at < now ? Long.MAX_VALUE : at;
    }

    private static Applied withLease(CollectionState state, ReaderLease lease) {
        Map<String, ReaderLease> leases = new TreeMap<>(state.leases());
        leases.put(lease.id(), lease);
        CollectionState next =
                state.toBuilder()
                        .seqNo(state.seqNo() + 1)
                        .leases(leases)
                        .since(effectiveSince(state.since(), state.requestedSince(), leases))
                        .build();
        return new Applied(next, true, List.of(), List.of());
    }

    private static Applied changeLeases(
            CollectionState state, Consumer<Map<String, ReaderLease>> change) {
        Map<String, ReaderLease> leases = new TreeMap<>(state.leases());
        change.accept(leases);
        if (leases.equals(state.leases())) {
            return Applied.unchanged(state, List.of());
        }
        CollectionState next =
                state.toBuilder()
                        .seqNo(state.seqNo() + 1)
                        .leases(leases)
                        .since(effectiveSince(state.since(), state.requestedSince(), leases))
                        .build();
        return new Applied(next, true, List.of(), List.of());
    }

    private static Applied applyDrain(CollectionState state, ApplyDrain d) {
        // Adopted files are unsealed batches' (live, or retired by an evict): never orphans.
        List<String> orphan = d.writtenKeys();
        if (d.batch().isEmpty()
                || !state.traceUpper().equals(d.lower())
                || !d.upper().lessEqual(state.seal())) {
            return Applied.unchanged(state, orphan);
        }
        Set<String> adopted = new HashSet<>(d.adopted());
        List<UnsealedBatchMeta> unsealed = new ArrayList<>();
        int found = 0;
        for (UnsealedBatchMeta b : state.unsealed()) {
            if (!adopted.contains(b.key())) {
                unsealed.add(b);
            } else if (b.liesWithin(d.lower(), d.upper())) {
                found++;
            }
        }
        if (found != adopted.size()) {
            // An adopted batch is gone or was rewritten (trimmed) meanwhile: stale.
            return Applied.unchanged(state, orphan);
        }
        NewTraceBatch batch = d.batch().get();
        if (!batch.desc().lower().equals(d.lower()) || !batch.desc().upper().equals(d.upper())) {
            throw new IllegalArgumentException(
                    "Cannot apply drain: batch "
                            + batch.key()
                            + " describes "
                            + batch.desc()
                            + " but the drain covered ["
                            + d.lower()
                            + ", "
                            + d.upper()
                            + ")");
        }
        List<TraceBatchMeta> trace = new ArrayList<>(state.trace());
        trace.add(batch.toMeta());
        return new Applied(
                state.toBuilder().seqNo(state.seqNo() + 1).trace(trace).unsealed(unsealed).build(),
                true,
                List.of(),
                List.of());
    }

    private static Applied evict(CollectionState state) {
        Frontier traceUpper = state.traceUpper();
        List<UnsealedBatchMeta> kept = new ArrayList<>();
        List<String> evicted = new ArrayList<>();
        for (UnsealedBatchMeta b : state.unsealed()) {
            if (traceUpper.isBefore(b.tsUpper())) {
                evicted.add(b.key());
            } else {
                kept.add(b);
            }
        }
        if (evicted.isEmpty()) {
            return Applied.unchanged(state, List.of());
        }
        long seqNo = state.seqNo() + 1;
        return new Applied(
                state.toBuilder()
                        .seqNo(seqNo)
                        .unsealed(kept)
                        .retired(retire(state, evicted, seqNo))
                        .build(),
                true,
                evicted,
                List.of());
    }

    private static Applied applyTrim(CollectionState state, ApplyTrim t) {
        List<UnsealedBatchMeta> unsealed = new ArrayList<>(state.unsealed());
        int index = -1;
        for (int i = 0; i < unsealed.size(); i++) {
            if (unsealed.get(i).key().equals(t.original())) {
                index = i;
                break;
            }
        }
        NewUnsealedBatch r = t.replacement();
        if (index < 0) {
            return Applied.unchanged(state, List.of(r.key()));
        }
        if (!state.traceUpper().lessEqual(r.tsLower())) {
            // Planned against an older trace upper: a drain has moved it since. Stale.
            return Applied.unchanged(state, List.of(r.key()));
        }
        UnsealedBatchMeta old = unsealed.get(index);
        unsealed.set(
                index,
                new UnsealedBatchMeta(
                        r.key(),
                        old.seqNos(),
                        r.tsLower(),
                        r.tsUpper(),
                        r.sizeBytes(),
                        r.updateCount()));
        long seqNo = state.seqNo() + 1;
        return new Applied(
                state.toBuilder()
                        .seqNo(seqNo)
                        .unsealed(unsealed)
                        .retired(retire(state, List.of(old.key()), seqNo))
                        .build(),
                true,
                List.of(old.key()),
                List.of());
    }

    private static Applied applyMerge(CollectionState state, Transition.ApplyMerge m) {
        List<TraceBatchMeta> trace = new ArrayList<>(state.trace());
        List<String> inputs = m.inputs();
        NewTraceBatch merged = m.merged();
        int index = findRun(trace, inputs, m.drained().isPresent());
        if (m.drained().isPresent()) {
            Transition.Drained drained = m.drained().get();
            if (index < 0
                    || !state.traceUpper().equals(drained.lower())
                    || !drained.upper().lessEqual(state.seal())) {
                return Applied.unchanged(state, merged.partKeys());
            }
        } else if (index < 0) {
            return Applied.unchanged(state, merged.partKeys());
        }
        int after = index + inputs.size();
        TraceBatchMeta firstIn = trace.get(index);
        TraceBatchMeta lastIn = trace.get(after - 1);
        Frontier upper = m.drained().map(Transition.Drained::upper).orElse(lastIn.desc().upper());
        Description d = merged.desc();
        boolean sinceCovers = true;
        for (TraceBatchMeta b : trace.subList(index, after)) {
            sinceCovers &= b.desc().since().lessEqual(d.since());
        }
        boolean rangeOk =
                m.drained().map(r -> r.lower().lessThan(r.upper())).orElse(true)
                        && d.lower().equals(firstIn.desc().lower())
                        && d.upper().equals(upper);
        if (!rangeOk || !sinceCovers) {
            throw new IllegalArgumentException(
                    m.drained().isPresent()
                            ? "Cannot apply drain and merge: merged batch "
                                    + merged.key()
                                    + " describes "
                                    + d
                                    + ", which does not cover its trace inputs from "
                                    + firstIn.desc()
                                    + " and the drained ["
                                    + m.drained().get().lower()
                                    + ", "
                                    + m.drained().get().upper()
                                    + ") at or beyond their since"
                            : "Cannot apply merge: merged batch "
                                    + merged.key()
                                    + " describes "
                                    + d
                                    + ", which does not cover its inputs from "
                                    + firstIn.desc()
                                    + " to "
                                    + lastIn.desc()
                                    + " at or beyond their since");
        }
        boolean fitsBefore = index == 0 || trace.get(index - 1).level() >= merged.level();
        boolean fitsAfter = after >= trace.size() || trace.get(after).level() <= merged.level();
        if (!fitsBefore || !fitsAfter) {
            // Planned against an older trace whose levels have changed around the run (I7). Stale.
            return Applied.unchanged(state, merged.partKeys());
        }
        return replaceTrace(state, trace, index, after, merged, inputs);
    }

    /**
     * Where {@code inputs} stand as a run in {@code trace}, or -1; with {@code atEnd}, only a run
     * that ends the trace counts.
     */
    private static int findRun(List<TraceBatchMeta> trace, List<String> inputs, boolean atEnd) {
        int first = atEnd ? trace.size() - inputs.size() : 0;
        for (int i = Math.max(0, first); i + inputs.size() <= trace.size(); i++) {
            boolean run = true;
            for (int j = 0; j < inputs.size() && run; j++) {
                run = trace.get(i + j).key().equals(inputs.get(j));
            }
            if (run) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Replaces {@code trace[from, to)} by {@code merged} and retires {@code inputs}, their keys,
     * the newest first (as the seed does).
     */
    private static Applied replaceTrace(
            CollectionState state,
            List<TraceBatchMeta> trace,
            int from,
            int to,
            NewTraceBatch merged,
            List<String> inputs) {
        List<String> retired = new ArrayList<>();
        for (TraceBatchMeta b : trace.subList(from, to)) {
            retired.addAll(b.partKeys());
        }
        Collections.reverse(retired);
        trace.subList(from, to).clear();
        trace.add(from, merged.toMeta());
        long seqNo = state.seqNo() + 1;
        return new Applied(
                state.toBuilder()
                        .seqNo(seqNo)
                        .trace(trace)
                        .retired(retire(state, retired, seqNo))
                        .build(),
                true,
                retired,
                List.of());
    }

    private static Applied forgetRetired(CollectionState state, ForgetRetired f) {
        Set<String> forget = new HashSet<>(f.keys());
        List<RetiredBlob> kept = new ArrayList<>();
        for (RetiredBlob r : state.retired()) {
            if (!forget.contains(r.key())) {
                kept.add(r);
            }
        }
        if (kept.size() == state.retired().size()) {
            return Applied.unchanged(state, List.of());
        }
        return new Applied(
                state.toBuilder().seqNo(state.seqNo() + 1).retired(kept).build(),
                true,
                List.of(),
                List.of());
    }

    private static List<RetiredBlob> retire(CollectionState state, List<String> keys, long seqNo) {
        List<RetiredBlob> retired = new ArrayList<>(state.retired());
        for (String k : keys) {
            retired.add(new RetiredBlob(k, seqNo));
        }
        return retired;
    }

    private static Set<String> liveKeys(CollectionState state) {
        Set<String> keys = new HashSet<>();
        state.unsealed().forEach(b -> keys.add(b.key()));
        state.trace().forEach(b -> keys.addAll(b.partKeys()));
        state.retired().forEach(b -> keys.add(b.key()));
        return keys;
    }
}
