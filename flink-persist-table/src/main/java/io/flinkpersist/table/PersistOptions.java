package io.flinkpersist.table;

import io.flinkpersist.sink.CompactionStrategy;
import io.flinkpersist.sink.LateUpdatePolicy;
import io.flinkpersist.sink.PersistSinkOptions;
import io.flinkpersist.source.PersistSourceOptions;
import java.time.Duration;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.table.connector.source.lookup.LookupOptions;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * The options of the {@code 'persist'} SQL connector: where the collection is ({@code location},
 * {@code collection}), how the sink writes it ({@code sink.*}) and how scans read it ({@code
 * scan.*}). Every option of {@link PersistDynamicTableFactory} is a constant of this class; the
 * README's option table is checked against it by a test. The sink's and the scan's options are
 * defined by {@link PersistSinkOptions} and {@link PersistSourceOptions}, shared with the
 * DataStream builders, so the defaults are the same in both APIs.
 *
 * <p>Times: a table with a rowtime attribute stores each row at its rowtime in milliseconds since
 * the epoch; a table without one stores rows at commit epochs (see the factory). Options counted in
 * "time units" ({@code sink.history-retention}, {@code scan.as-of}) use the same unit.
 */
@PublicEvolving
public final class PersistOptions {

    private PersistOptions() {}

    // ------------------------------------------------------------------ where

