package io.flinkpersist;

import io.flinkpersist.batch.BatchCache;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.compaction.CompactionPolicy;
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
 *   <li>{@code compactionPolicy}: which trace merges maintenance carries out (default: the leveled
 *       policy).
 *   <li>{@code partBytes}: the stored size a merge aims at for each part of its output (default 32
 *       MiB): a merge of {@code n} bytes is requested in about {@code n / partBytes} parts, which
 *       workers write in parallel.
 * </ul>
 */
public final class CollectionConfig {

    // Not final so that each with* copies, then changes one field; immutable from outside.
    private BatchWriteOptions writeOptions = BatchWriteOptions.defaults();
    private Clock clock = Clock.systemUTC();
    private Duration leaseDuration = Duration.ofMinutes(15);
    private Duration gcGracePeriod = Duration.ofHours(1);
    private int retainedStateRecords = 100;
    private BatchCache cache = BatchCache.disabled();
    private CompactionPolicy compactionPolicy = CompactionPolicy.DEFAULT;
    private long partBytes = DEFAULT_PART_BYTES;

    /** The default target size of a merge's parts. */
    public static final long DEFAULT_PART_BYTES = 32L << 20;

    /** The most parts one merge is cut into. */
    public static final int MAX_PARTS = 256;

    private CollectionConfig() {}

    private CollectionConfig copy() {
        CollectionConfig c = new CollectionConfig();
        c.writeOptions = writeOptions;
        c.clock = clock;
        c.leaseDuration = leaseDuration;
        c.gcGracePeriod = gcGracePeriod;
        c.retainedStateRecords = retainedStateRecords;
        c.cache = cache;
        c.compactionPolicy = compactionPolicy;
        c.partBytes = partBytes;
        return c;
    }

    public static CollectionConfig defaults() {
        return new CollectionConfig();
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

    /**
     * Which trace merges the handle's maintenance carries out (default: {@link
     * CompactionPolicy#DEFAULT}).
     */
    public CompactionPolicy compactionPolicy() {
        return compactionPolicy;
    }

    public CollectionConfig withCache(BatchCache c) {
        CollectionConfig out = copy();
        out.cache = Objects.requireNonNull(c, "cache");
        return out;
    }

    public CollectionConfig withWriteOptions(BatchWriteOptions o) {
        CollectionConfig out = copy();
        out.writeOptions = Objects.requireNonNull(o, "writeOptions");
        return out;
    }

    public CollectionConfig withClock(Clock c) {
        CollectionConfig out = copy();
        out.clock = Objects.requireNonNull(c, "clock");
        return out;
    }

    public CollectionConfig withLeaseDuration(Duration d) {
        CollectionConfig out = copy();
        out.leaseDuration = positive(d, "leaseDuration");
        return out;
    }

    public CollectionConfig withGcGracePeriod(Duration d) {
        CollectionConfig out = copy();
        out.gcGracePeriod = nonNegative(d, "gcGracePeriod");
        return out;
    }

    public CollectionConfig withRetainedStateRecords(int n) {
        if (n < 1) {
            throw new IllegalArgumentException(
                    "Invalid retainedStateRecords "
                            + n
                            + ": keep at least 1 state record below the latest");
        }
        CollectionConfig out = copy();
        out.retainedStateRecords = n;
        return out;
    }

    public CollectionConfig withCompactionPolicy(CompactionPolicy p) {
        CollectionConfig out = copy();
        out.compactionPolicy = Objects.requireNonNull(p, "compactionPolicy");
        return out;
    }

    public long partBytes() {
        return partBytes;
    }

    /** The number of parts a merge of {@code inputBytes} stored bytes is requested in. */
    public int partsFor(long inputBytes) {
        return (int) Math.max(1, Math.min(MAX_PARTS, (inputBytes + partBytes / 2) / partBytes));
    }

    public CollectionConfig withPartBytes(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException(
                    "Invalid part size " + bytes + " bytes: it must be positive");
        }
        CollectionConfig out = copy();
        out.partBytes = bytes;
        return out;
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
