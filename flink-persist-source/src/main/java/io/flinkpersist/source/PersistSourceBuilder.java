package io.flinkpersist.source;

import io.flinkpersist.Codec;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.Frontier;
import io.flinkpersist.Update;
import io.flinkpersist.blob.BlobStores;
import io.flinkpersist.read.KeyRange;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Builds a {@link PersistSource}. {@link #build()} checks everything and says how to fix what is
 * wrong. Whether the as-of time lies in {@code [since, seal)} is checked when the job starts,
 * against the collection as it is then.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@PublicEvolving
public final class PersistSourceBuilder<K, V> {

    private String location;
    private String collection;
    private Codec<K> keyCodec;
    private Codec<V> valueCodec;
    private OptionalLong asOf = OptionalLong.empty();
    private boolean consolidated = true;
    private Duration leaseDuration = PersistSourceOptions.LEASE_DURATION.defaultValue();
    private TypeInformation<Update<K, V>> producedType;
    private boolean continuous;
    private Duration pollInterval = PersistSourceOptions.POLL_INTERVAL.defaultValue();
    private OptionalLong until = OptionalLong.empty();
    private List<KeyRange> keyRanges;
    private long timesFrom;
    private long limit = -1;
    private boolean countRows;

    PersistSourceBuilder() {}

    public PersistSourceBuilder<K, V> location(String location) {
        this.location = location;
        return this;
    }

    public PersistSourceBuilder<K, V> collection(String collection) {
        this.collection = collection;
        return this;
    }

    public PersistSourceBuilder<K, V> keyCodec(Codec<K> keyCodec) {
        this.keyCodec = keyCodec;
        return this;
    }

    public PersistSourceBuilder<K, V> valueCodec(Codec<V> valueCodec) {
        this.valueCodec = valueCodec;
        return this;
    }

    /**
     * Read the collection as of time {@code t} (needs {@code since <= t < seal} when the job
     * starts).
     */
    public PersistSourceBuilder<K, V> asOf(long t) {
        this.asOf = OptionalLong.of(t);
        return this;
    }

    /**
     * Read a bounded changelog that ends at time {@code t}: the snapshot as of the as-of time (or,
     * without one, as of the collection's since), then the updates of every time before {@code t}
     * as they are sealed, with the seal's watermarks; the read ends once the seal has passed {@code
     * t - 1}. Needs {@code t} after the as-of time.
     */
    public PersistSourceBuilder<K, V> until(long t) {
        this.until = OptionalLong.of(t);
        return this;
    }

    /**
     * Read only the keys in {@code ranges} (encoded keys, in the key codec's order): batches, row
     * groups and pages outside them are not read.
     */
    public PersistSourceBuilder<K, V> keyRanges(List<KeyRange> ranges) {
        this.keyRanges = ranges == null ? null : List.copyOf(ranges);
        return this;
    }

    /**
     * Leave out updates written before time {@code t} where that saves reading (whole batches and
     * time-filtered updates); updates whose times were advanced past {@code t} by compaction are
     * still read, so a job that needs exactly the times from {@code t} filters as well.
     */
    public PersistSourceBuilder<K, V> timesFrom(long t) {
        this.timesFrom = t;
        return this;
    }

    /**
     * Let each split stop after {@code n} updates: for a job that needs only its first {@code n}
     * rows (it still limits them itself).
     */
    public PersistSourceBuilder<K, V> limit(long n) {
        this.limit = n;
        return this;
    }

    /**
     * Count the snapshot's rows instead of reading them: each split emits one update with an empty
     * key and value, time 0, and as its diff the number of rows of the snapshot in that split (the
     * sum of the diffs of its updates; the splits' diffs add up to the snapshot's row count). Sums
     * recorded in the collection's state count whole trace batches without opening them; only
     * batches that hold times beyond the read (after the as-of time, or below the trace's upper
     * bound for unsealed batches) are read. A bounded snapshot read: not with {@link #continuous},
     * {@link #until}, key ranges, {@link #timesFrom} or {@link #limit}.
     */
    public PersistSourceBuilder<K, V> countRows() {
        return countRows(true);
    }

    /** Whether to count the snapshot's rows ({@link #countRows()}) or read them (default). */
    public PersistSourceBuilder<K, V> countRows(boolean count) {
        this.countRows = count;
        return this;
    }

    /**
     * Sets every {@link PersistSourceOptions} option {@code config} holds ({@code scan.as-of},
     * {@code scan.poll-interval} for a continuous read, {@code scan.lease-duration}); the others
     * keep their values. Checked in {@link #build()}.
     */
    public PersistSourceBuilder<K, V> options(ReadableConfig config) {
        config.getOptional(PersistSourceOptions.AS_OF).ifPresent(this::asOf);
        config.getOptional(PersistSourceOptions.UNTIL).ifPresent(this::until);
        config.getOptional(PersistSourceOptions.POLL_INTERVAL).ifPresent(d -> pollInterval = d);
        config.getOptional(PersistSourceOptions.LEASE_DURATION).ifPresent(this::leaseDuration);
        return this;
    }

    /** Emit each {@code (key, value)} once with its net diff (default), or every stored update. */
    public PersistSourceBuilder<K, V> consolidated(boolean consolidated) {
        this.consolidated = consolidated;
        return this;
    }

    /**
     * Keep following the collection after the snapshot: poll its state every {@code pollInterval},
     * emit the updates of each newly sealed interval, then the watermark {@code seal - 1} once
     * every reader has emitted every update below the seal. Unbounded.
     */
    public PersistSourceBuilder<K, V> continuous(Duration pollInterval) {
        this.continuous = true;
        this.pollInterval = pollInterval;
        return this;
    }

    /** As {@link #continuous(Duration)}, polling every {@code scan.poll-interval} (default 1 s). */
    public PersistSourceBuilder<K, V> continuous() {
        this.continuous = true;
        return this;
    }

    /**
     * How long the reader lease lives without renewal (default 15 minutes; renewed every third of
     * it).
     */
    public PersistSourceBuilder<K, V> leaseDuration(Duration d) {
        this.leaseDuration = d;
        return this;
    }

    /**
     * The type information of the produced updates (default: generic, serialized by Flink's
     * fallback).
     */
    public PersistSourceBuilder<K, V> producedType(TypeInformation<Update<K, V>> type) {
        this.producedType = type;
        return this;
    }

    /**
     * A source that emits each update as an {@link Update}, its key and value decoded by the
     * codecs.
     */
    @SuppressWarnings("unchecked")
    public PersistSource<Update<K, V>> build() {
        checkSource();
        TypeInformation<Update<K, V>> type =
                producedType != null
                        ? producedType
                        : (TypeInformation<Update<K, V>>)
                                (TypeInformation<?>)
                                        TypeInformation.of(
                                                new TypeHint<Update<Object, Object>>() {});
        return new PersistSource<>(
                settings(), UpdateDeserializer.ofCodecs(keyCodec, valueCodec, type));
    }

    /**
     * A source that emits what {@code deserializer} makes of each update. The codecs still name
     * what the collection holds: the source checks them against the collection's.
     */
    public <OUT> PersistSource<OUT> build(UpdateDeserializer<OUT> deserializer) {
        require(deserializer != null, "the deserializer is null: call build() for updates");
        checkSource();
        return new PersistSource<>(settings(), deserializer);
    }

    private void checkSource() {
        require(
                location != null && !location.isBlank(),
                "the location is not set: call location(\"/path\" or \"hdfs://...\")");
        require(collection != null, "the collection name is not set: call collection(\"name\")");
        try {
            BlobStores.checkName(collection);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot build PersistSource: " + e.getMessage(), e);
        }
        require(
                keyCodec != null,
                "the key codec is not set: call keyCodec(Codecs.string()) or another Codec");
        require(
                valueCodec != null,
                "the value codec is not set: call valueCodec(Codecs.string()) or another Codec");
        checkOptions();
    }

    private SourceSettings settings() {
        return new SourceSettings(
                location,
                collection,
                CollectionSchema.of(keyCodec, valueCodec),
                asOf.orElse(Long.MIN_VALUE),
                consolidated,
                leaseDuration,
                continuous || until.isPresent() ? pollInterval : null,
                new ReadFilter(keyRanges, timesFrom, limit),
                until.orElse(Long.MIN_VALUE),
                countRows);
    }

    /**
     * Checks the values of every {@link PersistSourceOptions} option {@code config} holds, as
     * {@link #build()} does; for layers that take the options from a configuration (the SQL
     * connector).
     *
     * @throws IllegalArgumentException naming the first invalid option, its rule and its value
     */
    public static void validateOptions(ReadableConfig config) {
        new PersistSourceBuilder<Object, Object>().options(config).checkOptions();
    }

    private void checkOptions() {
        if (asOf.isPresent()) {
            option(
                    asOf.getAsLong() >= 0 && asOf.getAsLong() < Frontier.MAX_TIME,
                    PersistSourceOptions.AS_OF,
                    "must satisfy 0 <= t < " + Frontier.MAX_TIME,
                    asOf.getAsLong());
        }
        if (until.isPresent()) {
            long after = asOf.isPresent() ? asOf.getAsLong() : -1;
            option(
                    until.getAsLong() > after && until.getAsLong() <= Frontier.MAX_TIME,
                    PersistSourceOptions.UNTIL,
                    asOf.isPresent()
                            ? "must be after scan.as-of (" + asOf.getAsLong() + ")"
                            : "must satisfy 0 <= t <= " + Frontier.MAX_TIME,
                    until.getAsLong());
        }
        require(limit == -1 || limit > 0, "the limit must be positive (was " + limit + ")");
        require(
                !countRows
                        || (!continuous
                                && until.isEmpty()
                                && keyRanges == null
                                && timesFrom == 0
                                && limit == -1),
                "countRows() counts a whole bounded snapshot: remove continuous(), until(),"
                        + " keyRanges(), timesFrom() and limit()");
        require(timesFrom >= 0, "timesFrom must not be negative (was " + timesFrom + ")");
        option(
                leaseDuration != null && leaseDuration.toMillis() >= 3_000,
                PersistSourceOptions.LEASE_DURATION,
                "must be at least 3 s",
                leaseDuration);
        option(
                pollInterval != null && pollInterval.toMillis() >= 1,
                PersistSourceOptions.POLL_INTERVAL,
                "must be at least 1 ms",
                pollInterval);
    }

    private static void option(boolean ok, ConfigOption<?> option, String rule, Object value) {
        if (!ok) {
            throw new IllegalArgumentException(
                    "Cannot build PersistSource: Invalid value for option '"
                            + option.key()
                            + "': "
                            + rule
                            + " (was "
                            + value
                            + ")");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("Cannot build PersistSource: " + message);
        }
    }
}
