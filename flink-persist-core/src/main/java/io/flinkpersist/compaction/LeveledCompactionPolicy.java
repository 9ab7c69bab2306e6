package io.flinkpersist.compaction;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import java.util.List;
import java.util.Optional;

/**
 * The default policy, the seed's: merge the oldest adjacent pair of trace batches on the same level
 * whose upper is at or before since. The merged batch goes one level up only if it is larger than
 * both inputs, so levels stay non-increasing (I7) and, with since following the seal, the trace
 * holds about one batch per level: O(log n) batches after n drains.
 */
public final class LeveledCompactionPolicy implements CompactionPolicy {

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
        return Optional.empty();
    }
}
