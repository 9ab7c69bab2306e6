package io.flinkpersist.table.internal;

import io.flinkpersist.source.PersistSource;
import io.flinkpersist.source.PersistSourceBuilder;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.table.PersistOptions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.InputFormatProvider;
import org.apache.flink.table.connector.source.LookupTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.connector.source.abilities.SupportsAggregatePushDown;
import org.apache.flink.table.connector.source.abilities.SupportsFilterPushDown;
import org.apache.flink.table.connector.source.abilities.SupportsLimitPushDown;
import org.apache.flink.table.connector.source.abilities.SupportsProjectionPushDown;
import org.apache.flink.table.connector.source.abilities.SupportsReadingMetadata;
import org.apache.flink.table.connector.source.abilities.SupportsSourceWatermark;
import org.apache.flink.table.connector.source.lookup.AsyncLookupFunctionProvider;
import org.apache.flink.table.connector.source.lookup.FullCachingLookupProvider;
import org.apache.flink.table.connector.source.lookup.LookupFunctionProvider;
import org.apache.flink.table.connector.source.lookup.LookupOptions;
import org.apache.flink.table.connector.source.lookup.LookupOptions.LookupCacheType;
import org.apache.flink.table.connector.source.lookup.PartialCachingAsyncLookupProvider;
import org.apache.flink.table.connector.source.lookup.PartialCachingLookupProvider;
import org.apache.flink.table.connector.source.lookup.cache.DefaultLookupCache;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.expressions.AggregateExpression;
import org.apache.flink.table.expressions.FieldReferenceExpression;
import org.apache.flink.table.expressions.ResolvedExpression;
import org.apache.flink.table.functions.AsyncLookupFunction;
import org.apache.flink.table.functions.LookupFunction;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.types.RowKind;

/**
 * The {@code 'persist'} table source. A snapshot scan is consolidated and insert-only (each row
 * once per unit of its net multiplicity) and bounded; a continuous scan is a changelog of inserts
 * and deletes that follows the collection's seal, with the source's watermark at each seal ({@code
 * WATERMARK FOR col AS SOURCE_WATERMARK()} passes it on); a scan with {@code scan.until} is a
 * bounded changelog.
 *
 * <p>A scan reads only what its query needs: filters on the leading primary-key columns become key
 * ranges and a lower bound on the rowtime column a time bound ({@link FilterPushDown}; the planner
 * still applies every filter), a limit stops each split early, a projection decodes only the
 * columns asked for, and the metadata columns {@code time} and {@code diff} come from the update
 * each row is read from.
 */
