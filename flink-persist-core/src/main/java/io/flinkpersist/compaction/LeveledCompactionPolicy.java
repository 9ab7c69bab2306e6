package io.flinkpersist.compaction;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import java.util.List;
import java.util.Optional;

/**
 * The default policy, the seed's: merge the oldest run of {@code fanout} adjacent trace batches on
 * the same level whose upper is at or before since (a pair, as the seed does, by default). The
 * merged batch goes one level up only if it holds more updates than every input, so levels stay
 * non-increasing (I7) and, with since following the seal, the trace holds fewer than {@code fanout}
 * batches per level: O(log n) batches after n drains. Each update is rewritten about once per
 * level, and there are log<sub>fanout</sub> n levels: a wider fanout rewrites less and leaves more
 * batches for reads to merge.
 *
 * <p>A level-0 batch of several sorted runs (what a drain adopts) that no merge takes once {@code
 * fanout} newer batches follow it (since stays behind them: history kept) is merged into one run on
 * its own (times advanced to since where since allows), so that adopted runs do not pile up.
 */
public final class LeveledCompactionPolicy implements CompactionPolicy {

    private final int fanout;

    /** The seed's rule: pairs. */
    public LeveledCompactionPolicy() {
        this(2);
    }

    /** Runs of {@code fanout} batches, at least 2. */
    public LeveledCompactionPolicy(int fanout) {
        if (fanout < 2) {
            throw new IllegalArgumentException(
                    "Cannot merge runs of " + fanout + " trace batches: the fanout must be >= 2");
        }
        this.fanout = fanout;
    }

    @Override
    public Optional<MergePlan> pick(CollectionState state) {
        Frontier since = state.since();
        if (since.isClosed()) {
            return Optional.empty();
        }
        List<TraceBatchMeta> trace = state.trace();
        for (int i = 0; i + fanout <= trace.size(); i++) {
            int level = trace.get(i).level();
            boolean run = trace.get(i + fanout - 1).desc().upper().lessEqual(since);
            for (int j = i + 1; j < i + fanout && run; j++) {
                run = trace.get(j).level() == level;
            }
            if (run) {
                return Optional.of(MergePlan.of(trace.subList(i, i + fanout), since));
            }
        }
        for (int i = 0; i + fanout < trace.size(); i++) {
            TraceBatchMeta b = trace.get(i);
            if (b.runCount() > 1) {
                return Optional.of(MergePlan.of(List.of(b), Frontier.max(b.desc().since(), since)));
            }
        }
        return Optional.empty();
    }
}
