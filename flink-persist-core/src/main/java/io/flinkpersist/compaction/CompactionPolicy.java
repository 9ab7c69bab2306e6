package io.flinkpersist.compaction;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides what maintenance a state needs. Pure: plans are computed from the state alone and carried
 * out by {@link Maintainer}.
 *
 * <p>Trace compaction merges the oldest adjacent pair of batches on the same level whose upper is
 * at or before since. The merged batch goes one level up only if it is larger than both inputs, so
 * levels stay non-increasing (I7) and, with since following the seal, the trace holds about one
 * batch per level: O(log n) batches after n drains.
 */
public final class CompactionPolicy {

    private CompactionPolicy() {}

    /** Move the unsealed updates with times in {@code [lower, upper)} into one trace batch. */
    public record DrainPlan(Frontier lower, Frontier upper, List<UnsealedBatchMeta> inputs) {}

    /** Rewrite {@code batch} without its updates below {@code traceUpper}. */
    public record TrimPlan(UnsealedBatchMeta batch, Frontier traceUpper) {}

    /**
     * Merge adjacent trace batches {@code first}, {@code second} with times advanced to {@code
     * since}.
     */
    public record CompactionPlan(TraceBatchMeta first, TraceBatchMeta second, Frontier since) {
        public CompactionPlan {
            if (!first.desc().upper().equals(second.desc().lower())) {
                throw new IllegalArgumentException(
                        "Cannot compact trace batches "
                                + first.key()
                                + " and "
                                + second.key()
                                + ": they are not consecutive (first="
                                + first.desc()
                                + ", second="
                                + second.desc()
                                + ")");
            }
            if (since.isClosed()
                    || !first.desc().since().lessEqual(since)
                    || !second.desc().since().lessEqual(since)) {
                throw new IllegalArgumentException(
                        "Cannot compact trace batches "
                                + first.key()
                                + " and "
                                + second.key()
                                + ": the output since "
                                + since
                                + " must be a time at or after both input sinces ("
                                + first.desc().since()
                                + ", "
                                + second.desc().since()
                                + ")");
            }
        }
    }

    /**
     * A drain, if the seal is ahead of the trace upper and some unsealed batch overlaps the gap.
     */
    public static Optional<DrainPlan> pickDrain(CollectionState state) {
        Frontier lower = state.traceUpper();
        Frontier upper = state.seal();
        if (!lower.lessThan(upper)) {
            return Optional.empty();
        }
        List<UnsealedBatchMeta> inputs = new ArrayList<>();
        for (UnsealedBatchMeta b : state.unsealed()) {
            if (lower.lessEqual(b.tsUpper()) && upper.isBefore(b.tsLower())) {
                inputs.add(b);
            }
        }
        if (inputs.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new DrainPlan(lower, upper, inputs));
    }

    /**
     * Whether an evict would drop a batch: some unsealed batch lies wholly below the trace upper.
     */
    public static boolean needsEvict(CollectionState state) {
        Frontier traceUpper = state.traceUpper();
        return state.unsealed().stream().anyMatch(b -> traceUpper.isBefore(b.tsUpper()));
    }

    /** The first unsealed batch that straddles the trace upper. */
    public static Optional<TrimPlan> pickTrim(CollectionState state) {
        Frontier traceUpper = state.traceUpper();
        for (UnsealedBatchMeta b : state.unsealed()) {
            if (traceUpper.isBefore(b.tsLower()) && traceUpper.lessEqual(b.tsUpper())) {
                return Optional.of(new TrimPlan(b, traceUpper));
            }
        }
        return Optional.empty();
    }

    /** The oldest adjacent same-level pair of trace batches wholly before since. */
    public static Optional<CompactionPlan> pickCompaction(CollectionState state) {
        Frontier since = state.since();
        if (since.isClosed()) {
            return Optional.empty();
        }
        List<TraceBatchMeta> trace = state.trace();
        for (int i = 1; i < trace.size(); i++) {
            TraceBatchMeta first = trace.get(i - 1);
            TraceBatchMeta second = trace.get(i);
            if (first.level() == second.level() && second.desc().upper().lessEqual(since)) {
                return Optional.of(new CompactionPlan(first, second, since));
            }
        }
        return Optional.empty();
    }

    /**
     * The trace batches wholly before since, oldest first, if there are at least two: merged in one
     * pass, they leave the trace before since as one batch.
     */
    public static Optional<List<TraceBatchMeta>> pickFullCompaction(CollectionState state) {
        Frontier since = state.since();
        if (since.isClosed()) {
            return Optional.empty();
        }
        List<TraceBatchMeta> run = new ArrayList<>();
        for (TraceBatchMeta b : state.trace()) {
            if (!b.desc().upper().lessEqual(since)) {
                break;
            }
            run.add(b);
        }
        return run.size() < 2 ? Optional.empty() : Optional.of(run);
    }

    /**
     * The level of a full compaction's result: one above its highest input if it is larger than
     * every input, else that input's level. It starts the trace, so levels stay non-increasing
     * (I7).
     */
    public static int fullMergedLevel(List<TraceBatchMeta> inputs, long mergedSizeBytes) {
        int level = 0;
        boolean grew = true;
        for (TraceBatchMeta b : inputs) {
            level = Math.max(level, b.level());
            grew &= mergedSizeBytes > b.sizeBytes();
        }
        return grew ? level + 1 : level;
    }

    /**
     * The level of a merge result: one up if it is larger than both inputs, else the inputs' level.
     */
    public static int mergedLevel(CompactionPlan plan, long mergedSizeBytes) {
        int level = plan.first().level();
        boolean grew =
                mergedSizeBytes > plan.first().sizeBytes()
                        && mergedSizeBytes > plan.second().sizeBytes();
        return grew ? level + 1 : level;
    }
}
