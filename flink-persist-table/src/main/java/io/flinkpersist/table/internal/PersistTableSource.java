package io.flinkpersist.table.internal;

import io.flinkpersist.source.PersistSource;
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

    private final PersistSource<byte[], byte[]> source;
    private final RowLayout layout;
    private final DataType producedDataType;
    private final Integer parallelism;

    /**
     * @param parallelism the scan's parallelism, or {@code null} for the planner's choice
     */
    public PersistTableSource(
            PersistSource<byte[], byte[]> source,
            RowLayout layout,
            DataType producedDataType,
            Integer parallelism) {
        this.source = source;
        this.layout = layout;
        this.producedDataType = producedDataType;
        this.parallelism = parallelism;
    }

    public PersistSource<byte[], byte[]> source() {
        return source;
    }

    @Override
    public ChangelogMode getChangelogMode() {
        return source.settings().continuous() ? INSERTS_AND_DELETES : ChangelogMode.insertOnly();
    }

    @Override
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
        TypeInformation<RowData> type = context.createTypeInformation(producedDataType);
        return SourceProvider.of(new PersistRowDataSource(source, layout, type), parallelism);
    }

    /**
     * The source always emits its own watermarks (at each seal, in a continuous scan); nothing to
     * configure.
     */
    @Override
    public void applySourceWatermark() {}

    @Override
    public DynamicTableSource copy() {
        return new PersistTableSource(source, layout, producedDataType, parallelism);
    }

    @Override
    public String asSummaryString() {
        return "persist(" + source.settings().collection() + ")";
    }
}
