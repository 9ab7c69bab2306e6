package io.flinkpersist.table.internal;

import io.flinkpersist.batch.UpdateOrder;
import io.flinkpersist.read.KeyRange;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.expressions.CallExpression;
import org.apache.flink.table.expressions.FieldReferenceExpression;
import org.apache.flink.table.expressions.ResolvedExpression;
import org.apache.flink.table.expressions.ValueLiteralExpression;
import org.apache.flink.table.functions.BuiltInFunctionDefinitions;
import org.apache.flink.table.functions.FunctionDefinition;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;

/**
 * What a scan's filters let it leave out: key ranges from equalities, {@code IN} lists and ranges
 * on the leading primary-key columns, and a time bound from a lower bound on the rowtime column.
 *
 * <p>Each is a superset of the rows its filters keep (a bound {@code <} is read as {@code <=}, a
 * literal that does not fit a column exactly is rounded outwards, and a filter it cannot use is
 * ignored), so leaving the rest out changes no result; the planner still applies every filter.
 *
 * @param keyRanges the key ranges that hold every row the filters keep; null: any key
 * @param timesFrom every row the filters keep was written at or after this time (0: any)
 * @param accepted the filters that narrowed the read, for the plan's description
 */
@Internal
public record FilterPushDown(
        List<KeyRange> keyRanges, long timesFrom, List<ResolvedExpression> accepted) {

    /** At most this many key ranges from {@code IN} lists multiplied out; more read a prefix. */
    static final int MAX_RANGES = 1024;

    /** What {@code filters} (conjuncts) allow for a table of {@code layout}. */
    public static FilterPushDown of(
            List<ResolvedExpression> filters, RowLayout layout, Optional<String> rowtimeColumn) {
        RowType rowType = layout.rowType();
        int[] key = layout.keyCodec().positions();
        Column[] columns = new Column[key.length];
        for (int i = 0; i < key.length; i++) {
            columns[i] = new Column(rowType, key[i]);
        }
        List<ResolvedExpression> accepted = new ArrayList<>();
        long timesFrom = 0;
        for (ResolvedExpression filter : conjuncts(filters)) {
            boolean used = false;
            for (Column c : columns) {
                used |= c.constrain(filter);
            }
            if (rowtimeColumn.isPresent()) {
                long bound = lowerTimeBound(filter, rowtimeColumn.get());
                if (bound > 0) {
                    timesFrom = Math.max(timesFrom, bound);
                    used = true;
                }
            }
            if (used) {
                accepted.add(filter);
            }
        }
        return new FilterPushDown(keyRanges(columns), timesFrom, List.copyOf(accepted));
    }

    /** Whether the filters left anything out. */
    public boolean narrows() {
        return keyRanges != null || timesFrom > 0;
    }

    private static List<ResolvedExpression> conjuncts(List<ResolvedExpression> filters) {
        List<ResolvedExpression> out = new ArrayList<>();
        for (ResolvedExpression f : filters) {
            if (f instanceof CallExpression call
                    && call.getFunctionDefinition() == BuiltInFunctionDefinitions.AND) {
                out.addAll(conjuncts(call.getResolvedChildren()));
            } else {
                out.add(f);
            }
        }
        return out;
    }

    /**
     * The key ranges of the constrained leading columns: the equal values of each, multiplied out,
     * then the range of the next, if any.
     */
    private static List<KeyRange> keyRanges(Column[] columns) {
        List<byte[]> prefixes = List.of(new byte[0]);
        for (Column c : columns) {
            if (c.equalTo != null && (long) prefixes.size() * c.equalTo.size() <= MAX_RANGES) {
                List<byte[]> next = new ArrayList<>();
                for (byte[] p : prefixes) {
                    for (byte[] v : c.equalTo) {
                        next.add(concat(p, v));
                    }
                }
                prefixes = next;
                continue;
            }
            if (c.equalTo == null && (c.lower != null || c.upper != null)) {
                List<KeyRange> out = new ArrayList<>();
                for (byte[] p : prefixes) {
                    byte[] lo = c.lower == null ? p : concat(p, c.lower);
                    KeyRange end = KeyRange.prefix(c.upper == null ? p : concat(p, c.upper));
                    if (end.upper() == null || UpdateOrder.compareBytes(lo, end.upper()) < 0) {
                        out.add(new KeyRange(lo, end.upper()));
                    }
                }
                return KeyRange.normalize(out);
            }
            break;
        }
        if (prefixes.size() == 1 && prefixes.get(0).length == 0) {
            return null;
        }
        List<KeyRange> out = new ArrayList<>();
        for (byte[] p : prefixes) {
            out.add(KeyRange.prefix(p));
        }
        return KeyRange.normalize(out);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * The time a filter {@code rowtime >= t} or {@code rowtime > t} bounds the rows from below, in
     * epoch milliseconds (rounded down); 0 for any other filter.
     */
    private static long lowerTimeBound(ResolvedExpression filter, String rowtime) {
        Comparison cmp = Comparison.of(filter);
        if (cmp == null || !cmp.field.getName().equals(rowtime)) {
            return 0;
        }
        if (cmp.op != BuiltInFunctionDefinitions.GREATER_THAN
                && cmp.op != BuiltInFunctionDefinitions.GREATER_THAN_OR_EQUAL
                && cmp.op != BuiltInFunctionDefinitions.EQUALS) {
            return 0;
        }
        Object v = cmp.literal.getValueAs(Object.class).orElse(null);
        long millis;
        if (v instanceof LocalDateTime t) {
            millis = TimestampData.fromLocalDateTime(t).getMillisecond();
        } else if (v instanceof Instant t) {
            millis = TimestampData.fromInstant(t).getMillisecond();
        } else {
            return 0;
        }
        return Math.max(0, millis);
    }

    /** A comparison of a column with a literal, the column on the left. */
    private record Comparison(
            FunctionDefinition op, FieldReferenceExpression field, ValueLiteralExpression literal) {

        static Comparison of(ResolvedExpression e) {
            if (!(e instanceof CallExpression call) || call.getResolvedChildren().size() != 2) {
                return null;
            }
            ResolvedExpression a = call.getResolvedChildren().get(0);
            ResolvedExpression b = call.getResolvedChildren().get(1);
            FunctionDefinition op = call.getFunctionDefinition();
            if (a instanceof FieldReferenceExpression f && b instanceof ValueLiteralExpression l) {
                return new Comparison(op, f, l);
            }
            if (b instanceof FieldReferenceExpression f && a instanceof ValueLiteralExpression l) {
                return new Comparison(flip(op), f, l);
            }
            return null;
        }

        private static FunctionDefinition flip(FunctionDefinition op) {
            if (op == BuiltInFunctionDefinitions.GREATER_THAN) {
                return BuiltInFunctionDefinitions.LESS_THAN;
            }
            if (op == BuiltInFunctionDefinitions.GREATER_THAN_OR_EQUAL) {
                return BuiltInFunctionDefinitions.LESS_THAN_OR_EQUAL;
            }
            if (op == BuiltInFunctionDefinitions.LESS_THAN) {
                return BuiltInFunctionDefinitions.GREATER_THAN;
            }
            if (op == BuiltInFunctionDefinitions.LESS_THAN_OR_EQUAL) {
                return BuiltInFunctionDefinitions.GREATER_THAN_OR_EQUAL;
            }
            return op;
        }
    }

    /**
     * The constraints filters put on one key column, each value as the column's segment of the
     * ordered key encoding: the values it must equal, or the range it must lie in (bounds
     * inclusive).
     */
    private static final class Column {
        private final RowType rowType;
        private final int position;
        private final String name;
        private final LogicalType type;
        private final RowFieldsCodec codec;
        private List<byte[]> equalTo;
        private byte[] lower;
        private byte[] upper;

        Column(RowType rowType, int position) {
            this.rowType = rowType;
            this.position = position;
            this.name = rowType.getFieldNames().get(position);
            this.type = rowType.getTypeAt(position);
            this.codec = RowFieldsCodec.ordered(rowType, new int[] {position});
        }

        /** Takes what {@code filter} says about this column; whether it said anything usable. */
        boolean constrain(ResolvedExpression filter) {
            List<byte[]> values = equalities(filter);
            if (values != null) {
                if (equalTo == null || values.size() < equalTo.size()) {
                    equalTo = values;
                }
                return true;
            }
            Comparison cmp = Comparison.of(filter);
            if (cmp == null || !cmp.field.getName().equals(name)) {
                return false;
            }
            byte[] v = segment(cmp.literal);
            if (v == null) {
                return false;
            }
            FunctionDefinition op = cmp.op;
            if (op == BuiltInFunctionDefinitions.GREATER_THAN
                    || op == BuiltInFunctionDefinitions.GREATER_THAN_OR_EQUAL) {
                if (lower == null || UpdateOrder.compareBytes(v, lower) > 0) {
                    lower = v;
                }
                return true;
            }
            if (op == BuiltInFunctionDefinitions.LESS_THAN
                    || op == BuiltInFunctionDefinitions.LESS_THAN_OR_EQUAL) {
                if (upper == null || UpdateOrder.compareBytes(v, upper) < 0) {
                    upper = v;
                }
                return true;
            }
            return false;
        }

        /**
         * The values of an equality, an {@code IN} list or a disjunction of equalities on this
         * column, as segments; null if {@code filter} is none of these.
         */
        private List<byte[]> equalities(ResolvedExpression filter) {
            if (!(filter instanceof CallExpression call)) {
                return null;
            }
            FunctionDefinition op = call.getFunctionDefinition();
            List<ResolvedExpression> args = call.getResolvedChildren();
            if (op == BuiltInFunctionDefinitions.EQUALS) {
                Comparison cmp = Comparison.of(filter);
                byte[] v =
                        cmp == null || !cmp.field.getName().equals(name)
                                ? null
                                : segment(cmp.literal);
                return v == null ? null : List.of(v);
            }
            if (op == BuiltInFunctionDefinitions.IN
                    && !args.isEmpty()
                    && args.get(0) instanceof FieldReferenceExpression f
                    && f.getName().equals(name)) {
                List<byte[]> out = new ArrayList<>();
                for (ResolvedExpression a : args.subList(1, args.size())) {
                    byte[] v = a instanceof ValueLiteralExpression l ? segment(l) : null;
                    if (v == null) {
                        return null;
                    }
                    out.add(v);
                }
                return out;
            }
            if (op == BuiltInFunctionDefinitions.OR) {
                List<byte[]> out = new ArrayList<>();
                for (ResolvedExpression a : args) {
                    List<byte[]> vs = equalities(a);
                    if (vs == null) {
                        return null;
                    }
                    out.addAll(vs);
                }
                return out;
            }
            return null;
        }

        /**
         * The column's segment of the ordered key encoding for a literal, or null if the literal is
         * null, of another kind, or does not fit the column (then the filter is not used).
         */
        private byte[] segment(ValueLiteralExpression literal) {
            if (literal.isNull()) {
                return null;
            }
            Object internal = internal(literal.getValueAs(Object.class).orElse(null));
            if (internal == null) {
                return null;
            }
            GenericRowData row = new GenericRowData(rowType.getFieldCount());
            row.setField(position, internal);
            return codec.encode(row);
        }

        /** The literal in the column's internal representation, or null. */
        private Object internal(Object v) {
            switch (type.getTypeRoot()) {
                case TINYINT:
                    return integral(v, Byte.MIN_VALUE, Byte.MAX_VALUE)
                            ? ((Number) v).byteValue()
                            : null;
                case SMALLINT:
                    return integral(v, Short.MIN_VALUE, Short.MAX_VALUE)
                            ? ((Number) v).shortValue()
                            : null;
                case INTEGER:
                    return integral(v, Integer.MIN_VALUE, Integer.MAX_VALUE)
                            ? ((Number) v).intValue()
                            : null;
                case BIGINT:
                    return integral(v, Long.MIN_VALUE, Long.MAX_VALUE)
                            ? ((Number) v).longValue()
                            : null;
                case DECIMAL:
                    if (v instanceof BigDecimal || v instanceof Long || v instanceof Integer) {
                        DecimalType d = (DecimalType) type;
                        return DecimalData.fromBigDecimal(
                                new BigDecimal(v.toString()), d.getPrecision(), d.getScale());
                    }
                    return null;
                case VARCHAR:
                    return v instanceof String s ? StringData.fromString(s) : null;
                case VARBINARY:
                    return v instanceof byte[] b ? b.clone() : null;
                case BOOLEAN:
                    return v instanceof Boolean b ? b : null;
                case DATE:
                    return v instanceof LocalDate d ? (int) d.toEpochDay() : null;
                case TIME_WITHOUT_TIME_ZONE:
                    return v instanceof LocalTime t ? (int) (t.toNanoOfDay() / 1_000_000) : null;
                case TIMESTAMP_WITHOUT_TIME_ZONE:
                    return v instanceof LocalDateTime t ? TimestampData.fromLocalDateTime(t) : null;
                case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                    return v instanceof Instant t ? TimestampData.fromInstant(t) : null;
                default:
                    // CHAR and BINARY pad, FLOAT and DOUBLE have -0.0 and NaN: not worth the risk.
                    return null;
            }
        }

        private static boolean integral(Object v, long min, long max) {
            if (v instanceof Byte
                    || v instanceof Short
                    || v instanceof Integer
                    || v instanceof Long) {
                long x = ((Number) v).longValue();
                return x >= min && x <= max;
            }
            if (v instanceof BigDecimal d) {
                try {
                    long x = d.longValueExact();
                    return x >= min && x <= max;
                } catch (ArithmeticException e) {
                    return false;
                }
            }
            return false;
        }
    }
}
