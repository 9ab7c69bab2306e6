package io.flinkpersist.compaction;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * For a collection whose writing has ended: merge everything before since into one batch, in one
 * pass, the smallest and fastest to read. When the seal is ahead of the trace and at or before
 * since, and the whole trace lies before since, the sealed unsealed updates are drained into that
 * same pass; otherwise the trace batches wholly before since are merged, if there are two or more.
 */
public final class FinalCompactionPolicy implements CompactionPolicy {

    @Override
    public Optional<MergePlan> pick(CollectionState state) {
        Frontier since = state.since();
        if (since.isClosed()) {
            return Optional.empty();
        }
        List<TraceBatchMeta> trace = state.trace();
        Optional<DrainPlan> drain = MaintenancePlanner.pickDrain(state);
        if (drain.isPresent()
                && !trace.isEmpty()
                && drain.get().upper().lessEqual(since)
                && trace.stream().allMatch(b -> b.desc().upper().lessEqual(since))) {
            return Optional.of(new MergePlan(trace, since, drain));
        }
        List<TraceBatchMeta> run = new ArrayList<>();
        for (TraceBatchMeta b : trace) {
            if (!b.desc().upper().lessEqual(since)) {
                break;
            }
            run.add(b);
        }
        return run.size() < 2 ? Optional.empty() : Optional.of(MergePlan.of(run, since));
    }
}
