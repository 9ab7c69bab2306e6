package io.flinkpersist.table.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Update;
import io.flinkpersist.sink.UpdateSerializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/** A table row becomes one update: its encoded key and value, a diff by row kind, and its time. */
class RowDataSerializerTest {

    private static final RowType TYPE =
            RowType.of(
                    new LogicalType[] {
                        DataTypes.INT().notNull().getLogicalType(),
                        DataTypes.STRING().getLogicalType(),
                        DataTypes.TIMESTAMP(3).getLogicalType()
                    },
                    new String[] {"id", "name", "ts"});
    private static final RowLayout EPOCHS = RowLayout.of(TYPE, new int[] {0}, Optional.empty());
    private static final RowLayout ROWTIME = RowLayout.of(TYPE, new int[] {0}, Optional.of("ts"));

    /** Records what it is written, and offers a fixed commit epoch. */
    private static final class TestingUpdateWriter implements UpdateSerializer.UpdateWriter {
        final List<Update<byte[], byte[]>> updates = new ArrayList<>();

        @Override
        public void write(byte[] key, byte[] value, long time, long diff) {
            updates.add(Update.of(key, value, time, diff));
        }

        @Override
        public long commitEpoch() {
            return 42;
        }
    }

    private static GenericRowData row(RowKind kind, int id, String name, long millis) {
        GenericRowData r =
                GenericRowData.of(
                        id, StringData.fromString(name), TimestampData.fromEpochMillis(millis));
        r.setRowKind(kind);
        return r;
    }

    @Test
    void rowKindsBecomeDiffsAndRowsCarryTheirEncodedKeyAndValueAtTheCommitEpoch() throws Exception {
        RowDataSerializer serializer = new RowDataSerializer(EPOCHS);
        TestingUpdateWriter out = new TestingUpdateWriter();
        serializer.serialize(row(RowKind.INSERT, 1, "a", 0), out);
        serializer.serialize(row(RowKind.UPDATE_BEFORE, 1, "a", 0), out);
        serializer.serialize(row(RowKind.UPDATE_AFTER, 1, "b", 0), out);
        serializer.serialize(row(RowKind.DELETE, 1, "b", 0), out);
        assertThat(out.updates).extracting(Update::diff).containsExactly(1L, -1L, 1L, -1L);
        assertThat(out.updates).extracting(Update::time).containsOnly(42L);
        Update<byte[], byte[]> first = out.updates.get(0);
        assertThat(EPOCHS.decode(first.key(), first.value()))
                .isEqualTo(row(RowKind.INSERT, 1, "a", 0));
        assertThat(out.updates.get(2).key()).isEqualTo(first.key());
        assertThat(out.updates.get(2).value()).isNotEqualTo(first.value());
    }

    @Test
    void aRowtimeTableUsesTheRowtime() throws Exception {
        RowDataSerializer serializer = new RowDataSerializer(ROWTIME);
        TestingUpdateWriter out = new TestingUpdateWriter();
        serializer.serialize(row(RowKind.INSERT, 1, "a", 1_500), out);
        assertThat(out.updates).extracting(Update::time).containsExactly(1_500L);
        assertThatThrownBy(() -> serializer.serialize(row(RowKind.INSERT, 2, "b", -1), out))
                .hasMessageContaining("its rowtime column 'ts' is before 1970-01-01 00:00:00");
        GenericRowData noTime = GenericRowData.of(3, StringData.fromString("c"), null);
        assertThatThrownBy(() -> serializer.serialize(noTime, out))
                .hasMessageContaining("its rowtime column 'ts' is null");
    }
}
