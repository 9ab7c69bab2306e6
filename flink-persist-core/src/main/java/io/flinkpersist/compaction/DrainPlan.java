package io.flinkpersist.compaction;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.util.List;

/**
 * Move the unsealed updates with times in {@code [lower, upper)} into one trace batch.
 *
 * @param inputs the unsealed batches holding such times
 */
public record DrainPlan(Frontier lower, Frontier upper, List<UnsealedBatchMeta> inputs) {
    public DrainPlan {
        inputs = List.copyOf(inputs);
    }
}
