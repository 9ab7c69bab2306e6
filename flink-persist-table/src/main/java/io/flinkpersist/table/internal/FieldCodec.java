package io.flinkpersist.table.internal;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.TimestampType;

/**
 * Encodes the non-null value of one column of one SQL type, in two forms:
 *
 * <ul>
 *   <li><b>ordered</b> (keys): the unsigned lexicographic order of the bytes is the SQL order of
 *       the values, and every encoding is prefix-free, so a concatenation of fields orders like the
 *       tuple. Integers (and DATE, TIME, intervals, DECIMAL up to precision 18 as its unscaled
 *       long) are big-endian with the sign bit flipped; DECIMAL above 18 is its unscaled value as
 *       16-byte two's complement with the sign bit flipped; FLOAT and DOUBLE flip the sign bit of
 *       positive numbers and every bit of negative ones (Java's total order: {@code -0.0 < 0.0},
 *       NaN last); TIMESTAMP is its epoch milliseconds like a BIGINT, then (precision above 3) the
 *       nanoseconds within the millisecond as 4 bytes; strings (UTF-8, so code point order, which
 *       is Flink's) and binary strings escape {@code 0x00} as {@code 0x00 0xFF} and end with {@code
 *       0x00 0x01}, so a prefix orders first.
 *   <li><b>compact</b> (values): the same for fixed-width types; strings, binary strings and wide
 *       decimals as a varint length and their bytes.
 * </ul>
 *
 * <p>Values are Flink's internal data structures ({@link StringData}, {@link DecimalData}, {@link
 * TimestampData}, boxed primitives, {@code byte[]}).
 */
