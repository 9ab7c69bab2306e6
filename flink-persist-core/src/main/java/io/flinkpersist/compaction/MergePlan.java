package io.flinkpersist.compaction;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.TraceBatchMeta;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A merge of a run of adjacent trace batches into one, with times advanced to {@code since}; a pair
 * is a run of two. With a {@code drain}, the unsealed updates it covers are drained into the same
 * pass: the run then ends the trace at the drain's lower, and one batch replaces both.
 *
 * @param run the trace batches, oldest first: at least two, one only to advance its times to a
 *     later since or to merge its sorted runs into one, or any number with a drain (none: a drain
 *     alone, whose output is a level-0 batch)
 * @param since the output's since, at or after every input's since
 * @param drain the sealed unsealed updates merged in, if any
 */
public record MergePlan(List<TraceBatchMeta> run, Frontier since, Optional<DrainPlan> drain) {

    public MergePlan {
        run = List.copyOf(run);
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(drain, "drain");
        // A lone batch may be rewritten only to advance its times to a later since, or to merge
        // its sorted runs into one.
        boolean rewritesOne =
                run.size() == 1
                        && (run.get(0).desc().since().lessThan(since) || run.get(0).runCount() > 1);
        int least = drain.isPresent() || rewritesOne ? 0 : 2;
        if (run.size() < least) {
            throw new IllegalArgumentException(
                    "Cannot merge trace batches: need at least "
                            + least
                            + (drain.isPresent() ? " with a drain" : "")
                            + " (run="
                            + run.size()
                            + ")");
        }
        for (int i = 1; i < run.size(); i++) {
            TraceBatchMeta first = run.get(i - 1);
            TraceBatchMeta second = run.get(i);
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
        }
        boolean covers = !since.isClosed();
        for (TraceBatchMeta b : run) {
            covers &= b.desc().since().lessEqual(since);
        }
        if (!covers) {
            throw new IllegalArgumentException(
                    "Cannot compact trace batches "
                            + String.join(" and ", run.stream().map(TraceBatchMeta::key).toList())
                            + ": the output since "
                            + since
                            + " must be a time at or after "
                            + (run.size() == 2 ? "both" : "all")
                            + " input sinces ("
                            + String.join(
                                    ", ",
                                    run.stream().map(b -> b.desc().since().toString()).toList())
                            + ")");
        }
        if (drain.isPresent()
                && !run.isEmpty()
                && !last(run).desc().upper().equals(drain.get().lower())) {
            throw new IllegalArgumentException(
                    "Cannot drain and merge: the run ends at "
                            + last(run).desc().upper()
                            + " but the drain starts at "
                            + drain.get().lower());
        }
    }

    /** A merge of {@code run} without a drain. */
    public static MergePlan of(List<TraceBatchMeta> run, Frontier since) {
        return new MergePlan(run, since, Optional.empty());
    }

    /** The output's lower: the run's first lower, or the drain's lower if the run is empty. */
    public Frontier lower() {
        return run.isEmpty() ? drain.orElseThrow().lower() : run.get(0).desc().lower();
    }

    /** A drain alone: no trace batch is merged, and the output is a level-0 batch. */
    public static MergePlan drainOnly(DrainPlan drain) {
        return new MergePlan(List.of(), Frontier.minimum(), Optional.of(drain));
    }

    /** Whether this plan is a drain alone. */
    public boolean isDrainOnly() {
        return run.isEmpty();
    }

    /** The output's upper: the drain's upper, or the run's last upper. */
    public Frontier upper() {
        return drain.isPresent() ? drain.get().upper() : last(run).desc().upper();
    }

    /**
     * The stored bytes it reads: the run, and the unsealed batches of its drain (for a drain alone,
     * those it cannot adopt).
     */
    public long inputBytes() {
        long bytes = 0;
        for (TraceBatchMeta b : run) {
            bytes += b.sizeBytes();
        }
        if (drain.isPresent()) {
            for (var b : Maintainer.drainRead(this)) {
                bytes += b.sizeBytes();
            }
        }
        return bytes;
    }

    /** The keys of the run, oldest first. */
    public List<String> keys() {
        return run.stream().map(TraceBatchMeta::key).toList();
    }

    /**
     * The level of the result, the one level rule: one above the run's highest level if the result
     * holds more updates than every input, else that level. The result takes the run's place, so
     * levels stay non-increasing (I7); with since following the seal the trace holds about one
     * batch per level. Updates, not bytes, measure a batch's data: a drain's adopted runs and a
     * merge's output are encoded differently (a merge's output carries key bloom filters).
     */
    public int mergedLevel(long mergedUpdateCount) {
        if (run.isEmpty()) {
            return 0;
        }
        int level = 0;
        boolean grew = true;
        for (TraceBatchMeta b : run) {
            level = Math.max(level, b.level());
            grew &= mergedUpdateCount > b.updateCount();
        }
        return grew ? level + 1 : level;
    }

    private static TraceBatchMeta last(List<TraceBatchMeta> run) {
        return run.get(run.size() - 1);
    }
}
