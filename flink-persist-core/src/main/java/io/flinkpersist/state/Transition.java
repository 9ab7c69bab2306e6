package io.flinkpersist.state;

import io.flinkpersist.CollectionSchema;
import io.flinkpersist.Frontier;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A change to a collection's state, applied by {@link Arrangement#apply}. Transitions that carry
 * batches refer to blobs already written; applying one does no I/O.
 */
public sealed interface Transition {

    /** An unsealed batch written but not yet in the state. */
    record NewUnsealedBatch(
            String key, long tsLower, long tsUpper, long sizeBytes, long updateCount) {
        public NewUnsealedBatch {
            Objects.requireNonNull(key, "key");
        }
    }

    /** A trace batch written by a drain or compaction, not yet in the state. */
    record NewTraceBatch(
            String key,
            Description desc,
            int level,
            long sizeBytes,
            long updateCount,
            List<BatchPart> parts) {
        public NewTraceBatch {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(desc, "desc");
            parts = List.copyOf(parts);
        }

        /** A batch of one part, {@code key}. */
        public NewTraceBatch(
                String key, Description desc, int level, long sizeBytes, long updateCount) {
            this(
                    key,
                    desc,
                    level,
                    sizeBytes,
                    updateCount,
                    List.of(BatchPart.whole(key, sizeBytes, updateCount)));
        }

        /** A batch of one part, {@code key}, whose diffs sum to {@code diffSum}. */
        public static NewTraceBatch single(
                String key,
                Description desc,
                int level,
                long sizeBytes,
                long updateCount,
                long diffSum) {
            return new NewTraceBatch(
                    key,
                    desc,
                    level,
                    sizeBytes,
                    updateCount,
                    List.of(BatchPart.whole(key, sizeBytes, updateCount, diffSum)));
        }

        /** A batch of {@code parts} (at least one), named by its first. */
        public static NewTraceBatch ofParts(Description desc, int level, List<BatchPart> parts) {
            TraceBatchMeta meta = TraceBatchMeta.ofParts(desc, level, parts);
            return new NewTraceBatch(
                    meta.key(), desc, level, meta.sizeBytes(), meta.updateCount(), parts);
        }

        /** The blob keys of its parts. */
        public List<String> partKeys() {
            return parts.stream().map(BatchPart::key).toList();
        }

        TraceBatchMeta toMeta() {
            return new TraceBatchMeta(key, desc, level, sizeBytes, updateCount, parts);
        }
    }

    /** Identifies a writer's commit so that a replay of it is a no-op. */
    record WriterToken(String writerId, long checkpointId) {
        public WriterToken {
            Objects.requireNonNull(writerId, "writerId");
        }
    }

    /**
     * Appends unsealed batches and optionally seals, atomically. With a token, a commit whose
     * checkpoint id is at or below the writer's last committed one changes nothing.
     */
    record Append(
            List<NewUnsealedBatch> batches, Optional<Frontier> sealTo, Optional<WriterToken> token)
            implements Transition {
        public Append {
            batches = List.copyOf(batches);
            Objects.requireNonNull(sealTo, "sealTo");
            Objects.requireNonNull(token, "token");
        }
    }

    /** Advances the seal; an equal seal is a no-op, an earlier one an error. */
    record Seal(Frontier to) implements Transition {
        public Seal {
            Objects.requireNonNull(to, "to");
        }
    }

    /** Advances since; an equal since is a no-op, an earlier one an error. */
    record AllowCompaction(Frontier since) implements Transition {
        public AllowCompaction {
            Objects.requireNonNull(since, "since");
        }
    }

    /**
     * Installs the result of a drain planned for {@code [lower, upper)}. Stale (the trace upper is
     * no longer {@code lower}) means no-op. An empty result ({@code batch} absent) is a no-op too:
     * a drain that moved nothing writes no batch.
     *
     * <p>{@code adopted} names unsealed batches whose files the new batch holds as parts of its
     * own, unchanged: they leave the unsealed bucket in the same step, and their blobs stay live.
     * Stale too if any of them is no longer an unsealed batch wholly in {@code [lower, upper)}.
     */
    record ApplyDrain(
            Frontier lower, Frontier upper, Optional<NewTraceBatch> batch, List<String> adopted)
            implements Transition {
        public ApplyDrain {
            Objects.requireNonNull(lower, "lower");
            Objects.requireNonNull(upper, "upper");
            Objects.requireNonNull(batch, "batch");
            adopted = List.copyOf(adopted);
            List<String> parts = batch.map(NewTraceBatch::partKeys).orElse(List.of());
            if (!parts.containsAll(adopted)) {
                throw new IllegalArgumentException(
                        "Cannot apply drain: the adopted unsealed batches "
                                + adopted
                                + " must be parts of the drained batch");
            }
        }

        /** A drain that adopts nothing: every part of {@code batch} was written by it. */
        public ApplyDrain(Frontier lower, Frontier upper, Optional<NewTraceBatch> batch) {
            this(lower, upper, batch, List.of());
        }

        /** The parts it wrote: the batch's parts that are not adopted unsealed batches. */
        public List<String> writtenKeys() {
            List<String> out = new ArrayList<>();
            batch.ifPresent(
                    b -> b.partKeys().stream().filter(k -> !adopted.contains(k)).forEach(out::add));
            return out;
        }
    }

