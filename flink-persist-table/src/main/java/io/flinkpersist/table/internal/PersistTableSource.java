package io.flinkpersist.table.internal;

import io.flinkpersist.source.PersistSource;
import io.flinkpersist.source.PersistSourceBuilder;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.table.PersistOptions;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.LookupTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.connector.source.abilities.SupportsSourceWatermark;
import org.apache.flink.table.connector.source.lookup.AsyncLookupFunctionProvider;
import org.apache.flink.table.connector.source.lookup.LookupFunctionProvider;
import org.apache.flink.table.connector.source.lookup.LookupOptions;
import org.apache.flink.table.connector.source.lookup.LookupOptions.LookupCacheType;
import org.apache.flink.table.connector.source.lookup.PartialCachingAsyncLookupProvider;
import org.apache.flink.table.connector.source.lookup.PartialCachingLookupProvider;
import org.apache.flink.table.connector.source.lookup.cache.DefaultLookupCache;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncLookupFunction;
import org.apache.flink.table.functions.LookupFunction;
import org.apache.flink.table.types.DataType;
import org.apache.flink.types.RowKind;

/**
 * The {@code 'persist'} table source. A snapshot scan is consolidated and insert-only (each row
 * once per unit of its net multiplicity) and bounded; a continuous scan is a changelog of inserts
 * and deletes that follows the collection's seal, with the source's watermark at each seal ({@code
 * WATERMARK FOR col AS SOURCE_WATERMARK()} passes it on).
 */
@Internal
public final class PersistTableSource
        implements ScanTableSource, SupportsSourceWatermark, LookupTableSource {

    private static final ChangelogMode INSERTS_AND_DELETES =
            ChangelogMode.newBuilder()
                    .addContainedKind(RowKind.INSERT)
                    .addContainedKind(RowKind.DELETE)
                    .build();

    private final PersistSourceBuilder<byte[], byte[]> builder;
    private final SourceSettings settings;
    private final RowLayout layout;
    private final DataType producedDataType;
    private final Integer parallelism;
    private final ReadableConfig options;

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
            ReadableConfig options) {
        this.builder = builder;
        this.settings = builder.build().settings();
        this.layout = layout;
        this.producedDataType = producedDataType;
        this.parallelism = parallelism;
        this.options = options;
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
        UpdateRows rows = new UpdateRows(layout, settings.continuous(), settings.collection());
        PersistSource<RowData> source = builder.build(new RowDataDeserializer(rows, type));
        return SourceProvider.of(source, parallelism);
    }

    /**
     * The source always emits its own watermarks (at each seal, in a continuous scan); nothing to
     * configure.
     */
    @Override
    public void applySourceWatermark() {}

    @Override
    public DynamicTableSource copy() {
        return new PersistTableSource(builder, layout, producedDataType, parallelism, options);
    }

    /**
     * A lookup join on the table: the lookup keys must be the primary key, or its first columns (a
     * prefix: every row whose key starts with them). Rows come from the latest complete state,
     * synchronously or asynchronously ({@code lookup.async}), through Flink's partial cache if
     * {@code lookup.cache} is PARTIAL.
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
            positions[i] = keys[i][0];
        }
        int n = positions.length;
        int[] prefix = Arrays.copyOf(pk, Math.min(n, pk.length));
        int[] sortedLookup = positions.clone();
        int[] sortedPrefix = prefix.clone();
        Arrays.sort(sortedLookup);
        Arrays.sort(sortedPrefix);
        if (n > pk.length || !Arrays.equals(sortedLookup, sortedPrefix)) {
            throw new ValidationException(
                    "Cannot look up persist table "
                            + settings.collection()
                            + " by "
                            + columns(positions)
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
                        positions,
                        prefix,
                        options.get(LookupOptions.MAX_RETRIES),
                        options.get(PersistOptions.LOOKUP_REFRESH_INTERVAL));
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
