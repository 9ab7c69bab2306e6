package io.flinkpersist.sink;

import io.flinkpersist.Codec;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.blob.BlobStores;
import io.flinkpersist.sink.internal.SinkSettings;
import java.time.Duration;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Builds a {@link PersistSink}. {@link #build()} checks everything and says how to fix what is
 * wrong.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@PublicEvolving
public final class PersistSinkBuilder<K, V> {

    /** Default {@code sink.buffer-size}: 64 MiB. */
    public static final long DEFAULT_BUFFER_SIZE = 64L << 20;

    private String location;
    private String collection;
    private Codec<K> keyCodec;
    private Codec<V> valueCodec;
    private long bufferSizeBytes = DEFAULT_BUFFER_SIZE;
    private LateUpdatePolicy lateUpdates = LateUpdatePolicy.FAIL;
    private Duration idleTimeout = Duration.ofMinutes(1);
    private Long historyRetention = 0L;
    private boolean maintenance = true;
    private int maxBacklog = 1000;
    private Duration gcInterval = Duration.ofMinutes(5);
    private Duration gcGracePeriod = Duration.ofHours(1);
    private boolean closeOnEndOfInput;
    private SinkSettings.MaintenanceHook maintenanceHook;
    private SinkSettings.CommitHook commitHook;

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
     * {@code sink.history-retention}: since trails the seal by this many time units (default 0:
     * only the latest complete time stays distinguishable). {@code null}: never advance since.
     */
    public PersistSinkBuilder<K, V> historyRetention(Long timeUnits) {
        this.historyRetention = timeUnits;
        return this;
    }

    /** Whether the sink runs drains, compaction and garbage collection (default true). */
    public PersistSinkBuilder<K, V> maintenance(boolean enabled) {
        this.maintenance = enabled;
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

    /** A hook run before each maintenance round; for tests. */
    public PersistSinkBuilder<K, V> maintenanceHook(SinkSettings.MaintenanceHook hook) {
        this.maintenanceHook = hook;
        return this;
    }

    /** A hook run in the committer before each commit; for tests. */
    public PersistSinkBuilder<K, V> commitHook(SinkSettings.CommitHook hook) {
        this.commitHook = hook;
        return this;
    }

    public PersistSink<K, V> build() {
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
        require(
                bufferSizeBytes >= 64 << 10,
                "sink.buffer-size must be at least 64 KiB (was " + bufferSizeBytes + " bytes)");
        require(lateUpdates != null, "sink.late-updates must be one of FAIL, DROP, ADVANCE");
        require(
                idleTimeout != null && !idleTimeout.isNegative() && !idleTimeout.isZero(),
                "sink.idle-timeout must be positive (was " + idleTimeout + ")");
        require(
                historyRetention == null || historyRetention >= 0,
                "sink.history-retention must be >= 0 time units, or null to never advance since (was "
                        + historyRetention
                        + ")");
        require(maxBacklog > 0, "sink.max-backlog must be positive (was " + maxBacklog + ")");
        require(
                gcInterval != null && !gcInterval.isNegative(),
                "the GC interval must not be negative (was " + gcInterval + ")");
        require(
                gcGracePeriod != null && !gcGracePeriod.isNegative(),
                "the GC grace period must not be negative (was " + gcGracePeriod + ")");
        SinkSettings settings =
                new SinkSettings(
                        location,
                        collection,
                        CollectionSchema.of(keyCodec, valueCodec),
                        bufferSizeBytes,
                        lateUpdates,
                        idleTimeout,
                        historyRetention,
                        maintenance,
                        maxBacklog,
                        gcInterval,
                        gcGracePeriod,
                        closeOnEndOfInput,
                        maintenanceHook,
                        commitHook);
        return new PersistSink<>(settings, keyCodec, valueCodec);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("Cannot build PersistSink: " + message);
        }
    }
}
