package io.flinkpersist.compaction;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.UnsealedBatchMeta;

/** Rewrite {@code batch} without its updates below {@code traceUpper}. */
public record TrimPlan(UnsealedBatchMeta batch, Frontier traceUpper) {}
