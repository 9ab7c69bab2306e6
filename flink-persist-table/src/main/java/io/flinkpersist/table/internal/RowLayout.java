package io.flinkpersist.table.internal;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimestampType;

/**
 * How a table's physical rows map to updates: the primary-key columns form the key (ordered
 * encoding), the other columns the value (compact encoding); without a primary key the whole row is
 * the key and the value is empty. If the table declares a rowtime attribute, its column gives each
 * row's time in milliseconds since the epoch.
 *
 * <p>Built at planning time, so an unsupported column type fails the statement there.
 */
@Internal
public final class RowLayout implements Serializable {

    private static final long serialVersionUID = 1L;

    private final RowType rowType;
    private final RowFieldsCodec key;
    private final RowFieldsCodec value;
    private final String rowtimeColumn;
    private final int rowtimePosition;
    private final int rowtimePrecision;

    private RowLayout(
            RowType rowType,
            int[] keyPositions,
            String rowtimeColumn,
            int rowtimePosition,
            int rowtimePrecision) {
        this.rowType = rowType;
        int[] valuePositions =
                IntStream.range(0, rowType.getFieldCount())
                        .filter(i -> Arrays.stream(keyPositions).noneMatch(k -> k == i))
                        .toArray();
        this.key = RowFieldsCodec.ordered(rowType, keyPositions);
        this.value = RowFieldsCodec.compact(rowType, valuePositions);
        this.rowtimeColumn = rowtimeColumn;
        this.rowtimePosition = rowtimePosition;
        this.rowtimePrecision = rowtimePrecision;
    }

    /**
     * The layout of rows of {@code physical} type.
     *
     * @param primaryKey the primary-key positions, empty if the table has none
     * @param rowtimeColumn the rowtime attribute's column, if the table declares one
     */
    public static RowLayout of(RowType physical, int[] primaryKey, Optional<String> rowtimeColumn) {
        int[] keyPositions =
                primaryKey.length > 0
                        ? primaryKey.clone()
                        : IntStream.range(0, physical.getFieldCount()).toArray();
        // Validate every column, key or not, so the message names the first unsupported one.
        for (int i = 0; i < physical.getFieldCount(); i++) {
            FieldCodec.of(physical.getFieldNames().get(i), physical.getTypeAt(i));
        }
        if (rowtimeColumn.isEmpty()) {
            return new RowLayout(physical, keyPositions, null, -1, 0);
        }
        String column = rowtimeColumn.get();
        int position = physical.getFieldNames().indexOf(column);
        if (position < 0) {
            throw new ValidationException(
                    "Cannot use '"
                            + column
                            + "' as the time of a persist table: the rowtime attribute must be a physical column (not a"
                            + " computed or metadata column, nor a nested field); physical columns are "
                            + physical.getFieldNames());
        }
        LogicalType type = physical.getTypeAt(position);
        int precision;
        if (type instanceof TimestampType t) {
            precision = t.getPrecision();
        } else if (type instanceof LocalZonedTimestampType t) {
            precision = t.getPrecision();
        } else {
            throw new ValidationException(
                    "Cannot use '"
                            + column
                            + "' of type "
                            + type.asSummaryString()
                            + " as the time of a persist table: the rowtime attribute must be a TIMESTAMP or TIMESTAMP_LTZ");
        }
        return new RowLayout(physical, keyPositions, column, position, precision);
    }

    public RowType rowType() {
        return rowType;
    }

    public RowFieldsCodec keyCodec() {
        return key;
    }

    public RowFieldsCodec valueCodec() {
        return value;
    }

    /** The position of the rowtime column, if the table has one. */
    public OptionalInt rowtimePosition() {
        return rowtimeColumn == null ? OptionalInt.empty() : OptionalInt.of(rowtimePosition);
    }

    public Optional<String> rowtimeColumn() {
        return Optional.ofNullable(rowtimeColumn);
    }

    /** The time of a row of a table with a rowtime attribute: its rowtime in epoch milliseconds. */
    public long rowtimeOf(RowData row) {
        if (rowtimeColumn == null) {
            throw new IllegalStateException(
                    "Cannot take the rowtime of a row: the table has no rowtime attribute");
        }
        if (row.isNullAt(rowtimePosition)) {
            throw new IllegalArgumentException(
                    "Cannot write a row to a persist table: its rowtime column '"
                            + rowtimeColumn
                            + "' is null");
        }
        TimestampData ts = row.getTimestamp(rowtimePosition, rowtimePrecision);
        if (ts.getMillisecond() < 0) {
            throw new IllegalArgumentException(
                    "Cannot write a row to a persist table: its rowtime column '"
                            + rowtimeColumn
                            + "' is before 1970-01-01 00:00:00 (value="
                            + ts
                            + "); times are milliseconds since the epoch and must not be negative");
        }
        return ts.getMillisecond();
    }

    /** A row of the table's full width from a stored key and value. */
    public GenericRowData decode(byte[] keyBytes, byte[] valueBytes) {
        GenericRowData row = new GenericRowData(rowType.getFieldCount());
        key.decodeInto(keyBytes, row);
        value.decodeInto(valueBytes, row);
        return row;
    }
}
