package io.flinkpersist.source.enumerator;

import io.flinkpersist.Frontier;
import io.flinkpersist.source.split.PersistSplit;
import java.util.List;
import java.util.Objects;
import org.apache.flink.annotation.Internal;

/**
 * The enumerator's checkpoint: its reader lease, the pinned state version, and the splits not
 * assigned yet (an assigned split is checkpointed by its reader).
 *
 * @param leaseId the reader lease holding the snapshot's blobs
 * @param pinnedSeqNo the state version the splits come from, or -1 before planning
 * @param unassigned splits still to hand out
 * @param progress a continuous read's progress: every update below it is planned into splits;
 *     closed once the collection's seal closed and everything was planned ({@code {0}} for a
 *     bounded read)
 */
@Internal
public record PersistEnumeratorState(
        String leaseId, long pinnedSeqNo, List<PersistSplit> unassigned, Frontier progress) {
    public PersistEnumeratorState {
        Objects.requireNonNull(leaseId, "leaseId");
        Objects.requireNonNull(progress, "progress");
        unassigned = List.copyOf(unassigned);
    }

    public boolean planned() {
        return pinnedSeqNo >= 0;
    }
}
