package io.flinkpersist.sink.internal;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.flink.annotation.Internal;

/**
 * What one writer subtask hands to the coordinator at a checkpoint: the unsealed batches it wrote
 * since the previous one, and the seal its watermark allows.
 *
 * @param subtask the writer subtask
 * @param batches batches written (not yet committed)
 * @param sealCandidate the seal the writer's watermark allows ({@code watermark + 1}), if it has
 *     one
 * @param idle whether the writer saw neither updates nor watermark progress for the idle timeout;
 *     an idle writer does not hold back the seal
 * @param ended whether the writer's input has ended: it reports no more, and never holds back the
 *     seal again
 */
@Internal
public record WriterResult(
        int subtask,
        List<NewUnsealedBatch> batches,
        Optional<Frontier> sealCandidate,
        boolean idle,
        boolean ended) {
    public WriterResult {
        batches = List.copyOf(batches);
        Objects.requireNonNull(sealCandidate, "sealCandidate");
    }
}