@Internal
abstract class FieldCodec implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The types a persist table can store. */
    static final Set<LogicalTypeRoot> SUPPORTED =
            EnumSet.of(
                    LogicalTypeRoot.BOOLEAN,
                    LogicalTypeRoot.TINYINT,
                    LogicalTypeRoot.SMALLINT,
                    LogicalTypeRoot.INTEGER,
                    LogicalTypeRoot.BIGINT,
                    LogicalTypeRoot.FLOAT,
                    LogicalTypeRoot.DOUBLE,
                    LogicalTypeRoot.DECIMAL,
                    LogicalTypeRoot.CHAR,
                    LogicalTypeRoot.VARCHAR,
                    LogicalTypeRoot.BINARY,
                    LogicalTypeRoot.VARBINARY,
                    LogicalTypeRoot.DATE,
                    LogicalTypeRoot.TIME_WITHOUT_TIME_ZONE,
                    LogicalTypeRoot.TIMESTAMP_WITHOUT_TIME_ZONE,
                    LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE,
                    LogicalTypeRoot.INTERVAL_YEAR_MONTH,
                    LogicalTypeRoot.INTERVAL_DAY_TIME);

    /** A short, stable name of the encoding, for codec names. */
    abstract String name();

    abstract void writeOrdered(RowData row, int pos, ByteWriter out);

    abstract Object readOrdered(ByteReader in);

    void writeCompact(RowData row, int pos, ByteWriter out) {
        writeOrdered(row, pos, out);
    }

    Object readCompact(ByteReader in) {
        return readOrdered(in);
    }

    /** Moves past a compact value without making an object of it where the encoding allows. */
    void skipCompact(ByteReader in) {
        readCompact(in);
    }

    /** The codec of a column, or a {@link ValidationException} naming the column and its type. */
    static FieldCodec of(String column, LogicalType type) {
        switch (type.getTypeRoot()) {
            case BOOLEAN:
                return new BooleanCodec();
            case TINYINT:
                return new TinyIntCodec();
            case SMALLINT:
                return new SmallIntCodec();
            case INTEGER:
            case DATE:
            case TIME_WITHOUT_TIME_ZONE:
            case INTERVAL_YEAR_MONTH:
                return new IntCodec();
            case BIGINT:
            case INTERVAL_DAY_TIME:
                return new BigIntCodec();
            case FLOAT:
                return new FloatCodec();
            case DOUBLE:
                return new DoubleCodec();
            case DECIMAL:
                DecimalType decimal = (DecimalType) type;
                return DecimalData.isCompact(decimal.getPrecision())
                        ? new CompactDecimalCodec(decimal.getPrecision(), decimal.getScale())
                        : new WideDecimalCodec(decimal.getPrecision(), decimal.getScale());
            case CHAR:
            case VARCHAR:
                return new StringCodec();
            case BINARY:
            case VARBINARY:
                return new BinaryCodec();
            case TIMESTAMP_WITHOUT_TIME_ZONE:
                return new TimestampCodec(((TimestampType) type).getPrecision());
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return new TimestampCodec(((LocalZonedTimestampType) type).getPrecision());
            default:
                throw new ValidationException(
                        "Cannot store column '"
                                + column
                                + "' of type "
                                + type.asSummaryString()
                                + " in a persist table: the supported types are "
                                + SUPPORTED.stream()
                                        .map(Enum::name)
                                        .sorted()
                                        .collect(Collectors.joining(", "))
                                + ". Cast the column to one of them, or leave it out of the table.");
        }
    }

    // ------------------------------------------------------------------ fixed width

    private static final class BooleanCodec extends FieldCodec {
        private static final long serialVersionUID = 1L;

        @Override
        String name() {
            return "bool";
        }

        @Override
        void writeOrdered(RowData row, int pos, ByteWriter out) {
            out.writeByte(row.getBoolean(pos) ? 1 : 0);
        }

        @Override
        Object readOrdered(ByteReader in) {
            int b = in.readByte();
            if (b > 1) {
                throw in.corrupt("invalid boolean byte " + b);
            }
            return b == 1;
        }
    }

    private static final class TinyIntCodec extends FieldCodec {
        private static final long serialVersionUID = 1L;

        @Override
        String name() {
            return "i8";
        }

        @Override
        void writeOrdered(RowData row, int pos, ByteWriter out) {
            out.writeByte(row.getByte(pos) ^ 0x80);
        }

        @Override
        Object readOrdered(ByteReader in) {
            return (byte) (in.readByte() ^ 0x80);
        }
    }

    private static final class SmallIntCodec extends FieldCodec {
        private static final long serialVersionUID = 1L;

        @Override
        String name() {
            return "i16";
        }

        @Override
        void writeOrdered(RowData row, int pos, ByteWriter out) {
            out.writeShort((short) (row.getShort(pos) ^ 0x8000));
        }

        @Override
        Object readOrdered(ByteReader in) {
            return (short) (in.readShort() ^ 0x8000);
        }
    }

    private static final class IntCodec extends FieldCodec {
        private static final long serialVersionUID = 1L;

        @Override
        String name() {
            return "i32";
        }

        @Override
        void writeOrdered(RowData row, int pos, ByteWriter out) {
            out.writeInt(row.getInt(pos) ^ Integer.MIN_VALUE);
        }

        @Override
        Object readOrdered(ByteReader in) {
            return in.readInt() ^ Integer.MIN_VALUE;
        }
    }

    private static final class BigIntCodec extends FieldCodec {
        private static final long serialVersionUID = 1L;

        @Override
        String name() {
            return "i64";
        }

        @Override
        void writeOrdered(RowData row, int pos, ByteWriter out) {
            out.writeLong(row.getLong(pos) ^ Long.MIN_VALUE);
        }

        @Override
        Object readOrdered(ByteReader in) {
            return in.readLong() ^ Long.MIN_VALUE;
        }
    }

    private static final class FloatCodec extends FieldCodec {
        private static final long serialVersionUID = 1L;

        @Override
        String name() {
            return "f32";
        }

        @Override
        void writeOrdered(RowData row, int pos, ByteWriter out) {
            int bits = Float.floatToIntBits(row.getFloat(pos));
            out.writeInt(bits ^ ((bits >> 31) | Integer.MIN_VALUE));
        }

        @Override
        Object readOrdered(ByteReader in) {
            int e = in.readInt();
            return Float.intBitsToFloat(e ^ ((~e >> 31) | Integer.MIN_VALUE));
        }
    }

    private static final class DoubleCodec extends FieldCodec {
        private static final long serialVersionUID = 1L;

        @Override
        String name() {
            return "f64";
        }

        @Override
        void writeOrdered(RowData row, int pos, ByteWriter out) {
            long bits = Double.doubleToLongBits(row.getDouble(pos));
            out.writeLong(bits ^ ((bits >> 63) | Long.MIN_VALUE));
        }

        @Override
        Object readOrdered(ByteReader in) {
            long e = in.readLong();
            return Double.longBitsToDouble(e ^ ((~e >> 63) | Long.MIN_VALUE));
        }
    }

    private static final class CompactDecimalCodec extends FieldCodec {
        private static final long serialVersionUID = 1L;
        private final int precision;
        private final int scale;

        CompactDecimalCodec(int precision, int scale) {
            this.precision = precision;
            this.scale = scale;
        }

        @Override
        String name() {
            return "dec" + precision + "." + scale;
        }

        @Override
        void writeOrdered(RowData row, int pos, ByteWriter out) {
            out.writeLong(row.getDecimal(pos, precision, scale).toUnscaledLong() ^ Long.MIN_VALUE);
        }

        @Override
        Object readOrdered(ByteReader in) {
            return DecimalData.fromUnscaledLong(in.readLong() ^ Long.MIN_VALUE, precision, scale);
        }
    }

    private static final class TimestampCodec extends FieldCodec {
        private static final long serialVersionUID = 1L;
        private final int precision;

        TimestampCodec(int precision) {
            this.precision = precision;
        }

        @Override
        String name() {
            return "ts" + precision;
        }

        @Override
        void writeOrdered(RowData row, int pos, ByteWriter out) {
            TimestampData ts = row.getTimestamp(pos, precision);
            out.writeLong(ts.getMillisecond() ^ Long.MIN_VALUE);
            if (precision > 3) {
                out.writeInt(ts.getNanoOfMillisecond());
            }
        }

        @Override
        Object readOrdered(ByteReader in) {
            long millis = in.readLong() ^ Long.MIN_VALUE;
            int nanos = precision > 3 ? in.readInt() : 0;
            if (nanos < 0 || nanos > 999_999) {
                throw in.corrupt("nanoseconds within a millisecond out of range: " + nanos);
            }
            return TimestampData.fromEpochMillis(millis, nanos);
        }
    }

    // ------------------------------------------------------------------ variable width

    private static final class WideDecimalCodec extends FieldCodec {
        private static final long serialVersionUID = 1L;

        /** Every unscaled value of precision up to 38 fits in 128 bits. */
        private static final int WIDTH = 16;

        private final int precision;
        private final int scale;

        WideDecimalCodec(int precision, int scale) {
            this.precision = precision;
            this.scale = scale;
        }

        @Override
        String name() {
            return "dec" + precision + "." + scale;
        }

        @Override
        void writeOrdered(RowData row, int pos, ByteWriter out) {
            BigInteger unscaled =
                    row.getDecimal(pos, precision, scale).toBigDecimal().unscaledValue();
            byte[] minimal = unscaled.toByteArray();
            byte[] fixed = new byte[WIDTH];
            Arrays.fill(
                    fixed, 0, WIDTH - minimal.length, (byte) (unscaled.signum() < 0 ? 0xFF : 0));
            System.arraycopy(minimal, 0, fixed, WIDTH - minimal.length, minimal.length);
            fixed[0] ^= (byte) 0x80;
            out.writeBytes(fixed);
        }

        @Override
        Object readOrdered(ByteReader in) {
            byte[] fixed = in.readBytes(WIDTH);
            fixed[0] ^= (byte) 0x80;
            return DecimalData.fromBigDecimal(
                    new BigDecimal(new BigInteger(fixed), scale), precision, scale);
        }

        @Override
        void writeCompact(RowData row, int pos, ByteWriter out) {
            byte[] unscaled = row.getDecimal(pos, precision, scale).toUnscaledBytes();
            out.writeVarInt(unscaled.length);
            out.writeBytes(unscaled);
        }

        @Override
        Object readCompact(ByteReader in) {
            return DecimalData.fromUnscaledBytes(in.readBytes(in.readVarInt()), precision, scale);
        }
    }

    private static final class StringCodec extends FieldCodec {
        private static final long serialVersionUID = 1L;

        @Override
        String name() {
            return "str";
        }

        @Override
        void writeOrdered(RowData row, int pos, ByteWriter out) {
            out.writeEscaped(row.getString(pos).toBytes());
        }

        @Override
        Object readOrdered(ByteReader in) {
            return StringData.fromBytes(in.readEscaped());
        }

        @Override
        void writeCompact(RowData row, int pos, ByteWriter out) {
            byte[] utf8 = row.getString(pos).toBytes();
            out.writeVarInt(utf8.length);
            out.writeBytes(utf8);
        }

        @Override
        Object readCompact(ByteReader in) {
            return StringData.fromBytes(in.readBytes(in.readVarInt()));
        }

        @Override
        void skipCompact(ByteReader in) {
            in.skip(in.readVarInt());
        }
    }

    private static final class BinaryCodec extends FieldCodec {
        private static final long serialVersionUID = 1L;

        @Override
        String name() {
            return "bin";
        }

        @Override
        void writeOrdered(RowData row, int pos, ByteWriter out) {
            out.writeEscaped(row.getBinary(pos));
        }

        @Override
        Object readOrdered(ByteReader in) {
            return in.readEscaped();
        }

        @Override
        void writeCompact(RowData row, int pos, ByteWriter out) {
            byte[] b = row.getBinary(pos);
            out.writeVarInt(b.length);
            out.writeBytes(b);
        }

        @Override
        Object readCompact(ByteReader in) {
            return in.readBytes(in.readVarInt());
        }

        @Override
        void skipCompact(ByteReader in) {
            in.skip(in.readVarInt());
        }
    }
}
