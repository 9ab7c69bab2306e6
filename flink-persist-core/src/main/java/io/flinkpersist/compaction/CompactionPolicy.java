package io.flinkpersist.compaction;

import io.flinkpersist.state.CollectionState;
import java.util.Optional;

/**
 * Decides which run of trace batches to merge next. Pure: a plan is computed from the state alone
 * and carried out by {@link Maintainer}; a plan that became stale meanwhile is a harmless no-op
 * when applied. A policy may pick any run of adjacent batches wholly before since; the result takes
 * its level from {@link MergePlan#mergedLevel}, and a merge whose result would sit above the level
 * of the batch before it (breaking I7) is refused as stale when applied, so a useful policy picks
 * runs that start the trace or follow a higher level.
 */
@FunctionalInterface
public interface CompactionPolicy {

    /** The default: {@link LeveledCompactionPolicy}. */
    CompactionPolicy DEFAULT = new LeveledCompactionPolicy();

    /** The next merge, if the state needs one. */
    Optional<MergePlan> pick(CollectionState state);
}
