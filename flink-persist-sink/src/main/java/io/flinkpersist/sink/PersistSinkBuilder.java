package io.flinkpersist.sink;

import io.flinkpersist.Codec;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.Update;
import io.flinkpersist.blob.BlobStores;
import io.flinkpersist.sink.internal.SinkSettings;
import java.time.Duration;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Builds a {@link PersistSink}. The defaults are those of {@link PersistSinkOptions}, the same as
 * the SQL connector's; {@link #options} sets any of them from a Flink configuration. {@link
 * #build()} checks everything, once, and says how to fix what is wrong, naming the option.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@PublicEvolving
public final class PersistSinkBuilder<K, V> {

    /** Default {@code sink.buffer-size}: 64 MiB. */
    public static final long DEFAULT_BUFFER_SIZE =
            PersistSinkOptions.BUFFER_SIZE.defaultValue().getBytes();

    private String location;
    private String collection;
    private Codec<K> keyCodec;
    private Codec<V> valueCodec;
    private long bufferSizeBytes = DEFAULT_BUFFER_SIZE;
    private LateUpdatePolicy lateUpdates = PersistSinkOptions.LATE_UPDATES.defaultValue();
    private Duration idleTimeout = PersistSinkOptions.IDLE_TIMEOUT.defaultValue();
    private long historyRetention = PersistSinkOptions.HISTORY_RETENTION.defaultValue();
    private boolean keepHistory;
    private boolean commitEpochs;
    private boolean maintenance = PersistSinkOptions.MAINTENANCE.defaultValue();
    private CompactionStrategy compaction = PersistSinkOptions.COMPACTION_POLICY.defaultValue();
    private int maxBacklog = PersistSinkOptions.MAX_BACKLOG.defaultValue();
    private Duration gcInterval = PersistSinkOptions.GC_INTERVAL.defaultValue();
    private Duration gcGracePeriod = PersistSinkOptions.GC_GRACE_PERIOD.defaultValue();
    private boolean closeOnEndOfInput = PersistSinkOptions.CLOSE_ON_END_OF_INPUT.defaultValue();
    private SinkSettings.MaintenanceHook maintenanceHook;
    private SinkSettings.CommitHook commitHook;
    private SinkSettings.MergeWorkHook mergeWorkHook;
    private long partBytes = CollectionConfig.DEFAULT_PART_BYTES;

    PersistSinkBuilder() {}

    /**
     * Where collections live: a local directory, a {@code file:} URI or e.g. {@code
     * hdfs://nn:8020/persist}.
     */
    public PersistSinkBuilder<K, V> location(String location) {
        this.location = location;
        return this;
    }

    public PersistSinkBuilder<K, V> collection(String collection) {
        this.collection = collection;
        return this;
    }

    public PersistSinkBuilder<K, V> keyCodec(Codec<K> keyCodec) {
        this.keyCodec = keyCodec;
        return this;
    }

    public PersistSinkBuilder<K, V> valueCodec(Codec<V> valueCodec) {
        this.valueCodec = valueCodec;
        return this;
    }

    /**
     * Sets every {@link PersistSinkOptions} option {@code config} holds; the others keep their
     * values. Checked in {@link #build()}.
     */
    public PersistSinkBuilder<K, V> options(ReadableConfig config) {
        config.getOptional(PersistSinkOptions.BUFFER_SIZE).ifPresent(m -> bufferSize(m.getBytes()));
        config.getOptional(PersistSinkOptions.LATE_UPDATES).ifPresent(this::lateUpdates);
        config.getOptional(PersistSinkOptions.IDLE_TIMEOUT).ifPresent(this::idleTimeout);
        config.getOptional(PersistSinkOptions.HISTORY_RETENTION).ifPresent(this::historyRetention);
        config.getOptional(PersistSinkOptions.MAINTENANCE).ifPresent(this::maintenance);
        config.getOptional(PersistSinkOptions.COMPACTION_POLICY).ifPresent(this::compaction);
        config.getOptional(PersistSinkOptions.MAX_BACKLOG).ifPresent(this::maxBacklog);
        config.getOptional(PersistSinkOptions.GC_INTERVAL).ifPresent(this::gcInterval);
        config.getOptional(PersistSinkOptions.GC_GRACE_PERIOD).ifPresent(this::gcGracePeriod);
        config.getOptional(PersistSinkOptions.CLOSE_ON_END_OF_INPUT)
                .ifPresent(this::closeOnEndOfInput);
        return this;
    }

