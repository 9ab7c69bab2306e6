package io.flinkpersist.source;

import java.time.Duration;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The options of {@link PersistSource}, the one place they are defined: the builder's defaults are
 * theirs ({@link PersistSourceBuilder#options} takes them from a Flink configuration), and the SQL
 * connector offers the same options under the same keys with the same defaults. Validated once, in
 * {@link PersistSourceBuilder#build()}.
 */
@PublicEvolving
public final class PersistSourceOptions {

    private PersistSourceOptions() {}

    public static final ConfigOption<Long> AS_OF =
            ConfigOptions.key("scan.as-of")
                    .longType()
                    .noDefaultValue()
                    .withDescription(
                            "Read the collection as of this time (since <= t < seal, checked when the job starts)."
                                    + " Default: the whole snapshot, or for a continuous scan the latest complete time.");

    public static final ConfigOption<Long> UNTIL =
            ConfigOptions.key("scan.until")
                    .longType()
                    .noDefaultValue()
                    .withDescription(
                            "Read a bounded changelog that ends at this time: the snapshot as of scan.as-of (or, without"
                                    + " it, as of since), then every change before this time as inserts and deletes;"
                                    + " waits until the seal has passed it. Must be after scan.as-of.");

    public static final ConfigOption<Duration> POLL_INTERVAL =
            ConfigOptions.key("scan.poll-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription("How often a continuous scan looks for a new seal.");

    public static final ConfigOption<Duration> LEASE_DURATION =
            ConfigOptions.key("scan.lease-duration")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(15))
                    .withDescription(
                            "How long the scan's reader lease, which keeps what it reads from compaction and garbage"
                                    + " collection, lives without renewal. At least 3 s.");
}
