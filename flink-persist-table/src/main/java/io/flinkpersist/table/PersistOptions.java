package io.flinkpersist.table;

import io.flinkpersist.sink.LateUpdatePolicy;
import java.time.Duration;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * The options of the {@code 'persist'} SQL connector: where the collection is ({@code location},
 * {@code collection}), how the sink writes it ({@code sink.*}) and how scans read it ({@code
 * scan.*}). Every option of {@link PersistDynamicTableFactory} is a constant of this class; the
 * README's option table is checked against it by a test.
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

    public static final ConfigOption<MemorySize> SINK_BUFFER_SIZE =
            ConfigOptions.key("sink.buffer-size")
                    .memoryType()
                    .defaultValue(MemorySize.ofMebiBytes(64))
                    .withDescription(
                            "Memory bound of a writer's buffer; a full buffer is written as a sorted, consolidated batch."
                                    + " At least 64 kb.");

    public static final ConfigOption<LateUpdatePolicy> SINK_LATE_UPDATES =
            ConfigOptions.key("sink.late-updates")
                    .enumType(LateUpdatePolicy.class)
                    .defaultValue(LateUpdatePolicy.FAIL)
                    .withDescription(
                            "What the sink does with a row whose rowtime is before the seal: FAIL the job, DROP the row"
                                    + " (counted in numLateUpdatesDropped), or ADVANCE it to the seal. Only tables with a"
                                    + " rowtime attribute can have late rows.");

    public static final ConfigOption<Duration> SINK_IDLE_TIMEOUT =
            ConfigOptions.key("sink.idle-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "A writer that received neither rows nor watermark progress for this long stops holding the"
                                    + " seal back.");

    public static final ConfigOption<Long> SINK_HISTORY_RETENTION =
            ConfigOptions.key("sink.history-retention")
                    .longType()
                    .defaultValue(1L)
                    .withDescription(
                            "How many time units since (the compaction frontier) trails the seal: times t with"
                                    + " seal - retention <= t < seal can be read as of (scan.as-of), older times are merged."
                                    + " 1 keeps the latest complete time; 0 keeps none, and a continuous scan then starts"
                                    + " only at the next seal.");

    public static final ConfigOption<Boolean> SINK_MAINTENANCE =
            ConfigOptions.key("sink.maintenance")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Whether the sink drains sealed data into the trace, compacts it and collects garbage in the"
                                    + " background. Turn off when another job maintains the collection.");

    public static final ConfigOption<Integer> SINK_MAX_BACKLOG =
            ConfigOptions.key("sink.max-backlog")
                    .intType()
                    .defaultValue(1000)
                    .withDescription(
                            "Unsealed batches waiting for maintenance above which writers wait (backpressure).");

    public static final ConfigOption<Duration> SINK_GC_INTERVAL =
            ConfigOptions.key("sink.gc-interval")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription("How often the sink's maintenance collects garbage.");

    public static final ConfigOption<Duration> SINK_GC_GRACE_PERIOD =
            ConfigOptions.key("sink.gc-grace-period")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "How old a file that no state references must be before garbage collection deletes it;"
                                    + " longer than any write takes to commit.");

    public static final ConfigOption<Boolean> SINK_CLOSE_ON_END_OF_INPUT =
            ConfigOptions.key("sink.close-on-end-of-input")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Whether the end of a bounded input closes the collection (no time stays open, nothing can"
                                    + " be written any more). Without it, a table with a rowtime attribute stays sealed at"
                                    + " the last watermark before the end.");

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

    public static final ConfigOption<Long> SCAN_AS_OF =
            ConfigOptions.key("scan.as-of")
                    .longType()
                    .noDefaultValue()
                    .withDescription(
                            "Read the collection as of this time (since <= t < seal, checked when the job starts)."
                                    + " Default: the whole snapshot, or for a continuous scan the latest complete time.");

    public static final ConfigOption<Duration> SCAN_POLL_INTERVAL =
            ConfigOptions.key("scan.poll-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription("How often a continuous scan looks for a new seal.");

    public static final ConfigOption<Duration> SCAN_LEASE_DURATION =
            ConfigOptions.key("scan.lease-duration")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(15))
                    .withDescription(
                            "How long the scan's reader lease, which keeps what it reads from compaction and garbage"
                                    + " collection, lives without renewal. At least 3 s.");

    public static final ConfigOption<Integer> SCAN_PARALLELISM = FactoryUtil.SOURCE_PARALLELISM;
}