@Internal
public final class PersistTableSource
        implements ScanTableSource,
                SupportsSourceWatermark,
                LookupTableSource,
                SupportsFilterPushDown,
                SupportsLimitPushDown,
                SupportsProjectionPushDown,
                SupportsReadingMetadata,
                SupportsAggregatePushDown {

    /** The planner's functions of COUNT(*) and COUNT(1), and of COUNT(column). */
    private static final String COUNT_STAR =
            "org.apache.flink.table.planner.functions.aggfunctions.Count1AggFunction";

    private static final String COUNT =
            "org.apache.flink.table.planner.functions.aggfunctions.CountAggFunction";

    private static final ChangelogMode INSERTS_AND_DELETES =
            ChangelogMode.newBuilder()
                    .addContainedKind(RowKind.INSERT)
                    .addContainedKind(RowKind.DELETE)
                    .build();

    private final PersistSourceBuilder<byte[], byte[]> builder;
    private final SourceSettings settings;
    private final RowLayout layout;
    private DataType producedDataType;
    private final Integer parallelism;
    private final ReadableConfig options;
    private final Optional<String> rowtimeColumn;

    /** What the planner pushed into the scan. */
    private FilterPushDown filters;

    private long limit = -1;
    private int[] fields;
    private List<String> metadata = List.of();

    /** The number of row counts each split emits instead of rows; 0: rows. */
    private int counts;

    /**
     * @param builder the persist source's builder, complete but for what the source emits (checked:
     *     {@code build()} succeeds)
     * @param parallelism the scan's parallelism, or {@code null} for the planner's choice
     */
    public PersistTableSource(
            PersistSourceBuilder<byte[], byte[]> builder,
            RowLayout layout,
            DataType producedDataType,
            Integer parallelism,
            ReadableConfig options,
            Optional<String> rowtimeColumn) {
        this.builder = builder;
        this.settings = builder.build().settings();
        this.layout = layout;
        this.producedDataType = producedDataType;
        this.parallelism = parallelism;
        this.options = options;
        this.rowtimeColumn = rowtimeColumn;
        this.fields = IntStream.range(0, layout.rowType().getFieldCount()).toArray();
    }

    /** The settings of the source this scan reads with. */
    public SourceSettings settings() {
        return settings;
    }

    @Override
    public ChangelogMode getChangelogMode() {
        return settings.continuous() ? INSERTS_AND_DELETES : ChangelogMode.insertOnly();
    }

    @Override
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
        TypeInformation<RowData> type = context.createTypeInformation(producedDataType);
        if (counts > 0) {
            builder.keyRanges(null).timesFrom(0).limit(-1).countRows(true);
            return SourceProvider.of(
                    builder.build(new RowCountDeserializer(counts, type)), parallelism);
        }
        builder.countRows(false);
        UpdateRows rows =
                new UpdateRows(
                        layout, settings.continuous(), settings.collection(), fields, metadata);
        builder.keyRanges(filters == null ? null : filters.keyRanges())
                .timesFrom(filters == null ? 0 : filters.timesFrom())
                .limit(limit);
        PersistSource<RowData> source = builder.build(new RowDataDeserializer(rows, type));
        return SourceProvider.of(source, parallelism);
    }

    /**
     * Takes the filters on the leading primary-key columns as key ranges and a lower bound on the
     * rowtime column as a time bound, when {@code scan.filter-push-down} allows; every filter
     * remains for the planner to apply, so a pushed filter only leaves out what it would drop.
     */
    @Override
    public Result applyFilters(List<ResolvedExpression> filters) {
        if (!options.get(PersistOptions.SCAN_FILTER_PUSH_DOWN)) {
            return Result.of(List.of(), filters);
        }
        FilterPushDown pushed = FilterPushDown.of(filters, layout, rowtimeColumn);
        this.filters = pushed.narrows() ? pushed : null;
        return Result.of(pushed.narrows() ? pushed.accepted() : List.of(), filters);
    }

    /** Each split stops after {@code limit} rows; a changelog scan reads on. */
    @Override
    public void applyLimit(long limit) {
        if (!settings.continuous() && limit > 0) {
            this.limit = limit;
        }
    }

    @Override
    public boolean supportsNestedProjection() {
        return false;
    }

    /** Decodes only the projected columns (the key bytes stay whole: they consolidate). */
    @Override
    public void applyProjection(int[][] projectedFields, DataType producedDataType) {
        this.fields = Arrays.stream(projectedFields).mapToInt(f -> f[0]).toArray();
        this.producedDataType = producedDataType;
    }

    /**
     * {@code time}: the update's time (BIGINT; in a snapshot, the latest time of the row's updates
     * as read, so times before since read as since); {@code diff}: its diff (BIGINT; in a snapshot
     * the row's net multiplicity, the row itself emitted that many times).
     */
    @Override
    public Map<String, DataType> listReadableMetadata() {
        Map<String, DataType> out = new LinkedHashMap<>();
        out.put(UpdateRows.TIME, DataTypes.BIGINT().notNull());
        out.put(UpdateRows.DIFF, DataTypes.BIGINT().notNull());
        return out;
    }

    @Override
    public void applyReadableMetadata(List<String> metadataKeys, DataType producedDataType) {
        this.metadata = List.copyOf(metadataKeys);
        this.producedDataType = producedDataType;
    }

    /**
     * Counts rows without reading them where it can: {@code COUNT(*)}, {@code COUNT(1)} and {@code
     * COUNT} of a NOT NULL column, without grouping, on a snapshot scan with nothing else pushed
     * (no filter, limit or metadata column). Each split then emits its share of the count, from the
     * diff sums the collection's state records for its batches ({@link
     * PersistSourceBuilder#countRows()}); the planner adds the shares up.
     */
    @Override
    public boolean applyAggregates(
            List<int[]> groupingSets,
            List<AggregateExpression> aggregateExpressions,
            DataType producedDataType) {
        if (!options.get(PersistOptions.SCAN_AGGREGATE_PUSH_DOWN)
                || settings.continuous()
                || filters != null
                || limit != -1
                || !metadata.isEmpty()
                || groupingSets.size() != 1
                || groupingSets.get(0).length != 0
                || aggregateExpressions.isEmpty()) {
            return false;
        }
        for (AggregateExpression a : aggregateExpressions) {
            if (!countsRows(a)) {
                return false;
            }
        }
        this.counts = aggregateExpressions.size();
        this.producedDataType = producedDataType;
        return true;
    }

    /** Whether {@code a} counts every row: COUNT(*), COUNT(1), or COUNT of NOT NULL columns. */
    private static boolean countsRows(AggregateExpression a) {
        if (a.isDistinct() || a.getFilterExpression().isPresent()) {
            return false;
        }
        String function = a.getFunctionDefinition().getClass().getName();
        if (function.equals(COUNT_STAR)) {
            return true;
        }
        if (!function.equals(COUNT)) {
            return false;
        }
        for (FieldReferenceExpression arg : a.getArgs()) {
            if (arg.getOutputDataType().getLogicalType().isNullable()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The source always emits its own watermarks (at each seal, in a continuous scan); nothing to
     * configure.
     */
    @Override
    public void applySourceWatermark() {}

    @Override
    public DynamicTableSource copy() {
        PersistTableSource copy =
                new PersistTableSource(
                        builder, layout, producedDataType, parallelism, options, rowtimeColumn);
        copy.filters = filters;
        copy.limit = limit;
        copy.fields = fields;
        copy.metadata = metadata;
        copy.counts = counts;
        return copy;
    }

    /**
     * A lookup join on the table: the lookup keys must be the primary key, or its first columns (a
     * prefix: every row whose key starts with them). Rows come from the latest complete state,
     * synchronously or asynchronously ({@code lookup.async}), through Flink's partial cache if
     * {@code lookup.cache} is PARTIAL, or from Flink's full cache of the latest state if it is FULL
     * (reloaded when the collection's seal advances).
     */
    @Override
    public LookupRuntimeProvider getLookupRuntimeProvider(LookupContext context) {
        int[] pk = layout.keyCodec().positions();
        int[][] keys = context.getKeys();
        int[] positions = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            if (keys[i].length != 1) {
                throw new ValidationException(
                        "Cannot look up persist table "
                                + settings.collection()
                                + " by a nested field: look it up by its primary key "
                                + columns(pk)
                                + " or a prefix of it");
            }
            // Key indexes count the columns the scan produces: after a projection, a subset.
            positions[i] = fields[keys[i][0]];
        }
        if (!metadata.isEmpty()) {
            throw new ValidationException(
                    "Cannot look up persist table "
                            + settings.collection()
                            + " with metadata columns "
                            + metadata
                            + ": a lookup returns the table's rows as of a time; read time and diff with a scan");
        }
        // The as-of column, if the table has one, gives the time; the other lookup keys the key.
        int asOfIndex = -1;
        Optional<String> asOfColumn = options.getOptional(PersistOptions.LOOKUP_AS_OF_COLUMN);
        if (asOfColumn.isPresent()) {
            int position = asOfPosition(asOfColumn.get(), pk);
            for (int i = 0; i < positions.length; i++) {
                if (positions[i] == position) {
                    asOfIndex = i;
                }
            }
            if (asOfIndex < 0) {
                throw new ValidationException(
                        "Cannot look up persist table "
                                + settings.collection()
                                + " by "
                                + columns(positions)
                                + ": its lookup.as-of-column '"
                                + asOfColumn.get()
                                + "' must be equated with the probe's time in the join condition (e.g. ON r."
                                + asOfColumn.get()
                                + " = o.ts AND ...)");
            }
        }
        int skip = asOfIndex;
        int[] keyPositions =
                IntStream.range(0, positions.length)
                        .filter(i -> i != skip)
                        .map(i -> positions[i])
                        .toArray();
        int n = keyPositions.length;
        int[] prefix = Arrays.copyOf(pk, Math.min(n, pk.length));
        int[] sortedLookup = keyPositions.clone();
        int[] sortedPrefix = prefix.clone();
        Arrays.sort(sortedLookup);
        Arrays.sort(sortedPrefix);
        if (n == 0 || n > pk.length || !Arrays.equals(sortedLookup, sortedPrefix)) {
            throw new ValidationException(
                    "Cannot look up persist table "
                            + settings.collection()
                            + " by "
                            + columns(keyPositions)
                            + ": a lookup join needs equality on the primary key "
                            + columns(pk)
                            + " or on a prefix of it (its first columns, e.g. "
                            + columns(Arrays.copyOf(pk, 1))
                            + ")");
        }
        PersistLookupFunction lookup =
                new PersistLookupFunction(
                        settings.location(),
                        settings.collection(),
                        layout,
                        fields,
                        positions,
                        asOfIndex,
                        prefix,
                        options.get(LookupOptions.MAX_RETRIES),
                        options.get(PersistOptions.LOOKUP_REFRESH_INTERVAL),
                        options.get(PersistOptions.LOOKUP_AS_OF_MAX_WAIT),
                        options.get(PersistOptions.LOOKUP_PAGE_CACHE_SIZE).getBytes());
        if (options.get(PersistOptions.LOOKUP_CACHE) == LookupCacheType.FULL) {
            if (asOfIndex >= 0) {
                throw new ValidationException(
                        "Cannot look up persist table "
                                + settings.collection()
                                + " through a FULL cache: with lookup.as-of-column each lookup reads"
                                + " the table as of the probe's time, and a FULL cache holds only the"
                                + " latest state; use lookup.cache NONE or PARTIAL");
            }
            return FullCachingLookupProvider.of(
                    InputFormatProvider.of(
                            new LatestStateInputFormat(
                                    settings.location(), settings.collection(), layout, fields)),
                    new SealReloadTrigger(
                            settings.location(),
                            settings.collection(),
                            options.get(PersistOptions.LOOKUP_REFRESH_INTERVAL)));
        }
        boolean partial = options.get(PersistOptions.LOOKUP_CACHE) == LookupCacheType.PARTIAL;
        if (options.get(PersistOptions.LOOKUP_ASYNC)) {
            AsyncLookupFunction async = new PersistLookupFunctions.Async(lookup);
            return partial
                    ? PartialCachingAsyncLookupProvider.of(
                            async, DefaultLookupCache.fromConfig(options))
                    : AsyncLookupFunctionProvider.of(async);
        }
        LookupFunction sync = new PersistLookupFunctions.Sync(lookup);
        return partial
                ? PartialCachingLookupProvider.of(sync, DefaultLookupCache.fromConfig(options))
                : LookupFunctionProvider.of(sync);
    }

    /** The position of the as-of column {@code name}, checked: a time column, not a key column. */
    private int asOfPosition(String name, int[] pk) {
        int position = layout.rowType().getFieldNames().indexOf(name);
        if (position < 0) {
            throw new ValidationException(
                    "Invalid value for option 'lookup.as-of-column': table "
                            + settings.collection()
                            + " has no column '"
                            + name
                            + "'; its columns are "
                            + layout.rowType().getFieldNames());
        }
        LogicalTypeRoot root = layout.rowType().getTypeAt(position).getTypeRoot();
        if (root != LogicalTypeRoot.BIGINT
                && root != LogicalTypeRoot.TIMESTAMP_WITHOUT_TIME_ZONE
                && root != LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE) {
            throw new ValidationException(
                    "Invalid value for option 'lookup.as-of-column': column '"
                            + name
                            + "' is "
                            + layout.rowType().getTypeAt(position).asSummaryString()
                            + "; the as-of time must be BIGINT, TIMESTAMP or TIMESTAMP_LTZ");
        }
        if (Arrays.stream(pk).anyMatch(p -> p == position)) {
            throw new ValidationException(
                    "Invalid value for option 'lookup.as-of-column': column '"
                            + name
                            + "' is part of the primary key "
                            + columns(pk)
                            + "; the as-of time must be another column");
        }
        return position;
    }

    private String columns(int[] positions) {
        List<String> names = layout.rowType().getFieldNames();
        return Arrays.stream(positions)
                .mapToObj(names::get)
                .collect(Collectors.joining(", ", "(", ")"));
    }

    @Override
    public String asSummaryString() {
        return "persist(" + settings.collection() + ")";
    }
}
