package io.flinkpersist.sink.internal;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.flink.annotation.Internal;

/**
 * One checkpoint's commit: every writer's batches and the seal, committed in one compare-and-set
 * under the token {@code (writerId, checkpointId)} so that a replay is a no-op.
 *
 * @param writerId the sink's stable id, kept in the coordinator's state across restores
 * @param checkpointId the checkpoint this commit belongs to
 * @param batches the batches of all writer subtasks
 * @param seal the minimum seal candidate over the writers, if every non-idle writer has one
 * @param inputEnded whether the input of every writer subtask has ended: this is the job's last
 *     commit, after which the committer compacts the trace before it closes
 */
@Internal
public record PersistCommittable(
        String writerId,
        long checkpointId,
        List<NewUnsealedBatch> batches,
        Optional<Frontier> seal,
        boolean inputEnded) {
    public PersistCommittable {
        Objects.requireNonNull(writerId, "writerId");
        batches = List.copyOf(batches);
        Objects.requireNonNull(seal, "seal");
    }

    /** A commit while some writer's input goes on. */
    public PersistCommittable(
            String writerId,
            long checkpointId,
            List<NewUnsealedBatch> batches,
            Optional<Frontier> seal) {
        this(writerId, checkpointId, batches, seal, false);
    }
}
