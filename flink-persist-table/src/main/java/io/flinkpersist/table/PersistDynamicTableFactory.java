package io.flinkpersist.table;

import static io.flinkpersist.table.PersistOptions.COLLECTION;
import static io.flinkpersist.table.PersistOptions.COMPACTION_POLICY;
import static io.flinkpersist.table.PersistOptions.LOCATION;
import static io.flinkpersist.table.PersistOptions.LOOKUP_ASYNC;
import static io.flinkpersist.table.PersistOptions.LOOKUP_AS_OF_COLUMN;
import static io.flinkpersist.table.PersistOptions.LOOKUP_AS_OF_MAX_WAIT;
import static io.flinkpersist.table.PersistOptions.LOOKUP_CACHE;
import static io.flinkpersist.table.PersistOptions.LOOKUP_MAX_RETRIES;
import static io.flinkpersist.table.PersistOptions.LOOKUP_PAGE_CACHE_SIZE;
import static io.flinkpersist.table.PersistOptions.LOOKUP_PARTIAL_CACHE_CACHE_MISSING_KEY;
import static io.flinkpersist.table.PersistOptions.LOOKUP_PARTIAL_CACHE_EXPIRE_AFTER_ACCESS;
import static io.flinkpersist.table.PersistOptions.LOOKUP_PARTIAL_CACHE_EXPIRE_AFTER_WRITE;
import static io.flinkpersist.table.PersistOptions.LOOKUP_PARTIAL_CACHE_MAX_ROWS;
import static io.flinkpersist.table.PersistOptions.LOOKUP_REFRESH_INTERVAL;
import static io.flinkpersist.table.PersistOptions.SCAN_AGGREGATE_PUSH_DOWN;
import static io.flinkpersist.table.PersistOptions.SCAN_AS_OF;
import static io.flinkpersist.table.PersistOptions.SCAN_FILTER_PUSH_DOWN;
import static io.flinkpersist.table.PersistOptions.SCAN_LEASE_DURATION;
import static io.flinkpersist.table.PersistOptions.SCAN_MODE;
import static io.flinkpersist.table.PersistOptions.SCAN_PARALLELISM;
import static io.flinkpersist.table.PersistOptions.SCAN_POLL_INTERVAL;
import static io.flinkpersist.table.PersistOptions.SCAN_UNTIL;
import static io.flinkpersist.table.PersistOptions.SINK_BUFFER_SIZE;
import static io.flinkpersist.table.PersistOptions.SINK_CLOSE_ON_END_OF_INPUT;
import static io.flinkpersist.table.PersistOptions.SINK_GC_GRACE_PERIOD;
import static io.flinkpersist.table.PersistOptions.SINK_GC_INTERVAL;
import static io.flinkpersist.table.PersistOptions.SINK_HISTORY_RETENTION;
import static io.flinkpersist.table.PersistOptions.SINK_IDLE_TIMEOUT;
import static io.flinkpersist.table.PersistOptions.SINK_LATE_UPDATES;
import static io.flinkpersist.table.PersistOptions.SINK_MAINTENANCE;
import static io.flinkpersist.table.PersistOptions.SINK_MAX_BACKLOG;
import static io.flinkpersist.table.PersistOptions.SINK_PARALLELISM;

import io.flinkpersist.Codecs;
import io.flinkpersist.blob.BlobStores;
import io.flinkpersist.sink.PersistSink;
import io.flinkpersist.sink.PersistSinkBuilder;
import io.flinkpersist.source.PersistSource;
import io.flinkpersist.source.PersistSourceBuilder;
import io.flinkpersist.table.internal.PersistTableSink;
import io.flinkpersist.table.internal.PersistTableSource;
import io.flinkpersist.table.internal.RowDataSerializer;
import io.flinkpersist.table.internal.RowLayout;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.WatermarkSpec;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.types.logical.RowType;

