package io.flinkpersist.sink;

import java.time.Duration;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

/**
 * The options of {@link PersistSink}, the one place they are defined: the builder's defaults are
 * theirs ({@link PersistSinkBuilder#options} takes them from a Flink configuration), and the SQL
 * connector offers the same options under the same keys with the same defaults. Validated once, in
 * {@link PersistSinkBuilder#build()}.
 */
@PublicEvolving
public final class PersistSinkOptions {

    private PersistSinkOptions() {}

    public static final ConfigOption<CompactionStrategy> COMPACTION_POLICY =
            ConfigOptions.key("compaction.policy")
                    .enumType(CompactionStrategy.class)
                    .defaultValue(CompactionStrategy.LEVELED)
                    .withDescription(
                            "Which trace merges the sink's maintenance runs. LEVELED: the oldest run of four"
                                    + " adjacent batches on the same level wholly before since, fewer than four batches"
                                    + " per level, each update rewritten about once per level. PAIRS: the seed's rule,"
                                    + " the oldest adjacent pair, about one batch per level and twice the rewrites.");

    public static final ConfigOption<MemorySize> BUFFER_SIZE =
            ConfigOptions.key("sink.buffer-size")
                    .memoryType()
                    .defaultValue(MemorySize.ofMebiBytes(64))
                    .withDescription(
                            "Memory bound of a writer's buffer; a full buffer is written as a sorted, consolidated batch."
                                    + " At least 64 kb.");

    public static final ConfigOption<LateUpdatePolicy> LATE_UPDATES =
            ConfigOptions.key("sink.late-updates")
                    .enumType(LateUpdatePolicy.class)
                    .defaultValue(LateUpdatePolicy.FAIL)
                    .withDescription(
                            "What the sink does with a row whose rowtime is before the seal: FAIL the job, DROP the row"
                                    + " (counted in numLateUpdatesDropped), or ADVANCE it to the seal. Only tables with a"
                                    + " rowtime attribute can have late rows.");

    public static final ConfigOption<Duration> IDLE_TIMEOUT =
            ConfigOptions.key("sink.idle-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "A writer that received neither rows nor watermark progress for this long stops holding the"
                                    + " seal back.");

    public static final ConfigOption<Long> HISTORY_RETENTION =
            ConfigOptions.key("sink.history-retention")
                    .longType()
                    .defaultValue(1L)
                    .withDescription(
                            "How many time units since (the compaction frontier) trails the seal: times t with"
                                    + " seal - retention <= t < seal can be read as of (scan.as-of), older times are merged."
                                    + " 1 keeps the latest complete time; 0 keeps none, and a continuous scan then starts"
                                    + " only at the next seal. (DataStream: keepHistory() never advances since.)");

    public static final ConfigOption<Boolean> MAINTENANCE =
            ConfigOptions.key("sink.maintenance")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Whether the sink drains sealed data into the trace, compacts it and collects garbage in the"
                                    + " background. Turn off when another job maintains the collection.");

    public static final ConfigOption<Integer> MAX_BACKLOG =
            ConfigOptions.key("sink.max-backlog")
                    .intType()
                    .defaultValue(1000)
                    .withDescription(
                            "Unsealed batches waiting for maintenance above which writers wait (backpressure).");

    public static final ConfigOption<Duration> GC_INTERVAL =
            ConfigOptions.key("sink.gc-interval")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription("How often the sink's maintenance collects garbage.");

    public static final ConfigOption<Duration> GC_GRACE_PERIOD =
            ConfigOptions.key("sink.gc-grace-period")
                    .durationType()
                    .defaultValue(Duration.ofHours(1))
                    .withDescription(
                            "How old a file that no state references must be before garbage collection deletes it;"
                                    + " longer than any write takes to commit.");

    public static final ConfigOption<Boolean> CLOSE_ON_END_OF_INPUT =
            ConfigOptions.key("sink.close-on-end-of-input")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Whether the end of a bounded input closes the collection (no time stays open, nothing can"
                                    + " be written any more; since then trails one past the latest time written, by the history"
                                    + " retention, and the end-of-input merge consolidates everything). Without it, a table with a rowtime attribute stays sealed at"
                                    + " the last watermark before the end.");
}
