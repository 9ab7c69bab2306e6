package io.flinkpersist.table.internal;

import io.flinkpersist.source.UpdateDeserializer;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;

/**
 * What a counting scan emits: for the one update of each split, whose diff is the split's row
 * count, a row holding that count once per pushed-down count aggregate (the planner's partial
 * aggregates, which it adds up).
 */
@Internal
final class RowCountDeserializer implements UpdateDeserializer<RowData> {

    private static final long serialVersionUID = 1L;

    private final int counts;
    private final TypeInformation<RowData> producedType;

    RowCountDeserializer(int counts, TypeInformation<RowData> producedType) {
        this.counts = counts;
        this.producedType = producedType;
    }

    @Override
    public void deserialize(
            byte[] key, byte[] value, long time, long diff, Collector<RowData> out) {
        GenericRowData row = new GenericRowData(counts);
        for (int i = 0; i < counts; i++) {
            row.setField(i, diff);
        }
        out.collect(row);
    }

    @Override
    public TypeInformation<RowData> producedType() {
        return producedType;
    }
}
