package io.flinkpersist.table.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Update;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/**
 * Read updates become rows: one per unit of multiplicity, inserts or (continuous scans) deletes.
 */
class UpdateRowsTest {

    private static final RowType TYPE =
            RowType.of(
                    new LogicalType[] {
                        DataTypes.INT().getLogicalType(), DataTypes.STRING().getLogicalType()
                    },
                    new String[] {"k", "v"});
    private static final RowLayout LAYOUT = RowLayout.of(TYPE, new int[] {0}, Optional.empty());

    private static Update<byte[], byte[]> update(int k, String v, long diff) {
        GenericRowData row = GenericRowData.of(k, StringData.fromString(v));
        return Update.of(LAYOUT.keyCodec().encode(row), LAYOUT.valueCodec().encode(row), 9, diff);
    }

    private static List<RowData> emit(UpdateRows rows, Update<byte[], byte[]> update) {
        List<RowData> out = new ArrayList<>();
        rows.emit(update, out::add);
        return out;
    }

    @Test
    void aSnapshotEmitsEachRowOncePerUnitOfItsMultiplicity() {
        UpdateRows snapshot = new UpdateRows(LAYOUT, false, "c");
        List<RowData> out = emit(snapshot, update(1, "a", 3));
        GenericRowData expected = GenericRowData.of(1, StringData.fromString("a"));
        assertThat(out).hasSize(3).allSatisfy(r -> assertThat(r).isEqualTo(expected));
        // Separate objects: a downstream operator may change one without touching the others.
        assertThat(out.get(0)).isNotSameAs(out.get(1));
        assertThat(emit(snapshot, update(2, "b", 1)))
                .containsExactly(GenericRowData.of(2, StringData.fromString("b")));
    }

    @Test
    void aNegativeMultiplicityInASnapshotFails() {
        UpdateRows snapshot = new UpdateRows(LAYOUT, false, "orders");
        assertThatThrownBy(() -> emit(snapshot, update(1, "a", -2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith(
                        "Cannot read collection orders as a snapshot: a row has the net multiplicity -2 at time 9");
    }

    @Test
    void aContinuousScanEmitsDeletesForRetractions() {
        UpdateRows changelog = new UpdateRows(LAYOUT, true, "c");
        List<RowData> out = emit(changelog, update(1, "a", -2));
        assertThat(out)
                .hasSize(2)
                .allSatisfy(
                        r -> {
                            assertThat(r.getRowKind()).isEqualTo(RowKind.DELETE);
                            assertThat(r.getInt(0)).isEqualTo(1);
                        });
        assertThat(emit(changelog, update(1, "a", 1)))
                .singleElement()
                .extracting(RowData::getRowKind)
                .isEqualTo(RowKind.INSERT);
    }
}