    /** Drops the unsealed batches whose updates all lie below the trace upper. */
    record Evict() implements Transition {}

    /**
     * Replaces unsealed batch {@code original} by {@code replacement}, its rewrite without the
     * updates below the trace upper, keeping its SeqNo range. No-op if {@code original} is gone or
     * the trace upper has moved past the replacement's first time (a stale result).
     */
    record ApplyTrim(String original, NewUnsealedBatch replacement) implements Transition {
        public ApplyTrim {
            Objects.requireNonNull(original, "original");
            Objects.requireNonNull(replacement, "replacement");
        }
    }

    /** The unsealed updates a merge drained in the same pass: times in {@code [lower, upper)}. */
    record Drained(Frontier lower, Frontier upper) {
        public Drained {
            Objects.requireNonNull(lower, "lower");
            Objects.requireNonNull(upper, "upper");
        }
    }

    /**
     * Replaces the consecutive trace batches {@code inputs} (oldest first) by their merge: the one
     * merge transition, for a pair, a longer run, and a run merged with a drain. Without {@code
     * drained} the run may lie anywhere in the trace; a run of one batch is its rewrite at a later
     * since (its times advanced, so consolidated). With it, the run (one or more batches) must end
     * the trace at the drained range's lower, and the merge also holds the unsealed updates of that
     * range: the trace then ends at its upper. No-op if the run is no longer there as planned (a
     * stale result).
     */
    record ApplyMerge(List<String> inputs, Optional<Drained> drained, NewTraceBatch merged)
            implements Transition {
        public ApplyMerge {
            inputs = List.copyOf(inputs);
            Objects.requireNonNull(drained, "drained");
            Objects.requireNonNull(merged, "merged");
            if (drained.isEmpty() && inputs.isEmpty()) {
                throw new IllegalArgumentException(
                        "Cannot merge trace batches: need at least one (inputs=" + inputs + ")");
            }
            if (drained.isPresent() && inputs.isEmpty()) {
                throw new IllegalArgumentException(
                        "Cannot drain and merge: no trace batch to merge with (use ApplyDrain)");
            }
        }

        /** A merge of {@code inputs} without a drain. */
        public ApplyMerge(List<String> inputs, NewTraceBatch merged) {
            this(inputs, Optional.empty(), merged);
        }
    }

    /**
     * Records {@code request} as the collection's pending merge, for any worker to carry out. A
     * no-op while another request is pending: one at a time, so requests never overlap.
     */
    record RequestMerge(MergeRequest request) implements Transition {
        public RequestMerge {
            Objects.requireNonNull(request, "request");
        }
    }

    /**
     * Installs the result of pending request {@code id} ({@code result}, an {@link ApplyMerge} or
     * {@link ApplyDrain} over its parts) and forgets the request. If the result no longer applies,
     * the request is forgotten and its parts are orphaned. A no-op if the request is not pending
     * (it was completed or dropped already): nothing is orphaned then, as its parts may be live.
     */
    record CompleteRequest(String id, Transition result) implements Transition {
        public CompleteRequest {
            Objects.requireNonNull(id, "id");
            if (!(result instanceof ApplyMerge) && !(result instanceof ApplyDrain)) {
                throw new IllegalArgumentException(
                        "Cannot complete merge request "
                                + id
                                + " with "
                                + result.getClass().getSimpleName()
                                + ": only a merge or a drain completes a request");
            }
        }
    }

    /**
     * Forgets pending request {@code id} without installing anything (it cannot be carried out);
     * parts already written become garbage. A no-op if it is not pending.
     */
    record DropRequest(String id) implements Transition {
        public DropRequest {
            Objects.requireNonNull(id, "id");
        }
    }

    /** Forgets retired blobs that garbage collection has deleted. */
    record ForgetRetired(List<String> keys) implements Transition {
        public ForgetRetired {
            keys = List.copyOf(keys);
        }
    }

    /**
     * Takes (or re-takes) a reader lease pinning the new state version, holding since at {@code
     * hold} (the current since if absent), until {@code nowMillis + durationMillis}.
     */
    record AcquireLease(String id, Optional<Frontier> hold, long nowMillis, long durationMillis)
            implements Transition {
        public AcquireLease {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(hold, "hold");
        }
    }

    /**
     * Extends a live lease to {@code nowMillis + durationMillis}, optionally moving its hold
     * forward and re-pinning it to the new state version. Fails with {@link LeaseExpiredException}
     * if the lease is gone.
     */
    record RenewLease(
            String id, Optional<Frontier> hold, boolean repin, long nowMillis, long durationMillis)
            implements Transition {
        public RenewLease {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(hold, "hold");
        }
    }

    /** Ends a lease; releasing a lease that is gone changes nothing. */
    record ReleaseLease(String id) implements Transition {
        public ReleaseLease {
            Objects.requireNonNull(id, "id");
        }
    }

    /** Drops the leases whose expiry is at or before {@code nowMillis}. */
    record ExpireLeases(long nowMillis) implements Transition {}

    /**
     * Records what the collection holds, if it has no schema yet (a collection created before
     * schemas were recorded); the same schema is a no-op, a different one an error naming both.
     */
    record RecordSchema(CollectionSchema schema) implements Transition {
        public RecordSchema {
            Objects.requireNonNull(schema, "schema");
        }
    }
}
