package io.flinkpersist.read;

import io.flinkpersist.Frontier;
import io.flinkpersist.batch.Cursors;
import io.flinkpersist.batch.MergingCursor;
import io.flinkpersist.batch.UpdateCursor;

/**
 * How a snapshot maps stored update times to the times it reads: unsealed updates below {@code
 * unsealedFrom} are skipped (they are already in the trace), updates before {@code keepFrom} or at
 * or after {@code keepBefore} are skipped (an as-of read, or one sealed interval of a continuous
 * read), and the remaining times are advanced to {@code advanceTo} (since, or the as-of time).
 *
 * @param unsealedFrom the trace upper of the snapshot's state, where unsealed data starts to count
 * @param keepFrom updates before this are not read
 * @param keepBefore updates at or after this are not read ({@code closed} keeps all)
 * @param advanceTo times below this read as it
 */
public record ReadTimes(Frontier unsealedFrom, long keepFrom, Frontier keepBefore, long advanceTo) {

    /** Times from 0. */
    public ReadTimes(Frontier unsealedFrom, Frontier keepBefore, long advanceTo) {
        this(unsealedFrom, 0, keepBefore, advanceTo);
    }

    /** These times, also leaving out every update before {@code t}. */
    public ReadTimes keepingFrom(long t) {
        return t <= keepFrom ? this : new ReadTimes(unsealedFrom, t, keepBefore, advanceTo);
    }

    UpdateCursor applyToTrace(UpdateCursor in) {
        return consolidate(Cursors.filterTimes(in, keepFrom, keepBefore));
    }

    UpdateCursor applyToUnsealed(UpdateCursor in) {
        if (unsealedFrom.isClosed()) {
            return Cursors.filterTimes(in, 0, Frontier.minimum());
        }
        return consolidate(
                Cursors.filterTimes(in, Math.max(keepFrom, unsealedFrom.time()), keepBefore));
    }

    private UpdateCursor consolidate(UpdateCursor in) {
        return advanceTo == 0 ? in : MergingCursor.of(Cursors.advanceTimes(in, advanceTo));
    }
}
