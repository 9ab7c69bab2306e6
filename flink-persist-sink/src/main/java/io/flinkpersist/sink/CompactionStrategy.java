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
     * Merge the oldest run of four adjacent trace batches on the same level that lies wholly before
     * since ({@link LeveledCompactionPolicy} with a fanout of 4): fewer than four batches per
     * level, each update rewritten about once per level, log<sub>4</sub> of the drains levels. The
     * default.
     */
    LEVELED(() -> new LeveledCompactionPolicy(4)),

    /**
     * The seed's rule: merge the oldest adjacent pair of trace batches on the same level that lies
     * wholly before since; about one batch per level, log<sub>2</sub> of the drains levels, so
     * about twice the rewrites of {@link #LEVELED} for fewer batches to read.
     */
    PAIRS(LeveledCompactionPolicy::new);

    private final Supplier<CompactionPolicy> policy;

    CompactionStrategy(Supplier<CompactionPolicy> policy) {
        this.policy = policy;
    }

    /** A policy of this strategy. */
    public CompactionPolicy policy() {
        return policy.get();
    }
}
