package io.flinkpersist;

import io.flinkpersist.batch.BatchCache;
import io.flinkpersist.batch.BatchWriteOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link PersistCollection} handle writes batches, keeps time and collects garbage.
 *
 * <ul>
 *   <li>{@code writeOptions}: Parquet settings of the batches it writes.
 *   <li>{@code clock}: the time of lease expiry and of the garbage collector's grace period.
 *   <li>{@code leaseDuration}: how long a reader lease lives without renewal (default 15 min).
 *   <li>{@code gcGracePeriod}: how old an unreferenced blob must be before garbage collection
 *       deletes it (default 1 h). It must exceed the longest time between writing a batch and
 *       committing it, e.g. a Flink checkpoint's duration.
 *   <li>{@code retainedStateRecords}: how many state versions garbage collection keeps below the
 *       latest, beyond those a lease pins (default 100).
 *   <li>{@code cache}: decoded row groups shared by the handle's snapshots (default: none).
 *       Compaction and drains never fill it: their inputs are about to be replaced.
 * </ul>
 */
public final class CollectionConfig {

    private final BatchWriteOptions writeOptions;
    private final Clock clock;
    private final Duration leaseDuration;
    private final Duration gcGracePeriod;
    private final int retainedStateRecords;
    private final BatchCache cache;

    private CollectionConfig(
            BatchWriteOptions writeOptions,
            Clock clock,
            Duration leaseDuration,
            Duration gcGracePeriod,
            int retainedStateRecords,
            BatchCache cache) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.writeOptions = Objects.requireNonNull(writeOptions, "writeOptions");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.leaseDuration = positive(leaseDuration, "leaseDuration");
        this.gcGracePeriod = nonNegative(gcGracePeriod, "gcGracePeriod");
        if (retainedStateRecords < 1) {
            throw new IllegalArgumentException(
                    "Invalid retainedStateRecords "
                            + retainedStateRecords
                            + ": keep at least 1 state record below the latest");
        }
        this.retainedStateRecords = retainedStateRecords;
    }

    public static CollectionConfig defaults() {
        return new CollectionConfig(
                BatchWriteOptions.defaults(),
                Clock.systemUTC(),
                Duration.ofMinutes(15),
                Duration.ofHours(1),
                100,
                BatchCache.disabled());
    }

    public BatchWriteOptions writeOptions() {
        return writeOptions;
    }

    public Clock clock() {
        return clock;
    }

    public Duration leaseDuration() {
        return leaseDuration;
    }

    public Duration gcGracePeriod() {
        return gcGracePeriod;
    }

    public int retainedStateRecords() {
        return retainedStateRecords;
    }

    public BatchCache cache() {
        return cache;
    }

    public CollectionConfig withCache(BatchCache c) {
        return new CollectionConfig(
                writeOptions, clock, leaseDuration, gcGracePeriod, retainedStateRecords, c);
    }

    public CollectionConfig withWriteOptions(BatchWriteOptions o) {
        return new CollectionConfig(
                o, clock, leaseDuration, gcGracePeriod, retainedStateRecords, cache);
    }

    public CollectionConfig withClock(Clock c) {
        return new CollectionConfig(
                writeOptions, c, leaseDuration, gcGracePeriod, retainedStateRecords, cache);
    }

    public CollectionConfig withLeaseDuration(Duration d) {
        return new CollectionConfig(
                writeOptions, clock, d, gcGracePeriod, retainedStateRecords, cache);
    }

    public CollectionConfig withGcGracePeriod(Duration d) {
        return new CollectionConfig(
                writeOptions, clock, leaseDuration, d, retainedStateRecords, cache);
    }

    public CollectionConfig withRetainedStateRecords(int n) {
        return new CollectionConfig(writeOptions, clock, leaseDuration, gcGracePeriod, n, cache);
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(
                    "Invalid " + name + " " + d + ": it must be positive");
        }
        return d;
    }

    private static Duration nonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(
                    "Invalid " + name + " " + d + ": it must not be negative");
        }
        return d;
    }
}
