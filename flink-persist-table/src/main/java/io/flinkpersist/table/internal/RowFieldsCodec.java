package io.flinkpersist.table.internal;

import io.flinkpersist.Codec;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

/**
 * Encodes some columns of a table's rows (the key columns, or the value columns) to the bytes the
 * engine stores, and decodes them back into those positions of a row.
 *
 * <ul>
 *   <li>{@link #ordered}: for keys. Each column is a marker byte ({@code 0x00} null, {@code 0x01}
 *       present; so nulls order first) followed by its ordered encoding ({@link FieldCodec}), so
 *       that the unsigned byte order of keys is the SQL order of the key tuples. The marker is
 *       written whatever the column's declared nullability, so that the bytes do not depend on it.
 *   <li>{@link #compact}: for values. A null bitmap, then each non-null column's compact encoding.
 *       No columns encode to no bytes.
 * </ul>
 *
 * <p>As a {@link Codec}, {@link #decode} returns a row of the table's full width with only this
 * codec's positions set. Stateless and serializable.
 */
@Internal
public final class RowFieldsCodec implements Codec<RowData> {

    private static final long serialVersionUID = 1L;

    private final boolean ordered;
    private final int arity;
    private final int[] positions;
    private final FieldCodec[] fields;
    private final String name;
    private final String schemaName;

    private RowFieldsCodec(boolean ordered, RowType table, int[] positions) {
        this.ordered = ordered;
        this.arity = table.getFieldCount();
        this.positions = positions.clone();
        this.fields = new FieldCodec[positions.length];
        for (int i = 0; i < positions.length; i++) {
            fields[i] =
                    FieldCodec.of(
                            table.getFieldNames().get(positions[i]), table.getTypeAt(positions[i]));
        }
        this.name =
                (ordered ? "persist-row-ordered-v1(" : "persist-row-compact-v1(")
                        + Arrays.stream(fields)
                                .map(FieldCodec::name)
                                .collect(Collectors.joining(","))
                        + ")";
        this.schemaName =
                (ordered ? "persist-row-ordered-v1(" : "persist-row-compact-v1(")
                        + Arrays.stream(positions)
                                .mapToObj(
                                        p ->
                                                table.getFieldNames().get(p)
                                                        + " "
                                                        + table.getTypeAt(p)
                                                                .copy(true)
                                                                .asSummaryString())
                                .collect(Collectors.joining(", "))
                        + ")";
    }

    /** The order-preserving codec of columns {@code positions} of rows of type {@code table}. */
    public static RowFieldsCodec ordered(RowType table, int[] positions) {
        return new RowFieldsCodec(true, table, positions);
    }

    /** The compact codec of columns {@code positions} of rows of type {@code table}. */
    public static RowFieldsCodec compact(RowType table, int[] positions) {
        return new RowFieldsCodec(false, table, positions);
    }

    /** The positions this codec encodes, in encoding order. */
    public int[] positions() {
        return positions.clone();
    }

    @Override
    public String codecName() {
        return name;
    }

    /**
     * The encoding with its columns' names and types (nullability aside, which the encoding does
     * not depend on), e.g. {@code persist-row-ordered-v1(id BIGINT)}: what a table's collection
     * records as its schema.
     */
    public String schemaName() {
        return schemaName;
    }

    @Override
    public byte[] encode(RowData row) {
        if (fields.length == 0) {
            return new byte[0];
        }
        ByteWriter out = new ByteWriter();
        if (ordered) {
            writeOrdered(row, fields.length, out);
        } else {
            byte[] nulls = new byte[(fields.length + 7) / 8];
            for (int i = 0; i < fields.length; i++) {
                if (row.isNullAt(positions[i])) {
                    nulls[i / 8] |= (byte) (1 << (i % 8));
                }
            }
            out.writeBytes(nulls);
            for (int i = 0; i < fields.length; i++) {
                if ((nulls[i / 8] & (1 << (i % 8))) == 0) {
                    fields[i].writeCompact(row, positions[i], out);
                }
            }
        }
        return out.toByteArray();
    }

    /**
     * The ordered encoding of the first {@code count} of this codec's columns of {@code row}: every
     * key whose first columns are these starts with it, and keys sort as their columns do. Only for
     * an ordered codec.
     */
    public byte[] encodePrefix(RowData row, int count) {
        if (!ordered || count > fields.length) {
            throw new IllegalArgumentException(
                    "Cannot encode a key prefix of "
                            + count
                            + " columns with "
                            + name
                            + ": needs an ordered codec of at least as many columns");
        }
        ByteWriter out = new ByteWriter();
        writeOrdered(row, count, out);
        return out.toByteArray();
    }

    /** The first {@code count} columns of {@code row}, each a null marker and its value. */
    private void writeOrdered(RowData row, int count, ByteWriter out) {
        for (int i = 0; i < count; i++) {
            int pos = positions[i];
            if (row.isNullAt(pos)) {
                out.writeByte(0x00);
            } else {
                out.writeByte(0x01);
                fields[i].writeOrdered(row, pos, out);
            }
        }
    }

    @Override
    public RowData decode(byte[] bytes) {
        GenericRowData row = new GenericRowData(arity);
        decodeInto(bytes, row);
        return row;
    }

    /**
     * Sets this codec's positions of {@code target} from {@code bytes}; fails on malformed or
     * trailing bytes.
     */
    public void decodeInto(byte[] bytes, GenericRowData target) {
        decodeInto(bytes, target, null);
    }

    /**
     * Sets the positions of {@code target} that {@code wanted} (indexed by table position; null:
     * all) asks for from {@code bytes}, moving past the others; reads nothing if none is wanted.
     */
    public void decodeInto(byte[] bytes, GenericRowData target, boolean[] wanted) {
        if (wanted != null && Arrays.stream(positions).noneMatch(p -> wanted[p])) {
            return;
        }
        ByteReader in = new ByteReader(bytes, name);
        if (fields.length > 0) {
            if (ordered) {
                for (int i = 0; i < fields.length; i++) {
                    int marker = in.readByte();
                    if (marker == 0x00) {
                        target.setField(positions[i], null);
                    } else if (marker == 0x01) {
                        Object v = fields[i].readOrdered(in);
                        if (wanted == null || wanted[positions[i]]) {
                            target.setField(positions[i], v);
                        }
                    } else {
                        throw in.corrupt(
                                "invalid null marker "
                                        + marker
                                        + " at offset "
                                        + (in.position() - 1));
                    }
                }
            } else {
                byte[] nulls = in.readBytes((fields.length + 7) / 8);
                for (int i = 0; i < fields.length; i++) {
                    boolean isNull = (nulls[i / 8] & (1 << (i % 8))) != 0;
                    if (wanted != null && !wanted[positions[i]]) {
                        if (!isNull) {
                            fields[i].skipCompact(in);
                        }
                    } else {
                        target.setField(positions[i], isNull ? null : fields[i].readCompact(in));
                    }
                }
            }
        }
        if (!in.atEnd()) {
            throw in.corrupt("trailing bytes after offset " + in.position());
        }
    }
}
