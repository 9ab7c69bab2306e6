package io.flinkpersist.sink;

import org.apache.flink.annotation.PublicEvolving;

/**
 * What the sink does with an update whose time is before the seal (option {@code
 * sink.late-updates}).
 */
@PublicEvolving
public enum LateUpdatePolicy {
    /** Fail the job with an error naming the update's time and the seal (the default). */
    FAIL,
    /** Drop the update and count it in the {@code numLateUpdatesDropped} metric. */
    DROP,
    /** Write the update at the seal instead of its own time. */
    ADVANCE
}
