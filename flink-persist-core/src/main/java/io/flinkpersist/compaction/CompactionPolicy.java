package io.flinkpersist.compaction;

import io.flinkpersist.state.CollectionState;
import java.util.Optional;

/**
 * Decides which run of trace batches to merge next. Pure: a plan is computed from the state alone
 * and carried out by {@link Maintainer}; a plan that became stale meanwhile is a harmless no-op
 * when applied. A policy is free in which run it picks: any run of adjacent batches wholly before
 * since is a valid merge, and the level rule ({@link MergePlan#mergedLevel}) keeps the trace's
 * levels non-increasing whatever the choice.
 */
@FunctionalInterface
public interface CompactionPolicy {

    /** The default: {@link LeveledCompactionPolicy}. */
    CompactionPolicy DEFAULT = new LeveledCompactionPolicy();

    /** The next merge, if the state needs one. */
    Optional<MergePlan> pick(CollectionState state);
}
