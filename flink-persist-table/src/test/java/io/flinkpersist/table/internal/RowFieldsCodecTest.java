package io.flinkpersist.table.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The key encoding orders like SQL: for random rows of every supported type, alone and in composite
 * keys, the unsigned byte order of the encoded keys is the SQL order of the rows (nulls first),
 * equal bytes mean equal rows, and both encodings decode to the row they encoded. Replay a run with
 * {@code -Dtest.seed=<seed>}.
 */
class RowFieldsCodecTest {

    private static long seed;

    @BeforeAll
    static void pickSeed() {
        seed = Long.getLong("test.seed", System.nanoTime());
        System.out.println(
                "RowFieldsCodecTest seed " + seed + " (replay with -Dtest.seed=" + seed + ")");
    }

    /**
     * A column type with a generator of random internal values and the SQL order of those values.
     */
    private record Kind(
            LogicalType type, Function<Random, Object> generator, Comparator<Object> order) {}

    @SuppressWarnings("unchecked")
    private static Comparator<Object> natural() {
        return (a, b) -> ((Comparable<Object>) a).compareTo(b);
    }

    private static final Comparator<Object> UNSIGNED_BYTES =
            (a, b) -> Arrays.compareUnsigned((byte[]) a, (byte[]) b);
    private static final Comparator<Object> UTF8_BYTES =
            (a, b) ->
                    Arrays.compareUnsigned(((StringData) a).toBytes(), ((StringData) b).toBytes());

    private static final String[] PIECES = {
        "",
        "a",
        "b",
        "ab",
        "\0",
        "\u0001",
        "\u007f",
        "\u00ff",
        "é",
        "\u4e2d",
        "\uffff",
        "\uD83D\uDE00",
        "zz"
    };

