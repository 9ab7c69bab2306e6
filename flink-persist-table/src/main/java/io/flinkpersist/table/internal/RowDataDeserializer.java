package io.flinkpersist.table.internal;

import io.flinkpersist.Update;
import io.flinkpersist.source.UpdateDeserializer;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;

/** What the persist source emits for a table: the rows of each update ({@link UpdateRows}). */
@Internal
final class RowDataDeserializer implements UpdateDeserializer<RowData> {

    private static final long serialVersionUID = 1L;

    private final UpdateRows rows;
    private final TypeInformation<RowData> producedType;

    RowDataDeserializer(UpdateRows rows, TypeInformation<RowData> producedType) {
        this.rows = rows;
        this.producedType = producedType;
    }

    @Override
    public void deserialize(
            byte[] key, byte[] value, long time, long diff, Collector<RowData> out) {
        rows.emit(Update.of(key, value, time, diff), out::collect);
    }

    @Override
    public TypeInformation<RowData> producedType() {
        return producedType;
    }
}
