package io.flinkpersist.compaction;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import java.util.List;
import java.util.Optional;

/**
 * The default policy, the seed's: merge the oldest adjacent pair of trace batches on the same level
 * whose upper is at or before since. The merged batch goes one level up only if it holds more
 * updates than both inputs, so levels stay non-increasing (I7) and, with since following the seal,
 * the trace holds about one batch per level: O(log n) batches after n drains.
 */
public final class LeveledCompactionPolicy implements CompactionPolicy {

    /**
     * How many newer batches a level-0 batch of several sorted runs waits for before its runs are
     * merged on their own. With since following the seal, a pair merge takes it sooner.
     */
    static final int RUNS_MERGED_AFTER = 2;

    @Override
    public Optional<MergePlan> pick(CollectionState state) {
        Frontier since = state.since();
        if (since.isClosed()) {
            return Optional.empty();
        }
        List<TraceBatchMeta> trace = state.trace();
        for (int i = 1; i < trace.size(); i++) {
            TraceBatchMeta first = trace.get(i - 1);
            TraceBatchMeta second = trace.get(i);
            if (first.level() == second.level() && second.desc().upper().lessEqual(since)) {
                return Optional.of(MergePlan.of(List.of(first, second), since));
            }
        }
        // No pair: merge the runs of a level-0 batch that two newer batches followed without a
        // pair merge taking it (since stays behind them: history kept), so that runs adopted
        // by drains do not pile up.
        for (int i = 0; i + RUNS_MERGED_AFTER < trace.size(); i++) {
            TraceBatchMeta b = trace.get(i);
            if (b.runCount() > 1) {
                return Optional.of(MergePlan.of(List.of(b), Frontier.max(b.desc().since(), since)));
            }
        }
        return Optional.empty();
    }
}