/**
 * Creates persist table sources and sinks: {@code 'connector' = 'persist'}.
 *
 * <pre>{@code
 * CREATE TABLE totals (
 *   customer STRING, orders BIGINT, total DECIMAL(12, 2),
 *   PRIMARY KEY (customer) NOT ENFORCED
 * ) WITH ('connector' = 'persist', 'location' = '/data/persist', 'collection' = 'totals')
 * }</pre>
 *
 * <ul>
 *   <li><b>Key and value.</b> The primary-key columns form the key, in an order-preserving encoding
 *       (the order of keys in storage is their SQL order); the other columns form the value.
 *       Without a primary key the whole row is the key and the value is empty. Supported types:
 *       BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, CHAR, VARCHAR, BINARY,
 *       VARBINARY, DATE, TIME, TIMESTAMP, TIMESTAMP_LTZ and intervals; any other type fails the
 *       statement when it is planned.
 *   <li><b>Sink.</b> Every row kind: {@code +I} and {@code +U} are diffs {@code +1}, {@code -U} and
 *       {@code -D} diffs {@code -1}. A row's time is its rowtime in epoch milliseconds when the
 *       table declares a rowtime attribute (a {@code WATERMARK}), and the collection is sealed by
 *       the pipeline's watermarks; otherwise it is the writer's <i>commit epoch</i>, which advances
 *       at every checkpoint and seals each commit, monotonic across restarts and jobs (see the sink
 *       writer's documentation). Exactly-once, through the persist sink.
 *   <li><b>Source.</b> {@code scan.mode = snapshot} (default): consolidated, insert-only, bounded.
 *       {@code continuous}: the snapshot, then a changelog of inserts and deletes following the
 *       seal, with the seal's watermarks.
 * </ul>
 *
 * Options: {@link PersistOptions}. Every option is validated when a statement is planned; a bad
 * value fails with a message naming the option.
 */