    /**
     * {@code sink.buffer-size}: a writer's buffer bound in bytes; a full buffer becomes a batch.
     */
    public PersistSinkBuilder<K, V> bufferSize(long bytes) {
        this.bufferSizeBytes = bytes;
        return this;
    }

    /**
     * {@code sink.late-updates}: what to do with updates before the seal (default {@code FAIL}).
     */
    public PersistSinkBuilder<K, V> lateUpdates(LateUpdatePolicy policy) {
        this.lateUpdates = policy;
        return this;
    }

    /**
     * {@code sink.idle-timeout}: after this long without updates or watermarks a writer no longer
     * holds the seal back.
     */
    public PersistSinkBuilder<K, V> idleTimeout(Duration timeout) {
        this.idleTimeout = timeout;
        return this;
    }

    /**
     * {@code sink.history-retention}: since trails the seal by this many time units (default 1: the
     * latest complete time stays readable as of; 0: none does).
     */
    public PersistSinkBuilder<K, V> historyRetention(long timeUnits) {
        this.historyRetention = timeUnits;
        this.keepHistory = false;
        return this;
    }

    /**
     * Stamps every record with the writer's commit epoch instead of its own time: the serializer
     * reads it from {@link UpdateSerializer.UpdateWriter#commitEpoch()}, and the writers make their
     * own watermarks (the pipeline's are ignored). For inputs without event time, e.g. SQL tables
     * without a rowtime attribute.
     */
    public PersistSinkBuilder<K, V> timeFromCommitEpochs() {
        this.commitEpochs = true;
        return this;
    }

    /** Never advances since: every time stays distinguishable (the trace is never compacted). */
    public PersistSinkBuilder<K, V> keepHistory() {
        this.keepHistory = true;
        return this;
    }

    /** Whether the sink runs drains, compaction and garbage collection (default true). */
    public PersistSinkBuilder<K, V> maintenance(boolean enabled) {
        this.maintenance = enabled;
        return this;
    }

    /** {@code compaction.policy}: which trace merges maintenance runs (default {@code LEVELED}). */
    public PersistSinkBuilder<K, V> compaction(CompactionStrategy strategy) {
        this.compaction = strategy;
        return this;
    }

    /** {@code sink.max-backlog}: unsealed batches above which writers wait for maintenance. */
    public PersistSinkBuilder<K, V> maxBacklog(int batches) {
        this.maxBacklog = batches;
        return this;
    }

    /** How often the sink collects garbage (default 5 minutes). */
    public PersistSinkBuilder<K, V> gcInterval(Duration interval) {
        this.gcInterval = interval;
        return this;
    }

    /** How old an unreferenced blob must be before it is deleted (default 1 hour). */
    public PersistSinkBuilder<K, V> gcGracePeriod(Duration grace) {
        this.gcGracePeriod = grace;
        return this;
    }

    /**
     * Whether the end of a bounded input closes the collection (seal {@code {}}); default false.
     */
    public PersistSinkBuilder<K, V> closeOnEndOfInput(boolean close) {
        this.closeOnEndOfInput = close;
        return this;
    }

    /** A hook run before each maintenance round; for tests in this package. */
    PersistSinkBuilder<K, V> maintenanceHook(SinkSettings.MaintenanceHook hook) {
        this.maintenanceHook = hook;
        return this;
    }

    /** A hook run in the committer before each commit; for tests in this package. */
    PersistSinkBuilder<K, V> mergeWorkHook(SinkSettings.MergeWorkHook hook) {
        this.mergeWorkHook = hook;
        return this;
    }

    /** The stored size merges aim at per part (tests: small parts, many per merge). */
    PersistSinkBuilder<K, V> partBytes(long bytes) {
        this.partBytes = bytes;
        return this;
    }

    PersistSinkBuilder<K, V> commitHook(SinkSettings.CommitHook hook) {
        this.commitHook = hook;
        return this;
    }

    /**
     * A sink of {@link Update}s, written as they are, their key and value encoded by the codecs.
     */
    public PersistSink<Update<K, V>> build() {
        return build(UpdateSerializer.ofCodecs(checkedKeyCodec(), checkedValueCodec()));
    }

