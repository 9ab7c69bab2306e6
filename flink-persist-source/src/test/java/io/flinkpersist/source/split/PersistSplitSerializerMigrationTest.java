package io.flinkpersist.source.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.flinkpersist.Frontier;
import io.flinkpersist.read.BatchSlice;
import io.flinkpersist.read.ReadTimes;
import io.flinkpersist.state.BatchPart;
import io.flinkpersist.state.Description;
import io.flinkpersist.state.SeqNoRange;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.junit.jupiter.api.Test;

/**
 * {@link PersistSplitSerializer}: round trips of raw and consolidated splits (null and non-null key
 * bounds, trace and unsealed slices, open and closed frontiers), unknown versions and trailing
 * bytes, and the golden bytes of every released version under {@code src/test/resources/golden}
 * (regenerate only with {@code -Dgolden.regenerate=true}; a missing file fails).
 */
public class PersistSplitSerializerMigrationTest {

    public static final Path GOLDEN =
            Paths.get(System.getProperty("basedir", "."), "src/test/resources/golden");

    static final TraceBatchMeta TRACE_L0 =
            new TraceBatchMeta("trace/0001-a.parquet", Description.of(0, 12, 4), 0, 70_000, 1_234);

    /**
     * A trace batch whose interval and since reach the closed frontier (a collection closed for
     * good).
     */
    static final TraceBatchMeta TRACE_CLOSED =
            new TraceBatchMeta(
                    "trace/0002-b.parquet",
                    new Description(Frontier.at(12), Frontier.closed(), Frontier.closed()),
                    3,
                    9_000_000_000L,
                    Long.MAX_VALUE / 3);

    static final UnsealedBatchMeta UNSEALED =
            new UnsealedBatchMeta(
                    "unsealed/0007-c.parquet", new SeqNoRange(17, 19), 12, 40, 4_096, 100);

    /** Raw: a trace and an unsealed slice, no key bounds, times advanced by since. */
    public static final PersistSplit RAW =
            new PersistSplit(
                    "raw-42-0",
                    PersistSplit.Mode.RAW,
                    List.of(
                            BatchSlice.ofTrace(TRACE_L0, 0, 3, 50_000),
                            BatchSlice.ofUnsealed(UNSEALED, 1, 2, 1_000)),
                    new ReadTimes(Frontier.at(12), Frontier.closed(), 4),
                    null,
                    null,
                    0);

    /** Consolidated, both key bounds, read as of 9 (keepBefore 10), resumed after 77 updates. */
    public static final PersistSplit CONSOLIDATED =
            new PersistSplit(
                    "consolidated-42-1",
                    PersistSplit.Mode.CONSOLIDATED,
                    List.of(
                            BatchSlice.ofTrace(TRACE_L0, 2, 5, 30_000),
                            BatchSlice.ofTrace(TRACE_CLOSED, 0, Integer.MAX_VALUE, 9_000_000_000L),
                            BatchSlice.ofUnsealed(UNSEALED, 0, 1, 2_048)),
                    new ReadTimes(Frontier.at(12), Frontier.at(10), 9),
                    "key-0100".getBytes(StandardCharsets.UTF_8),
                    new byte[] {(byte) 0xff, 0, (byte) 0x80},
                    77);

    /**
     * Consolidated, first range (lower unbounded, empty-key upper), trace upper closed, no slices.
     */
    public static final PersistSplit CONSOLIDATED_OPEN =
            new PersistSplit(
                    "consolidated-42-0",
                    PersistSplit.Mode.CONSOLIDATED,
                    List.of(),
                    new ReadTimes(Frontier.closed(), Frontier.closed(), 0),
                    null,
                    new byte[0],
                    0);

    /**
     * Consolidated, last range (upper unbounded), a slice of an unsealed batch at the largest
     * times.
     */
    public static final PersistSplit CONSOLIDATED_LAST =
            new PersistSplit(
                    "consolidated-42-2-\u00e9",
                    PersistSplit.Mode.CONSOLIDATED,
                    List.of(
                            BatchSlice.ofUnsealed(
                                    new UnsealedBatchMeta(
                                            "unsealed/0009-d.parquet",
                                            new SeqNoRange(0, Long.MAX_VALUE),
                                            0,
                                            Long.MAX_VALUE - 1,
                                            1,
                                            1),
                                    0,
                                    0,
                                    0)),
                    new ReadTimes(Frontier.minimum(), Frontier.closed(), 0),
                    "key-0200".getBytes(StandardCharsets.UTF_8),
                    null,
                    Long.MAX_VALUE);

