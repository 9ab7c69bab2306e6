package io.flinkpersist.bench.harness;

import io.flinkpersist.bench.Workload;
import io.flinkpersist.bench.WorkloadGenerator;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Turns positions {@code 0, 1, …} (from a sequence source at parallelism 1) into the workload's
 * updates, as records of the system under test. Checks that the positions arrive in order, so every
 * system receives exactly the same stream.
 *
 * @param <T> the record type of the system under test
 */
abstract class GenerateUpdates<T> extends RichMapFunction<Long, T> {

    private static final long serialVersionUID = 1L;

    /** When the last update of the workload was generated (this JVM's nanoTime), or 0. */
    private static volatile long lastUpdateNanos;

    private final Workload workload;
    private transient WorkloadGenerator generator;

    /** When the last update of the workload was generated, by {@link System#nanoTime()}. */
    static long lastUpdateNanos() {
        return lastUpdateNanos;
    }

    static void resetLastUpdate() {
        lastUpdateNanos = 0;
    }

    GenerateUpdates(Workload workload) {
        this.workload = workload;
    }

    @Override
    public void open(OpenContext context) {
        generator = new WorkloadGenerator(workload);
    }

    @Override
    public T map(Long position) {
        if (position != generator.position()) {
            throw new IllegalStateException(
                    "Cannot generate update "
                            + position
                            + ": the generator is at "
                            + generator.position()
                            + " (run it at parallelism 1)");
        }
        generator.advance();
        if (generator.position() == workload.updates()) {
            lastUpdateNanos = System.nanoTime();
        }
        return make(
                generator.key().clone(),
                generator.value().clone(),
                generator.time(),
                generator.diff());
    }

    /**
     * The record of one update; {@code key} and {@code value} are fresh arrays the record may keep.
     */
    abstract T make(byte[] key, byte[] value, long time, long diff);
}
