package io.flinkpersist.compaction;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.util.List;

/**
 * Move the unsealed updates with times in {@code [lower, upper)} into one trace batch.
 *
 * <p>A drain alone {@linkplain #adopted() adopts} the inputs whose times all lie in the range: the
 * new level-0 batch refers to their files as sorted runs of its own, unchanged, and they leave the
 * unsealed bucket. Only the {@linkplain #rewritten() rest}, batches that straddle a bound, is read
 * and written (the updates in the range, as one more run). A drain merged with trace batches
 * rewrites every input, as the merge rewrites everything anyway.
 *
 * @param inputs the unsealed batches holding such times
 */
public record DrainPlan(Frontier lower, Frontier upper, List<UnsealedBatchMeta> inputs) {
    public DrainPlan {
        inputs = List.copyOf(inputs);
    }

    /** The inputs a drain alone adopts: those wholly in the range, in the unsealed order. */
    public List<UnsealedBatchMeta> adopted() {
        return inputs.stream().filter(b -> b.liesWithin(lower, upper)).toList();
    }

    /** The inputs a drain alone rewrites: those holding times outside the range too. */
    public List<UnsealedBatchMeta> rewritten() {
        return inputs.stream().filter(b -> !b.liesWithin(lower, upper)).toList();
    }
}
