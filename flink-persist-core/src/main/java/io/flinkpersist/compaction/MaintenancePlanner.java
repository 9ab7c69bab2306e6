package io.flinkpersist.compaction;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Plans the maintenance of the unsealed bucket: drains, evictions and trims. Pure: plans are
 * computed from the state alone and carried out by {@link Maintainer}. Trace compaction is a {@link
 * CompactionPolicy}'s.
 */
public final class MaintenancePlanner {

    private MaintenancePlanner() {}

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

    /** As {@link #nextMerge(CollectionState, CompactionPolicy, boolean)}, drain first. */
    public static Optional<MergePlan> nextMerge(CollectionState state, CompactionPolicy policy) {
        return nextMerge(state, policy, true);
    }

    /**
     * The next merge to request: the policy's plan if it drains too; else a drain alone or the
     * policy's plan, the drain first if {@code drainFirst} (a planner alternates, so that neither
     * drains nor compactions wait behind a stream of the other).
     */
    public static Optional<MergePlan> nextMerge(
            CollectionState state, CompactionPolicy policy, boolean drainFirst) {
        Optional<MergePlan> picked = policy.pick(state);
        if (picked.isPresent() && picked.get().drain().isPresent()) {
            return picked;
        }
        if (picked.isPresent() && !drainFirst) {
            return picked;
        }
        Optional<DrainPlan> drain = pickDrain(state);
        if (drain.isPresent()) {
            return Optional.of(MergePlan.drainOnly(drain.get()));
        }
        return picked;
    }
}