    public static final ConfigOption<String> LOCATION =
            ConfigOptions.key("location")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Where collections live: a local directory, a file: URI, or a Hadoop filesystem URI such as"
                                    + " hdfs://namenode:8020/persist. Required.");

    public static final ConfigOption<String> COLLECTION =
            ConfigOptions.key("collection")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The collection's name: 1-200 letters, digits, '.', '_' or '-', starting with a letter or"
                                    + " digit. Required.");

    // ------------------------------------------------------------------ sink

    public static final ConfigOption<MemorySize> SINK_BUFFER_SIZE = PersistSinkOptions.BUFFER_SIZE;

    public static final ConfigOption<LateUpdatePolicy> SINK_LATE_UPDATES =
            PersistSinkOptions.LATE_UPDATES;

    public static final ConfigOption<Duration> SINK_IDLE_TIMEOUT = PersistSinkOptions.IDLE_TIMEOUT;

    public static final ConfigOption<Long> SINK_HISTORY_RETENTION =
            PersistSinkOptions.HISTORY_RETENTION;

    public static final ConfigOption<Boolean> SINK_MAINTENANCE = PersistSinkOptions.MAINTENANCE;

    public static final ConfigOption<CompactionStrategy> COMPACTION_POLICY =
            PersistSinkOptions.COMPACTION_POLICY;

    public static final ConfigOption<Integer> SINK_MAX_BACKLOG = PersistSinkOptions.MAX_BACKLOG;

    public static final ConfigOption<Duration> SINK_GC_INTERVAL = PersistSinkOptions.GC_INTERVAL;

    public static final ConfigOption<Duration> SINK_GC_GRACE_PERIOD =
            PersistSinkOptions.GC_GRACE_PERIOD;

    public static final ConfigOption<Boolean> SINK_CLOSE_ON_END_OF_INPUT =
            PersistSinkOptions.CLOSE_ON_END_OF_INPUT;

    public static final ConfigOption<Integer> SINK_PARALLELISM = FactoryUtil.SINK_PARALLELISM;

    // ------------------------------------------------------------------ scan

    public static final ConfigOption<ScanMode> SCAN_MODE =
            ConfigOptions.key("scan.mode")
                    .enumType(ScanMode.class)
                    .defaultValue(ScanMode.SNAPSHOT)
                    .withDescription(
                            "snapshot: a consolidated snapshot, insert-only and bounded (works in batch mode). continuous:"
                                    + " the snapshot, then each newly sealed interval as a changelog of inserts and deletes,"
                                    + " with a watermark at each seal (declare WATERMARK FOR col AS SOURCE_WATERMARK() to use"
                                    + " them); unbounded until the collection's seal closes, then it ends after the final"
                                    + " watermark.");

    public static final ConfigOption<Long> SCAN_AS_OF = PersistSourceOptions.AS_OF;

    public static final ConfigOption<Long> SCAN_UNTIL = PersistSourceOptions.UNTIL;

    public static final ConfigOption<Boolean> SCAN_FILTER_PUSH_DOWN =
            ConfigOptions.key("scan.filter-push-down")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Let filters narrow what a scan reads: equalities, IN lists and ranges on the leading"
                                    + " primary-key columns become key ranges, and a lower bound on the rowtime column skips"
                                    + " what was written before it (the persist sink writes each row at its rowtime; turn"
                                    + " this off for a collection written at other times). Flink still applies every"
                                    + " filter.");

    public static final ConfigOption<Boolean> SCAN_AGGREGATE_PUSH_DOWN =
            ConfigOptions.key("scan.aggregate-push-down")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Let a batch query's COUNT(*) (or COUNT(1), or COUNT of a NOT NULL column) without"
                                    + " GROUP BY or WHERE be answered from the sums of diffs the collection's state keeps"
                                    + " per batch, without reading rows: only batches that hold times beyond the read"
                                    + " (after scan.as-of) are read. Turn off to have Flink count the rows a scan reads.");

    public static final ConfigOption<Duration> SCAN_POLL_INTERVAL =
            PersistSourceOptions.POLL_INTERVAL;

    public static final ConfigOption<Duration> SCAN_LEASE_DURATION =
            PersistSourceOptions.LEASE_DURATION;

    public static final ConfigOption<Integer> SCAN_PARALLELISM = FactoryUtil.SOURCE_PARALLELISM;

    // ------------------------------------------------------------------ lookup

    public static final ConfigOption<LookupOptions.LookupCacheType> LOOKUP_CACHE =
            ConfigOptions.key("lookup.cache")
                    .enumType(LookupOptions.LookupCacheType.class)
                    .defaultValue(LookupOptions.LookupCacheType.NONE)
                    .withDescription(
                            "The cache of a lookup join on the table: NONE (every lookup reads the collection, through"
                                    + " a cache of file footers, page indexes and decoded pages: lookup.page-cache-size), PARTIAL (Flink's cache of looked-up keys,"
                                    + " sized and expired by the lookup.partial-cache options) or FULL (each subtask holds the"
                                    + " latest complete state in memory, loaded when the join starts and reloaded when the"
                                    + " collection's seal advances, checked every lookup.refresh-interval; not with"
                                    + " lookup.as-of-column).");

    public static final ConfigOption<MemorySize> LOOKUP_PAGE_CACHE_SIZE =
            ConfigOptions.key("lookup.page-cache-size")
                    .memoryType()
                    .defaultValue(MemorySize.ofMebiBytes(64))
                    .withDescription(
                            "The heap each lookup subtask gives to decoded pages and key bloom filters of the"
                                    + " collection's batch files, least recently used dropped first: a lookup whose pages"
                                    + " are kept reads nothing from storage. 0 keeps none (every lookup reads and decodes"
                                    + " its pages).");

    public static final ConfigOption<Long> LOOKUP_PARTIAL_CACHE_MAX_ROWS =
            LookupOptions.PARTIAL_CACHE_MAX_ROWS;

    public static final ConfigOption<Duration> LOOKUP_PARTIAL_CACHE_EXPIRE_AFTER_ACCESS =
            LookupOptions.PARTIAL_CACHE_EXPIRE_AFTER_ACCESS;

    public static final ConfigOption<Duration> LOOKUP_PARTIAL_CACHE_EXPIRE_AFTER_WRITE =
            LookupOptions.PARTIAL_CACHE_EXPIRE_AFTER_WRITE;

    public static final ConfigOption<Boolean> LOOKUP_PARTIAL_CACHE_CACHE_MISSING_KEY =
            LookupOptions.PARTIAL_CACHE_CACHE_MISSING_KEY;

    public static final ConfigOption<Integer> LOOKUP_MAX_RETRIES = LookupOptions.MAX_RETRIES;

    public static final ConfigOption<Boolean> LOOKUP_ASYNC =
            ConfigOptions.key("lookup.async")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Whether a lookup join looks rows up asynchronously (several lookups of a subtask in"
                                    + " flight at once) rather than one at a time.");

    public static final ConfigOption<Duration> LOOKUP_REFRESH_INTERVAL =
            ConfigOptions.key("lookup.refresh-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "How often a lookup join reads the collection's state again: the latest complete state"
                                    + " (as of seal - 1) a lookup sees is at most this old.");

    public static final ConfigOption<String> LOOKUP_AS_OF_COLUMN =
            ConfigOptions.key("lookup.as-of-column")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A column of the table (BIGINT, TIMESTAMP or TIMESTAMP_LTZ, not in the primary key) that a"
                                    + " lookup join equates with the probe's time, e.g. ON r.valid_at = o.ts: the join then"
                                    + " reads the table as of that time, once the time is sealed, and the column reads it."
                                    + " An event-time lookup join: the same output on every run.");

    public static final ConfigOption<Duration> LOOKUP_AS_OF_MAX_WAIT =
            ConfigOptions.key("lookup.as-of-max-wait")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription(
                            "How long a lookup as of a time (lookup.as-of-column) waits for the table's seal to pass"
                                    + " that time before the job fails with a timeout that names the seal reached.");
}
