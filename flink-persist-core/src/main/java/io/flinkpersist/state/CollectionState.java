package io.flinkpersist.state;

import io.flinkpersist.CollectionSchema;
import io.flinkpersist.Frontier;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One version of a collection's state: its frontiers and the metadata of its batches. Immutable;
 * every change is a new version made by {@link Arrangement#apply}, committed as {@code
 * state/<seqNo>}.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>I1: {@code traceUpper <= seal}; across versions seal and since never regress ({@link
 *       #validateSuccessor}).
 *   <li>I3: unsealed SeqNo ranges are non-empty, strictly increasing and do not overlap, and all
 *       lie below {@code nextSeqNo}.
 *   <li>I4: {@code tsLower <= tsUpper} for every unsealed batch.
 *   <li>I5: trace batches are contiguous non-empty intervals starting at {@code {0}}, all with
 *       {@code upper <= seal}.
 *   <li>I6: every trace batch's since is at or before the collection's since.
 *   <li>I7: trace levels are non-increasing from oldest to newest.
 *   <li>I9: batch keys are unique across unsealed, trace and retired batches.
 *   <li>I1 (leases): since never passes the requested since nor a lease's hold.
 *   <li>I11: the seqNo is non-negative and grows by one per commit ({@link #validateSuccessor});
 *       leases pin existing versions.
 * </ul>
 *
 * <p>I2, the per-update part of I4 and I6, and I8 concern batch contents: they are checked when a
 * batch is appended and every time one is decoded.
 */
public final class CollectionState {

    private final long seqNo;
    private final Frontier seal;
    private final Frontier since;
    private final long nextSeqNo;
    private final List<UnsealedBatchMeta> unsealed;
    private final List<TraceBatchMeta> trace;
    private final SortedMap<String, Long> writers;
    private final List<RetiredBlob> retired;
    private final Frontier requestedSince;
    private final SortedMap<String, ReaderLease> leases;
    private final CollectionSchema schema;
    private final List<MergeRequest> requests;
    private final long partsRequested;

    private CollectionState(Builder b) {
        this.seqNo = b.seqNo;
        this.seal = Objects.requireNonNull(b.seal, "seal");
        this.since = Objects.requireNonNull(b.since, "since");
        this.nextSeqNo = b.nextSeqNo;
        this.unsealed = List.copyOf(b.unsealed);
        this.trace = List.copyOf(b.trace);
        this.writers = Collections.unmodifiableSortedMap(new TreeMap<>(b.writers));
        this.retired = List.copyOf(b.retired);
        this.requestedSince = b.requestedSince == null ? this.since : b.requestedSince;
        this.leases = Collections.unmodifiableSortedMap(new TreeMap<>(b.leases));
        this.schema = b.schema;
        this.requests = List.copyOf(b.requests);
        this.partsRequested = b.partsRequested;
    }

    /** The state of a new, empty collection: version 0, seal and since {@code {0}}. */
    public static CollectionState initial() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The state version; {@code state/<seqNo>} holds it. */
    public long seqNo() {
        return seqNo;
    }

    /** The logical upper: every time before it is complete. */
    public Frontier seal() {
        return seal;
    }

    /** The compaction frontier: times before it read as it. */
    public Frontier since() {
        return since;
    }

    /** The first write sequence number not yet given to an unsealed batch. */
    public long nextSeqNo() {
        return nextSeqNo;
    }

    public List<UnsealedBatchMeta> unsealed() {
        return unsealed;
    }

    public List<TraceBatchMeta> trace() {
        return trace;
    }

    /**
     * The trace's sorted runs, each as a batch of its own ({@link TraceBatchMeta#runs()}): what a
     * read merges.
     */
    public List<TraceBatchMeta> runs() {
        return TraceBatchMeta.runsOf(trace);
    }

    /**
     * The merges requested and not yet completed or dropped: at most one, which any worker may help
     * carry out ({@link MergeRequest}).
     */
    public List<MergeRequest> requests() {
        return requests;
    }

    /**
     * How many merge parts have been requested so far: the next request's parts are assigned to
     * workers from there on ({@link MergeRequest#firstWorker()}), so parts go round-robin across
     * requests whoever plans them.
     */
    public long partsRequested() {
        return partsRequested;
    }

    /** For each writer id, the last checkpoint id it committed (idempotency of replays). */
    public SortedMap<String, Long> writers() {
        return writers;
    }

    /** Batch blobs no longer referenced by this version, awaiting garbage collection. */
    public List<RetiredBlob> retired() {
        return retired;
    }

    /**
     * The since the writers asked for with allowCompaction. The effective {@link #since()} follows
     * it but never passes a live lease's hold.
     */
    public Frontier requestedSince() {
        return requestedSince;
    }

    /** Reader leases by id. */
    public SortedMap<String, ReaderLease> leases() {
        return leases;
    }

    /**
     * The key and value encodings the collection holds, recorded when it was created; empty for a
     * collection created before schemas were recorded and not written since.
     */
    public Optional<CollectionSchema> schema() {
        return Optional.ofNullable(schema);
    }

    /** The smallest state version a lease pins, if any lease exists. */
    public OptionalLong minPinnedSeqNo() {
        return leases.values().stream().mapToLong(ReaderLease::pinnedSeqNo).min();
    }

    /** The physical upper: the last trace batch's upper, or {@code {0}}. */
    public Frontier traceUpper() {
        return trace.isEmpty() ? Frontier.minimum() : trace.get(trace.size() - 1).desc().upper();
    }

    /** Total bytes of the live (unsealed and trace) batches. */
    public long liveBytes() {
        long total = 0;
        for (UnsealedBatchMeta b : unsealed) {
            total += b.sizeBytes();
        }
        for (TraceBatchMeta b : trace) {
            total += b.sizeBytes();
        }
        return total;
    }

    /** Checks I1, I3–I7, I9 and I11 on this version alone. */
    public CollectionState validate() {
        InvariantViolationException.check(
                seqNo >= 0, "I11", "state seqNo must be >= 0 (seqNo=%d)", seqNo);
        Frontier traceUpper = traceUpper();
        InvariantViolationException.check(
                traceUpper.lessEqual(seal),
                "I1",
                "trace upper must not pass the seal (traceUpper=%s, seal=%s)",
                traceUpper,
                seal);

        long prevEnd = -1;
        for (int i = 0; i < unsealed.size(); i++) {
            UnsealedBatchMeta b = unsealed.get(i);
            b.validate();
            InvariantViolationException.check(
                    prevEnd <= b.seqNos().start(),
                    "I3",
                    "unsealed SeqNo ranges must increase without overlap (index=%d, previous end=%d, start=%d)",
                    i,
                    prevEnd,
                    b.seqNos().start());
            prevEnd = b.seqNos().end();
        }
        InvariantViolationException.check(
                prevEnd <= nextSeqNo,
                "I3",
                "unsealed SeqNo ranges must lie below nextSeqNo (last end=%d, nextSeqNo=%d)",
                prevEnd,
                nextSeqNo);

        Frontier expectedLower = Frontier.minimum();
        int prevLevel = Integer.MAX_VALUE;
        for (int i = 0; i < trace.size(); i++) {
            TraceBatchMeta b = trace.get(i);
            b.validate();
            InvariantViolationException.check(
                    b.desc().lower().equals(expectedLower),
                    "I5",
                    "trace batches must be contiguous from {0} (index=%d, expected lower=%s, lower=%s)",
                    i,
                    expectedLower,
                    b.desc().lower());
            InvariantViolationException.check(
                    b.desc().upper().lessEqual(seal),
                    "I5",
                    "trace batch upper must not pass the seal (index=%d, upper=%s, seal=%s)",
                    i,
                    b.desc().upper(),
                    seal);
            InvariantViolationException.check(
                    b.desc().since().lessEqual(since),
                    "I6",
                    "trace batch since must not pass the collection since (index=%d, batch since=%s, since=%s)",
                    i,
                    b.desc().since(),
                    since);
            InvariantViolationException.check(
                    b.level() <= prevLevel,
                    "I7",
                    "trace levels must not increase from oldest to newest (index=%d, previous level=%d, level=%d)",
                    i,
                    prevLevel,
                    b.level());
            expectedLower = b.desc().upper();
            prevLevel = b.level();
        }

        InvariantViolationException.check(
                since.lessEqual(requestedSince),
                "I1",
                "since must not pass the requested since (since=%s, requestedSince=%s)",
                since,
                requestedSince);
        for (ReaderLease lease : leases.values()) {
            InvariantViolationException.check(
                    since.lessEqual(lease.sinceHold()),
                    "I1",
                    "since must not pass a lease's hold (lease=%s, hold=%s, since=%s)",
                    lease.id(),
                    lease.sinceHold(),
                    since);
            InvariantViolationException.check(
                    0 <= lease.pinnedSeqNo() && lease.pinnedSeqNo() <= seqNo,
                    "I11",
                    "a lease must pin an existing state version (lease=%s, pinnedSeqNo=%d, seqNo=%d)",
                    lease.id(),
                    lease.pinnedSeqNo(),
                    seqNo);
        }

        Set<String> keys = new HashSet<>();
        for (UnsealedBatchMeta b : unsealed) {
            checkUniqueKey(keys, b.key());
        }
        for (TraceBatchMeta b : trace) {
            for (BatchPart p : b.parts()) {
                checkUniqueKey(keys, p.key());
            }
        }
        InvariantViolationException.check(
                requests.size() <= 1,
                "I9",
                "at most one merge request may be pending (requests=%s)",
                requests);
        for (RetiredBlob b : retired) {
            checkUniqueKey(keys, b.key());
            InvariantViolationException.check(
                    b.retiredAt() <= seqNo,
                    "I9",
                    "a blob cannot be retired after the state that records it (key=%s, retiredAt=%d, seqNo=%d)",
                    b.key(),
                    b.retiredAt(),
                    seqNo);
        }
        return this;
    }

    private static void checkUniqueKey(Set<String> keys, String key) {
        InvariantViolationException.check(
                keys.add(key), "I9", "batch keys must be unique (duplicate key=%s)", key);
    }

    /**
     * Checks that {@code next} may follow this version: seqNo grows by exactly one (I11), and seal
     * and since do not regress (I1).
     */
    public void validateSuccessor(CollectionState next) {
        InvariantViolationException.check(
                next.seqNo == seqNo + 1,
                "I11",
                "state seqNo must grow by exactly one per commit (previous=%d, next=%d)",
                seqNo,
                next.seqNo);
        InvariantViolationException.check(
                seal.lessEqual(next.seal),
                "I1",
                "seal must not regress (previous=%s, next=%s)",
                seal,
                next.seal);
        InvariantViolationException.check(
                since.lessEqual(next.since),
                "I1",
                "since must not regress (previous=%s, next=%s)",
                since,
                next.since);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CollectionState s
                && seqNo == s.seqNo
                && nextSeqNo == s.nextSeqNo
                && seal.equals(s.seal)
                && since.equals(s.since)
                && unsealed.equals(s.unsealed)
                && trace.equals(s.trace)
                && writers.equals(s.writers)
                && retired.equals(s.retired)
                && requestedSince.equals(s.requestedSince)
                && leases.equals(s.leases)
                && Objects.equals(schema, s.schema)
                && requests.equals(s.requests)
                && partsRequested == s.partsRequested;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                seqNo,
                seal,
                since,
                nextSeqNo,
                unsealed,
                trace,
                writers,
                retired,
                requestedSince,
                requests,
                partsRequested,
                leases,
                schema);
    }

    @Override
    public String toString() {
        return "CollectionState{seqNo="
                + seqNo
                + ", seal="
                + seal
                + ", since="
                + since
                + ", traceUpper="
                + traceUpper()
                + ", unsealed="
                + unsealed.size()
                + ", trace="
                + trace.size()
                + ", retired="
                + retired.size()
                + ", leases="
                + leases.keySet()
                + "}";
    }

    /** Builds a state; {@link #build()} does not validate (call {@link #validate()}). */
    public static final class Builder {
        private long seqNo;
        private Frontier seal = Frontier.minimum();
        private Frontier since = Frontier.minimum();
        private long nextSeqNo;
        private List<UnsealedBatchMeta> unsealed = List.of();
        private List<TraceBatchMeta> trace = List.of();
        private Map<String, Long> writers = Map.of();
        private List<RetiredBlob> retired = List.of();

        /** Null means "same as since". */
        private Frontier requestedSince;

        private Map<String, ReaderLease> leases = Map.of();

        /** Null means "not recorded". */
        private CollectionSchema schema;

        private List<MergeRequest> requests = List.of();
        private long partsRequested;

        private Builder() {}

        private Builder(CollectionState s) {
            seqNo = s.seqNo;
            seal = s.seal;
            since = s.since;
            nextSeqNo = s.nextSeqNo;
            unsealed = s.unsealed;
            trace = s.trace;
            writers = s.writers;
            retired = s.retired;
            requestedSince = s.requestedSince;
            leases = s.leases;
            schema = s.schema;
            requests = s.requests;
            partsRequested = s.partsRequested;
        }

        public Builder seqNo(long seqNo) {
            this.seqNo = seqNo;
            return this;
        }

        public Builder seal(Frontier seal) {
            this.seal = seal;
            return this;
        }

        public Builder since(Frontier since) {
            this.since = since;
            return this;
        }

        public Builder nextSeqNo(long nextSeqNo) {
            this.nextSeqNo = nextSeqNo;
            return this;
        }

        public Builder unsealed(List<UnsealedBatchMeta> unsealed) {
            this.unsealed = unsealed;
            return this;
        }

        public Builder trace(List<TraceBatchMeta> trace) {
            this.trace = trace;
            return this;
        }

        public Builder writers(Map<String, Long> writers) {
            this.writers = writers;
            return this;
        }

        public Builder retired(List<RetiredBlob> retired) {
            this.retired = retired;
            return this;
        }

        public Builder requestedSince(Frontier requestedSince) {
            this.requestedSince = requestedSince;
            return this;
        }

        public Builder leases(Map<String, ReaderLease> leases) {
            this.leases = leases;
            return this;
        }

        public Builder schema(Optional<CollectionSchema> schema) {
            this.schema = schema.orElse(null);
            return this;
        }

        public Builder requests(List<MergeRequest> requests) {
            this.requests = requests;
            return this;
        }

        public Builder partsRequested(long partsRequested) {
            this.partsRequested = partsRequested;
            return this;
        }

        public CollectionState build() {
            return new CollectionState(this);
        }
    }
}
