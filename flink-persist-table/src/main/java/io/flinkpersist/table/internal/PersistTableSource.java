package io.flinkpersist.table.internal;

import io.flinkpersist.source.PersistSource;
import io.flinkpersist.source.PersistSourceBuilder;
import io.flinkpersist.source.SourceSettings;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.connector.source.abilities.SupportsSourceWatermark;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.types.RowKind;

/**
 * The {@code 'persist'} table source. A snapshot scan is consolidated and insert-only (each row
 * once per unit of its net multiplicity) and bounded; a continuous scan is a changelog of inserts
 * and deletes that follows the collection's seal, with the source's watermark at each seal ({@code
 * WATERMARK FOR col AS SOURCE_WATERMARK()} passes it on).
 */
@Internal
public final class PersistTableSource implements ScanTableSource, SupportsSourceWatermark {

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

    /**
     * @param builder the persist source's builder, complete but for what the source emits (checked:
     *     {@code build()} succeeds)
     * @param parallelism the scan's parallelism, or {@code null} for the planner's choice
     */
    public PersistTableSource(
            PersistSourceBuilder<byte[], byte[]> builder,
            RowLayout layout,
            DataType producedDataType,
            Integer parallelism) {
        this.builder = builder;
        this.settings = builder.build().settings();
        this.layout = layout;
        this.producedDataType = producedDataType;
        this.parallelism = parallelism;
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
        return new PersistTableSource(builder, layout, producedDataType, parallelism);
    }

    @Override
    public String asSummaryString() {
        return "persist(" + settings.collection() + ")";
    }
}