    /**
     * A continuous read's interval {@code [12, 15)}: raw, times kept from 12 (not in golden files
     * of v1).
     */
    public static final PersistSplit INTERVAL =
            new PersistSplit(
                    "interval-15-0",
                    PersistSplit.Mode.RAW,
                    List.of(BatchSlice.ofUnsealed(UNSEALED, 0, 3, 4_096)),
                    new ReadTimes(Frontier.at(12), 12, Frontier.at(15), 0),
                    null,
                    null,
                    3);

    /** A trace batch (one part) whose diffs sum to 1,200. */
    static final TraceBatchMeta TRACE_SUMMED =
            new TraceBatchMeta(
                    "trace/0003-e.parquet",
                    Description.of(0, 12, 4),
                    1,
                    80_000,
                    1_300,
                    List.of(BatchPart.whole("trace/0003-e.parquet", 80_000, 1_300, 1_200)));

    /**
     * A count split (version 3): 4,321 rows counted from metadata, a summed trace batch and an
     * unsealed batch to read.
     */
    public static final PersistSplit COUNT =
            new PersistSplit(
                    "count-42-0",
                    PersistSplit.Mode.COUNT,
                    List.of(
                            BatchSlice.ofTrace(TRACE_SUMMED, 0, Integer.MAX_VALUE, 80_000),
                            BatchSlice.ofUnsealed(UNSEALED, 0, Integer.MAX_VALUE, 4_096)),
                    new ReadTimes(Frontier.at(12), Frontier.at(30), 4),
                    null,
                    null,
                    0,
                    4_321);

    /** The splits of the released version 1, whose golden bytes are kept. */
    public static List<PersistSplit> fixtures() {
        return List.of(RAW, CONSOLIDATED, CONSOLIDATED_OPEN, CONSOLIDATED_LAST);
    }

    private final PersistSplitSerializer serializer = new PersistSplitSerializer();

    @Test
    void roundTrips() throws IOException {
        for (PersistSplit split :
                List.of(RAW, CONSOLIDATED, CONSOLIDATED_OPEN, CONSOLIDATED_LAST, INTERVAL, COUNT)) {
            PersistSplit back =
                    serializer.deserialize(
                            PersistSplitSerializer.VERSION, serializer.serialize(split));
            assertThat(back).as("%s", split).isEqualTo(split);
            assertThat(back.lowerKey()).isEqualTo(split.lowerKey());
            assertThat(back.upperKey()).isEqualTo(split.upperKey());
            assertThat(back.bytes()).isEqualTo(split.bytes());
        }
        // A resumed split keeps its progress through the serializer.
        PersistSplit resumed = RAW.resumedAfter(5);
        assertThat(
                        serializer
                                .deserialize(
                                        PersistSplitSerializer.VERSION,
                                        serializer.serialize(resumed))
                                .recordsToSkip())
                .isEqualTo(5);
    }

    @Test
    void nullAndEmptyKeyBoundsStayDistinct() throws IOException {
        PersistSplit back =
                serializer.deserialize(
                        PersistSplitSerializer.VERSION, serializer.serialize(CONSOLIDATED_OPEN));
        assertThat(back.lowerKey()).isNull();
        assertThat(back.upperKey()).isNotNull().isEmpty();
    }