@PublicEvolving
public final class PersistDynamicTableFactory
        implements DynamicTableSourceFactory, DynamicTableSinkFactory {

    /** The connector's identifier: {@code 'connector' = 'persist'}. */
    public static final String IDENTIFIER = "persist";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(LOCATION, COLLECTION);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(
                SINK_BUFFER_SIZE,
                SINK_LATE_UPDATES,
                SINK_IDLE_TIMEOUT,
                SINK_HISTORY_RETENTION,
                SINK_MAINTENANCE,
                COMPACTION_POLICY,
                SINK_MAX_BACKLOG,
                SINK_GC_INTERVAL,
                SINK_GC_GRACE_PERIOD,
                SINK_CLOSE_ON_END_OF_INPUT,
                SINK_PARALLELISM,
                SCAN_MODE,
                SCAN_AS_OF,
                SCAN_UNTIL,
                SCAN_FILTER_PUSH_DOWN,
                SCAN_AGGREGATE_PUSH_DOWN,
                SCAN_POLL_INTERVAL,
                SCAN_LEASE_DURATION,
                SCAN_PARALLELISM,
                LOOKUP_CACHE,
                LOOKUP_PARTIAL_CACHE_MAX_ROWS,
                LOOKUP_PARTIAL_CACHE_EXPIRE_AFTER_ACCESS,
                LOOKUP_PARTIAL_CACHE_EXPIRE_AFTER_WRITE,
                LOOKUP_PARTIAL_CACHE_CACHE_MISSING_KEY,
                LOOKUP_MAX_RETRIES,
                LOOKUP_ASYNC,
                LOOKUP_PAGE_CACHE_SIZE,
                LOOKUP_REFRESH_INTERVAL,
                LOOKUP_AS_OF_COLUMN,
                LOOKUP_AS_OF_MAX_WAIT);
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        helper.validate();
        ReadableConfig options = helper.getOptions();
        validateValues(options);
        List<WatermarkSpec> watermarks =
                context.getCatalogTable().getResolvedSchema().getWatermarkSpecs();
        Optional<String> rowtime =
                watermarks.isEmpty()
                        ? Optional.empty()
                        : Optional.of(watermarks.get(0).getRowtimeAttribute());
        RowLayout layout =
                RowLayout.of(physicalRowType(context), context.getPrimaryKeyIndexes(), rowtime);
        PersistSinkBuilder<byte[], byte[]> builder =
                PersistSink.<byte[], byte[]>builder()
                        .location(options.get(LOCATION))
                        .collection(options.get(COLLECTION))
                        .keyCodec(Codecs.preEncoded(layout.keyCodec().schemaName()))
                        .valueCodec(Codecs.preEncoded(layout.valueCodec().schemaName()))
                        .options(options);
        if (layout.rowtimePosition().isEmpty()) {
            builder.timeFromCommitEpochs();
        }
        PersistSink<RowData> sink;
        try {
            sink = builder.build(new RowDataSerializer(layout));
        } catch (IllegalArgumentException e) {
            throw new ValidationException(e.getMessage(), e);
        }
        return new PersistTableSink(
                sink,
                options.get(COLLECTION),
                layout,
                options.getOptional(SINK_PARALLELISM).orElse(null));
    }

    @Override
    public DynamicTableSource createDynamicTableSource(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        helper.validate();
        ReadableConfig options = helper.getOptions();
        validateValues(options);
        // Reads need no time column: a rowtime attribute (maybe computed) is the planner's
        // business.
        RowLayout layout =
                RowLayout.of(
                        physicalRowType(context), context.getPrimaryKeyIndexes(), Optional.empty());
        PersistSourceBuilder<byte[], byte[]> builder =
                PersistSource.<byte[], byte[]>builder()
                        .location(options.get(LOCATION))
                        .collection(options.get(COLLECTION))
                        .keyCodec(Codecs.preEncoded(layout.keyCodec().schemaName()))
                        .valueCodec(Codecs.preEncoded(layout.valueCodec().schemaName()))
                        .consolidated(true)
                        .options(options);
        if (options.get(SCAN_MODE) == ScanMode.CONTINUOUS) {
            builder.continuous();
        }
        try {
            return new PersistTableSource(
                    builder,
                    layout,
                    context.getPhysicalRowDataType(),
                    options.getOptional(SCAN_PARALLELISM).orElse(null),
                    options,
                    rowtime(context));
        } catch (IllegalArgumentException e) {
            throw new ValidationException(e.getMessage(), e);
        }
    }

    /** The table's rowtime attribute, if it declares one on a physical column. */
    private static Optional<String> rowtime(Context context) {
        List<WatermarkSpec> watermarks =
                context.getCatalogTable().getResolvedSchema().getWatermarkSpecs();
        if (watermarks.isEmpty()) {
            return Optional.empty();
        }
        String column = watermarks.get(0).getRowtimeAttribute();
        return physicalRowType(context).getFieldNames().contains(column)
                ? Optional.of(column)
                : Optional.empty();
    }

    private static RowType physicalRowType(Context context) {
        return (RowType) context.getPhysicalRowDataType().getLogicalType();
    }

    /**
     * Checks the values of the table's own options (location, collection, parallelisms), each
     * failing with a {@link ValidationException} that names the option. Types and unknown keys are
     * checked by {@link FactoryUtil.TableFactoryHelper#validate()} before; the sink's and the
     * scan's option values by the sink's and the source's builders, for a sink and a scan alike (a
     * table's definition is checked whole), their errors mapped.
     */
    static void validateValues(ReadableConfig options) {
        String location = options.get(LOCATION);
        require(
                !location.isBlank(),
                LOCATION,
                "must not be blank: give a directory, a file: URI or e.g. hdfs://namenode:8020/path",
                location);
        try {
            BlobStores.checkName(options.get(COLLECTION));
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "Invalid value for option '" + COLLECTION.key() + "': " + e.getMessage(), e);
        }
        try {
            PersistSinkBuilder.validateOptions(options);
            PersistSourceBuilder.validateOptions(options);
        } catch (IllegalArgumentException e) {
            throw new ValidationException(e.getMessage(), e);
        }
        options.getOptional(SINK_PARALLELISM)
                .ifPresent(p -> require(p > 0, SINK_PARALLELISM, "must be positive", p));
        options.getOptional(SCAN_PARALLELISM)
                .ifPresent(p -> require(p > 0, SCAN_PARALLELISM, "must be positive", p));
    }

    private static void require(boolean ok, ConfigOption<?> option, String rule, Object value) {
        if (!ok) {
            throw new ValidationException(
                    "Invalid value for option '"
                            + option.key()
                            + "': "
                            + rule
                            + " (was "
                            + value
                            + ")");
        }
    }
}
