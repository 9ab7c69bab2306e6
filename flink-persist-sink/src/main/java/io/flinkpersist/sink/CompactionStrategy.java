package io.flinkpersist.sink;

import io.flinkpersist.compaction.CompactionPolicy;
import io.flinkpersist.compaction.LeveledCompactionPolicy;
import java.util.function.Supplier;
import org.apache.flink.annotation.PublicEvolving;

/**
 * The compaction policies a sink's maintenance can run, by name ({@code compaction.policy}). A new
 * policy is a {@link CompactionPolicy} class and a constant here.
 */
@PublicEvolving
public enum CompactionStrategy {
    /**
     * The seed's rule: merge the oldest adjacent pair of trace batches on the same level that lies
     * wholly before since; about one batch per level.
     */
    LEVELED(LeveledCompactionPolicy::new);

    private final Supplier<CompactionPolicy> policy;

    CompactionStrategy(Supplier<CompactionPolicy> policy) {
        this.policy = policy;
    }

    /** A policy of this strategy. */
    public CompactionPolicy policy() {
        return policy.get();
    }
}