    /**
     * A sink of records that {@code serializer} turns into updates. The codecs still name what the
     * collection holds: the sink checks them against the collection's and records them.
     */
    public <IN> PersistSink<IN> build(UpdateSerializer<IN> serializer) {
        require(serializer != null, "the serializer is null: call build() for updates");
        require(
                location != null && !location.isBlank(),
                "the location is not set: call location(\"/path\" or \"hdfs://...\")");
        require(collection != null, "the collection name is not set: call collection(\"name\")");
        try {
            BlobStores.checkName(collection);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot build PersistSink: " + e.getMessage(), e);
        }
        require(
                keyCodec != null,
                "the key codec is not set: call keyCodec(Codecs.string()) or another Codec");
        require(
                valueCodec != null,
                "the value codec is not set: call valueCodec(Codecs.string()) or another Codec");
        checkOptions();
        SinkSettings settings =
                new SinkSettings(
                        location,
                        collection,
                        CollectionSchema.of(keyCodec, valueCodec),
                        new SinkSettings.Writing(
                                bufferSizeBytes, lateUpdates, idleTimeout, maxBacklog),
                        new SinkSettings.Committing(
                                historyRetention, keepHistory, closeOnEndOfInput, commitEpochs),
                        new SinkSettings.Maintenance(
                                maintenance, compaction, gcInterval, gcGracePeriod, partBytes),
                        new SinkSettings.TestHooks(maintenanceHook, commitHook, mergeWorkHook));
        return new PersistSink<>(settings, serializer);
    }

    /**
     * Checks the values of every {@link PersistSinkOptions} option {@code config} holds, as {@link
     * #build()} does; for layers that take the options from a configuration (the SQL connector).
     *
     * @throws IllegalArgumentException naming the first invalid option, its rule and its value
     */
    public static void validateOptions(ReadableConfig config) {
        new PersistSinkBuilder<Object, Object>().options(config).checkOptions();
    }

    private void checkOptions() {
        option(
                bufferSizeBytes >= 64 << 10,
                PersistSinkOptions.BUFFER_SIZE,
                "must be at least 64 kb",
                bufferSizeBytes < 0
                        ? bufferSizeBytes + " bytes"
                        : new MemorySize(bufferSizeBytes).toHumanReadableString());
        option(
                lateUpdates != null,
                PersistSinkOptions.LATE_UPDATES,
                "must be one of FAIL, DROP, ADVANCE",
                lateUpdates);
        option(
                idleTimeout != null && !idleTimeout.isNegative() && !idleTimeout.isZero(),
                PersistSinkOptions.IDLE_TIMEOUT,
                "must be positive",
                idleTimeout);
        option(
                historyRetention >= 0,
                PersistSinkOptions.HISTORY_RETENTION,
                "must not be negative",
                historyRetention);
        option(maxBacklog > 0, PersistSinkOptions.MAX_BACKLOG, "must be positive", maxBacklog);
        option(
                compaction != null,
                PersistSinkOptions.COMPACTION_POLICY,
                "must be one of LEVELED, PAIRS",
                compaction);
        option(
                gcInterval != null && !gcInterval.isNegative(),
                PersistSinkOptions.GC_INTERVAL,
                "must not be negative",
                gcInterval);
        option(
                gcGracePeriod != null && !gcGracePeriod.isNegative(),
                PersistSinkOptions.GC_GRACE_PERIOD,
                "must not be negative",
                gcGracePeriod);
    }

    private static void option(boolean ok, ConfigOption<?> option, String rule, Object value) {
        if (!ok) {
            throw new IllegalArgumentException(
                    "Cannot build PersistSink: Invalid value for option '"
                            + option.key()
                            + "': "
                            + rule
                            + " (was "
                            + value
                            + ")");
        }
    }

    private Codec<K> checkedKeyCodec() {
        require(
                keyCodec != null,
                "the key codec is not set: call keyCodec(Codecs.string()) or another Codec");
        return keyCodec;
    }

    private Codec<V> checkedValueCodec() {
        require(
                valueCodec != null,
                "the value codec is not set: call valueCodec(Codecs.string()) or another Codec");
        return valueCodec;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("Cannot build PersistSink: " + message);
        }
    }
}