    @Test
    void unknownVersionsFailNamingBoth() throws IOException {
        byte[] bytes = serializer.serialize(RAW);
        assertThat(serializer.getVersion()).isEqualTo(3);
        assertThatThrownBy(() -> serializer.deserialize(4, bytes))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "Cannot deserialize split: unknown serializer version 4 (this build reads versions 1 to 3)");
        assertThatThrownBy(() -> serializer.deserialize(0, bytes))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "Cannot deserialize split: unknown serializer version 0 (this build reads versions 1 to 3)");
    }

    @Test
    void trailingBytesFailNamingTheCount() throws IOException {
        byte[] bytes = serializer.serialize(CONSOLIDATED);
        assertThatThrownBy(
                        () ->
                                serializer.deserialize(
                                        PersistSplitSerializer.VERSION,
                                        Arrays.copyOf(bytes, bytes.length + 3)))
                .isInstanceOf(IOException.class)
                .hasMessage("Cannot deserialize split: 3 trailing bytes");
        assertThatThrownBy(
                        () ->
                                serializer.deserialize(
                                        PersistSplitSerializer.VERSION,
                                        Arrays.copyOf(bytes, bytes.length + 1)))
                .isInstanceOf(IOException.class)
                .hasMessage("Cannot deserialize split: 1 trailing bytes");
    }

    @Test
    void truncatedBytesFail() throws IOException {
        byte[] bytes = serializer.serialize(CONSOLIDATED);
        for (int n : new int[] {0, 1, 7, bytes.length / 2, bytes.length - 1}) {
            assertThatThrownBy(
                            () ->
                                    serializer.deserialize(
                                            PersistSplitSerializer.VERSION,
                                            Arrays.copyOf(bytes, n)))
                    .as("truncated to %d of %d bytes", n, bytes.length)
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void rawV1GoldenBytes() throws IOException {
        checkGolden("split-raw-v1.bin", 1, serializer, RAW);
    }

    @Test
    void consolidatedV1GoldenBytes() throws IOException {
        checkGolden("split-consolidated-v1.bin", 1, serializer, CONSOLIDATED);
    }

    @Test
    void consolidatedOpenRangesV1GoldenBytes() throws IOException {
        checkGolden("split-consolidated-open-v1.bin", 1, serializer, CONSOLIDATED_OPEN);
        checkGolden("split-consolidated-last-v1.bin", 1, serializer, CONSOLIDATED_LAST);
    }

    @Test
    void v2GoldenBytes() throws IOException {
        checkGolden("split-raw-v2.bin", 2, serializer, RAW);
        checkGolden("split-consolidated-v2.bin", 2, serializer, CONSOLIDATED);
        checkGolden("split-consolidated-open-v2.bin", 2, serializer, CONSOLIDATED_OPEN);
        checkGolden("split-consolidated-last-v2.bin", 2, serializer, CONSOLIDATED_LAST);
        checkGolden("split-interval-v2.bin", 2, serializer, INTERVAL);
    }

    @Test
    void v3GoldenBytesCarryCountsAndDiffSums() throws IOException {
        checkGolden("split-raw-v3.bin", 3, serializer, RAW);
        checkGolden("split-consolidated-v3.bin", 3, serializer, CONSOLIDATED);
        checkGolden("split-consolidated-open-v3.bin", 3, serializer, CONSOLIDATED_OPEN);
        checkGolden("split-consolidated-last-v3.bin", 3, serializer, CONSOLIDATED_LAST);
        checkGolden("split-interval-v3.bin", 3, serializer, INTERVAL);
        checkGolden("split-count-v3.bin", 3, serializer, COUNT);
        PersistSplit back =
                serializer.deserialize(3, Files.readAllBytes(GOLDEN.resolve("split-count-v3.bin")));
        assertThat(back.counted()).isEqualTo(4_321);
        assertThat(back.slices().get(0).trace().diffSum()).isEqualTo(1_200);
    }

    /**
     * Reads {@code name} as {@code version} and compares it with {@code value}; while that version
     * is the current one, also checks it is still written byte for byte the same. Writes the file
     * of the current version first only with {@code -Dgolden.regenerate=true}; a released version's
     * file is never rewritten.
     */
    public static <T> void checkGolden(
            String name, int version, SimpleVersionedSerializer<T> serializer, T value)
            throws IOException {
        check(name, version, serializer, value, serializer.getVersion() == version);
    }

    /**
     * Reads {@code name} as {@code version} and compares it with {@code value}, never writing it:
     * for bytes of the current version that an earlier build wrote differently (a nested format
     * that has moved on since).
     */
    public static <T> void checkReadable(
            String name, int version, SimpleVersionedSerializer<T> serializer, T value)
            throws IOException {
        check(name, version, serializer, value, false);
    }

    private static <T> void check(
            String name,
            int version,
            SimpleVersionedSerializer<T> serializer,
            T value,
            boolean current)
            throws IOException {
        Path file = GOLDEN.resolve(name);
        if (current && Boolean.getBoolean("golden.regenerate")) {
            Files.createDirectories(GOLDEN);
            Files.write(file, serializer.serialize(value));
        }
        if (!Files.exists(file)) {
            fail(
                    "Golden file %s is missing: restore it, or create it once with -Dgolden.regenerate=true",
                    file);
        }
        byte[] golden = Files.readAllBytes(file);
        // What a job of the released version wrote must still be read...
        assertThat(serializer.deserialize(version, golden))
                .as("%s read as version %d", name, version)
                .isEqualTo(value);
        // ...and the current version must still be written the same way.
        if (current) {
            assertThat(serializer.serialize(value))
                    .as("%s written as version %d", name, version)
                    .isEqualTo(golden);
        }
    }
}