    private static String randomString(Random r) {
        StringBuilder s = new StringBuilder();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            s.append(PIECES[r.nextInt(PIECES.length)]);
        }
        return s.toString();
    }

    private static byte[] randomBytes(Random r) {
        byte[] special = {0x00, 0x01, (byte) 0xFF, (byte) 0x80, 0x7F};
        byte[] b = new byte[r.nextInt(5)];
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextBoolean() ? special[r.nextInt(special.length)] : (byte) r.nextInt(256);
        }
        return b;
    }

    private static long edgyLong(Random r) {
        long[] edges = {
            Long.MIN_VALUE, Long.MIN_VALUE + 1, -1, 0, 1, Long.MAX_VALUE - 1, Long.MAX_VALUE
        };
        return r.nextInt(4) == 0 ? edges[r.nextInt(edges.length)] : r.nextLong() >> r.nextInt(64);
    }

    private static float edgyFloat(Random r) {
        float[] edges = {
            -0.0f,
            0.0f,
            Float.NaN,
            Float.NEGATIVE_INFINITY,
            Float.POSITIVE_INFINITY,
            Float.MIN_VALUE,
            -Float.MIN_VALUE,
            Float.MAX_VALUE,
            -Float.MAX_VALUE
        };
        return r.nextInt(4) == 0
                ? edges[r.nextInt(edges.length)]
                : (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(20) - 10));
    }

    private static double edgyDouble(Random r) {
        double[] edges = {
            -0.0,
            0.0,
            Double.NaN,
            Double.NEGATIVE_INFINITY,
            Double.POSITIVE_INFINITY,
            Double.MIN_VALUE,
            -Double.MIN_VALUE,
            Double.MAX_VALUE,
            -Double.MAX_VALUE
        };
        return r.nextInt(4) == 0
                ? edges[r.nextInt(edges.length)]
                : (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(40) - 20);
    }

    private static Object decimal(Random r, int precision, int scale) {
        int digits = 1 + r.nextInt(precision);
        BigInteger unscaled = new BigInteger(digits * 4, r).mod(BigInteger.TEN.pow(digits));
        if (r.nextBoolean()) {
            unscaled = unscaled.negate();
        }
        if (r.nextInt(10) == 0) {
            unscaled =
                    BigInteger.TEN
                            .pow(precision)
                            .subtract(BigInteger.ONE)
                            .multiply(BigInteger.valueOf(r.nextBoolean() ? 1 : -1));
        }
        return DecimalData.fromBigDecimal(new BigDecimal(unscaled, scale), precision, scale);
    }

    private static TimestampData timestamp(Random r, boolean nanos) {
        long millis = r.nextInt(5) == 0 ? r.nextInt(3) - 1 : (r.nextLong() % 100_000_000_000_000L);
        return TimestampData.fromEpochMillis(millis, nanos ? r.nextInt(1_000_000) : 0);
    }

    private static final List<Kind> KINDS =
            List.of(
                    new Kind(DataTypes.BOOLEAN().getLogicalType(), Random::nextBoolean, natural()),
                    new Kind(
                            DataTypes.TINYINT().getLogicalType(),
                            r -> (byte) r.nextInt(256),
                            natural()),
                    new Kind(
                            DataTypes.SMALLINT().getLogicalType(),
                            r -> (short) r.nextInt(65536),
                            natural()),
                    new Kind(DataTypes.INT().getLogicalType(), r -> (int) edgyLong(r), natural()),
                    new Kind(
                            DataTypes.BIGINT().getLogicalType(),
                            RowFieldsCodecTest::edgyLong,
                            natural()),
                    new Kind(
                            DataTypes.FLOAT().getLogicalType(),
                            RowFieldsCodecTest::edgyFloat,
                            (a, b) -> Float.compare((Float) a, (Float) b)),
                    new Kind(
                            DataTypes.DOUBLE().getLogicalType(),
                            RowFieldsCodecTest::edgyDouble,
                            (a, b) -> Double.compare((Double) a, (Double) b)),
                    new Kind(
                            DataTypes.DECIMAL(10, 2).getLogicalType(),
                            r -> decimal(r, 10, 2),
                            natural()),
                    new Kind(
                            DataTypes.DECIMAL(18, 0).getLogicalType(),
                            r -> decimal(r, 18, 0),
                            natural()),
                    new Kind(
                            DataTypes.DECIMAL(38, 6).getLogicalType(),
                            r -> decimal(r, 38, 6),
                            natural()),
                    new Kind(
                            DataTypes.STRING().getLogicalType(),
                            r -> StringData.fromString(randomString(r)),
                            UTF8_BYTES),
                    new Kind(
                            DataTypes.CHAR(3).getLogicalType(),
                            r -> StringData.fromString(randomString(r)),
                            UTF8_BYTES),
                    new Kind(
                            DataTypes.BYTES().getLogicalType(),
                            RowFieldsCodecTest::randomBytes,
                            UNSIGNED_BYTES),
                    new Kind(
                            DataTypes.BINARY(4).getLogicalType(),
                            RowFieldsCodecTest::randomBytes,
                            UNSIGNED_BYTES),
                    new Kind(
                            DataTypes.DATE().getLogicalType(),
                            r -> r.nextInt(2_000_000) - 1_000_000,
                            natural()),
                    new Kind(
                            DataTypes.TIME(3).getLogicalType(),
                            r -> r.nextInt(86_400_000),
                            natural()),
                    new Kind(
                            DataTypes.TIMESTAMP(3).getLogicalType(),
                            r -> timestamp(r, false),
                            natural()),
                    new Kind(
                            DataTypes.TIMESTAMP(9).getLogicalType(),
                            r -> timestamp(r, true),
                            natural()),
                    new Kind(
                            DataTypes.TIMESTAMP_LTZ(6).getLogicalType(),
                            r -> timestamp(r, true),
                            natural()),
                    new Kind(
                            DataTypes.INTERVAL(DataTypes.MONTH()).getLogicalType(),
                            r -> r.nextInt(),
                            natural()),
                    new Kind(
                            DataTypes.INTERVAL(DataTypes.SECOND(3)).getLogicalType(),
                            RowFieldsCodecTest::edgyLong,
                            natural()));

    /** The SQL order of rows over {@code kinds}: column by column, nulls first. */
    private static Comparator<RowData> sqlOrder(List<Kind> kinds) {
        return (a, b) -> {
            GenericRowData x = (GenericRowData) a;
            GenericRowData y = (GenericRowData) b;
            for (int i = 0; i < kinds.size(); i++) {
                Object u = x.getField(i);
                Object v = y.getField(i);
                int c =
                        u == null
                                ? (v == null ? 0 : -1)
                                : v == null ? 1 : kinds.get(i).order().compare(u, v);
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        };
    }

    private static RowType rowType(List<Kind> kinds) {
        return RowType.of(kinds.stream().map(Kind::type).toArray(LogicalType[]::new));
    }

    private static List<RowData> randomRows(Random r, List<Kind> kinds, int n) {
        List<RowData> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            GenericRowData row = new GenericRowData(kinds.size());
            for (int c = 0; c < kinds.size(); c++) {
                row.setField(c, r.nextInt(10) == 0 ? null : kinds.get(c).generator().apply(r));
            }
            rows.add(row);
        }
        return rows;
    }

    /**
     * Checks byte order against SQL order on sorted neighbours and random pairs, and round trips.
     */
    private static void checkOrderAndRoundTrip(Random r, List<Kind> kinds, int n) {
        RowType type = rowType(kinds);
        int[] all = IntStream.range(0, kinds.size()).toArray();
        RowFieldsCodec ordered = RowFieldsCodec.ordered(type, all);
        RowFieldsCodec compact = RowFieldsCodec.compact(type, all);
        Comparator<RowData> sql = sqlOrder(kinds);
        List<RowData> rows = randomRows(r, kinds, n);
        for (RowData row : rows) {
            assertThat(sql.compare(ordered.decode(ordered.encode(row)), row))
                    .as("ordered round trip of %s", row)
                    .isZero();
            assertThat(sql.compare(compact.decode(compact.encode(row)), row))
                    .as("compact round trip of %s", row)
                    .isZero();
        }
        List<RowData> bySql = new ArrayList<>(rows);
        bySql.sort(sql);
        for (int i = 1; i < bySql.size(); i++) {
            checkPair(ordered, sql, bySql.get(i - 1), bySql.get(i), type);
        }
        for (int i = 0; i < n; i++) {
            checkPair(ordered, sql, rows.get(r.nextInt(n)), rows.get(r.nextInt(n)), type);
        }
    }

    private static void checkPair(
            RowFieldsCodec codec, Comparator<RowData> sql, RowData a, RowData b, RowType type) {
        int expected = Integer.signum(sql.compare(a, b));
        int actual = Integer.signum(Arrays.compareUnsigned(codec.encode(a), codec.encode(b)));
        assertThat(actual)
                .as("byte order of %s and %s (types %s, seed %s)", a, b, type, seed)
                .isEqualTo(expected);
    }

    @Test
    void eachTypeAloneOrdersLikeSql() {
        Random r = new Random(seed);
        for (Kind kind : KINDS) {
            checkOrderAndRoundTrip(r, List.of(kind), 600);
        }
    }

    @Test
    void compositeKeysOrderLikeSql() {
        Random r = new Random(seed + 1);
        for (int round = 0; round < 60; round++) {
            List<Kind> kinds = new ArrayList<>();
            int width = 2 + r.nextInt(3);
            for (int i = 0; i < width; i++) {
                kinds.add(KINDS.get(r.nextInt(KINDS.size())));
            }
            checkOrderAndRoundTrip(r, kinds, 300);
        }
    }

    @Test
    void prefixesAndEmbeddedZerosOrderFirst() {
        List<Kind> kinds = List.of(KINDS.get(10), KINDS.get(3));
        RowFieldsCodec codec = RowFieldsCodec.ordered(rowType(kinds), new int[] {0, 1});
        String[] sorted = {
            "",
            "\0",
            "\0\0",
            "\0\u0001",
            "a",
            "a\0",
            "a\0b",
            "a\u0001",
            "ab",
            "b",
            "\uffff",
            "\uD83D\uDE00"
        };
        for (int i = 1; i < sorted.length; i++) {
            // A shorter string sorts first even when the next column would say otherwise.
            byte[] lo =
                    codec.encode(
                            GenericRowData.of(
                                    StringData.fromString(sorted[i - 1]), Integer.MAX_VALUE));
            byte[] hi =
                    codec.encode(
                            GenericRowData.of(StringData.fromString(sorted[i]), Integer.MIN_VALUE));
            assertThat(Arrays.compareUnsigned(lo, hi))
                    .as("'%s' < '%s'", sorted[i - 1], sorted[i])
                    .isNegative();
        }
    }

    /** The stored format, pinned: changing it would make existing collections unreadable. */
    @Test
    void formatIsStable() {
        RowType type =
                RowType.of(
                        DataTypes.INT().getLogicalType(),
                        DataTypes.STRING().getLogicalType(),
                        DataTypes.DOUBLE().getLogicalType(),
                        DataTypes.DECIMAL(5, 2).getLogicalType());
        GenericRowData row =
                GenericRowData.of(
                        -1,
                        StringData.fromString("a\0"),
                        -2.0,
                        DecimalData.fromBigDecimal(new BigDecimal("1.25"), 5, 2));
        HexFormat hex = HexFormat.of();
        assertThat(hex.formatHex(RowFieldsCodec.ordered(type, new int[] {0, 1, 2, 3}).encode(row)))
                .isEqualTo(
                        "01"
                                + "7fffffff"
                                + "01"
                                + "6100ff0001"
                                + "01"
                                + "3fffffffffffffff"
                                + "01"
                                + "800000000000007d");
        assertThat(
                        hex.formatHex(
                                RowFieldsCodec.ordered(type, new int[] {1})
                                        .encode(GenericRowData.of(0, null, 0.0, null))))
                .isEqualTo("00");
        assertThat(
                        hex.formatHex(
                                RowFieldsCodec.compact(type, new int[] {0, 1, 2, 3})
                                        .encode(
                                                GenericRowData.of(
                                                        7,
                                                        StringData.fromString("xy"),
                                                        null,
                                                        null))))
                .isEqualTo("0c" + "80000007" + "02" + "7879");
        assertThat(RowFieldsCodec.compact(type, new int[0]).encode(row)).isEmpty();
        assertThat(RowFieldsCodec.ordered(type, new int[] {0, 1, 2, 3}).codecName())
                .isEqualTo("persist-row-ordered-v1(i32,str,f64,dec5.2)");
    }

    @Test
    void decodesIntoTheirPositionsOfAFullRow() {
        RowType type =
                RowType.of(
                        DataTypes.STRING().getLogicalType(),
                        DataTypes.BIGINT().getLogicalType(),
                        DataTypes.BOOLEAN().getLogicalType());
        RowLayout layout = RowLayout.of(type, new int[] {1}, Optional.empty());
        GenericRowData row = GenericRowData.of(StringData.fromString("v"), 42L, true);
        GenericRowData back =
                layout.decode(layout.keyCodec().encode(row), layout.valueCodec().encode(row));
        assertThat(back).isEqualTo(row);
        assertThat(layout.keyCodec().positions()).containsExactly(1);
        assertThat(layout.valueCodec().positions()).containsExactly(0, 2);
        RowLayout whole = RowLayout.of(type, new int[0], Optional.empty());
        assertThat(whole.keyCodec().positions()).containsExactly(0, 1, 2);
        assertThat(whole.valueCodec().encode(row)).isEmpty();
        assertThat(whole.decode(whole.keyCodec().encode(row), new byte[0])).isEqualTo(row);
    }

    @Test
    void malformedBytesFailNamingTheCodec() {
        RowType type =
                RowType.of(DataTypes.INT().getLogicalType(), DataTypes.STRING().getLogicalType());
        RowFieldsCodec codec = RowFieldsCodec.ordered(type, new int[] {0, 1});
        byte[] good = codec.encode(GenericRowData.of(5, StringData.fromString("x")));
        assertThatThrownBy(() -> codec.decode(Arrays.copyOf(good, good.length + 1)))
                .hasMessageStartingWith(
                        "Cannot decode a row with codec persist-row-ordered-v1(i32,str): trailing bytes");
        assertThatThrownBy(() -> codec.decode(Arrays.copyOf(good, 3)))
                .hasMessageContaining("needs 4 more bytes at offset 1");
        byte[] badMarker = good.clone();
        badMarker[0] = 7;
        assertThatThrownBy(() -> codec.decode(badMarker))
                .hasMessageContaining("invalid null marker 7 at offset 0");
        byte[] unterminated = Arrays.copyOf(good, good.length - 2);
        assertThatThrownBy(() -> codec.decode(unterminated))
                .hasMessageContaining("needs 1 more bytes");
    }

    @Test
    void unsupportedTypesFailNamingTheColumn() {
        RowType type =
                RowType.of(
                        new LogicalType[] {
                            DataTypes.INT().getLogicalType(),
                            DataTypes.ARRAY(DataTypes.INT()).getLogicalType()
                        },
                        new String[] {"id", "tags"});
        assertThatThrownBy(() -> RowLayout.of(type, new int[] {0}, Optional.empty()))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith(
                        "Cannot store column 'tags' of type ARRAY<INT> in a persist table: the supported types are BIGINT, BINARY, BOOLEAN");
    }
}
