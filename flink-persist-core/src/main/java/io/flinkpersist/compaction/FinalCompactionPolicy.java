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
 * same pass; otherwise the trace batches wholly before since are merged, if there are two or more,
 * or rewritten if there is one whose own since is older (so that its times advance to since).
 *
 * <p>A closed collection (its seal is closed: no update can come) is merged whole, whatever the
 * uppers say: its last batch reaches the closed upper and so never lies wholly before since, yet
 * merging it at since is valid (times at or after since stay as they are), and once since has moved
 * past its data (the sink moves it there) the merge consolidates all of it.
 */
public final class FinalCompactionPolicy implements CompactionPolicy {

    @Override
    public Optional<MergePlan> pick(CollectionState state) {
        Frontier since = state.since();
        if (since.isClosed()) {
            return Optional.empty();
        }
        boolean closed = state.seal().isClosed();
        List<TraceBatchMeta> trace = state.trace();
        Optional<DrainPlan> drain = MaintenancePlanner.pickDrain(state);
        if (drain.isPresent()
                && !trace.isEmpty()
                && (closed || drain.get().upper().lessEqual(since))
                && (closed || trace.stream().allMatch(b -> b.desc().upper().lessEqual(since)))) {
            return Optional.of(new MergePlan(trace, since, drain));
        }
        List<TraceBatchMeta> run = new ArrayList<>();
        for (TraceBatchMeta b : trace) {
            if (!closed && !b.desc().upper().lessEqual(since)) {
                break;
            }
            run.add(b);
        }
        if (run.size() == 1
                && (run.get(0).desc().since().lessThan(since) || run.get(0).runCount() > 1)) {
            // One batch, its times not yet advanced to since or its runs not merged: rewriting
            // it consolidates it.
            return Optional.of(MergePlan.of(run, since));
        }
        return run.size() < 2 ? Optional.empty() : Optional.of(MergePlan.of(run, since));
    }
}
