package io.flinkpersist.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import io.flinkpersist.CollectionSchema;
import io.flinkpersist.DiffSums;
import io.flinkpersist.Frontier;
import io.flinkpersist.blob.CorruptBlobException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The state record format: round trips, keys, and that every kind of damage is a {@link
 * CorruptBlobException} naming the record. The golden files pin format version 6 and keep the older
 * versions readable.
 */
class StateRecordCodecTest {

    /**
     * Regenerate the golden file with {@code -Dgolden.regenerate=true}; never done by a normal run.
     */
    private static final String REGENERATE = "golden.regenerate";

    /** Format version 1, written by an earlier build: read by the migration test. */
    private static final Path GOLDEN =
            Paths.get(
                    System.getProperty("basedir", "."),
                    "src/test/resources/golden/state-record-v1.bin");

    /** Format version 2, written by an earlier build: read by the migration test. */
    private static final Path GOLDEN_V2 =
            Paths.get(
                    System.getProperty("basedir", "."),
                    "src/test/resources/golden/state-record-v2.bin");

    /** Format version 3, written by an earlier build: read by the migration test. */
    private static final Path GOLDEN_V3 =
            Paths.get(
                    System.getProperty("basedir", "."),
                    "src/test/resources/golden/state-record-v3.bin");

    /** Format version 4, written by an earlier build: read by the migration test. */
    private static final Path GOLDEN_V4 =
            Paths.get(
                    System.getProperty("basedir", "."),
                    "src/test/resources/golden/state-record-v4.bin");

    /** Format version 5, written by an earlier build: read by the migration test. */
    private static final Path GOLDEN_V5 =
            Paths.get(
                    System.getProperty("basedir", "."),
                    "src/test/resources/golden/state-record-v5.bin");

    /** Format version 6, the current one: pinned by the encoding test. */
    private static final Path GOLDEN_V6 =
            Paths.get(
                    System.getProperty("basedir", "."),
                    "src/test/resources/golden/state-record-v6.bin");

    /** Open seal, several batches of each kind, writers and retired blobs. */
    private static CollectionState rich() {
        return CollectionState.builder()
                .seqNo(42)
                .seal(Frontier.at(1_000))
                .since(Frontier.at(300))
                .nextSeqNo(17)
                .unsealed(
                        List.of(
                                new UnsealedBatchMeta(
                                        "batches/u-1.parquet",
                                        new SeqNoRange(10, 11),
                                        200,
                                        1_200,
                                        4_096,
                                        33),
                                new UnsealedBatchMeta(
                                        "batches/u-2.parquet",
                                        new SeqNoRange(12, 15),
                                        900,
                                        900,
                                        512,
                                        1),
                                new UnsealedBatchMeta(
                                        "batches/ü-3.parquet",
                                        new SeqNoRange(15, 17),
                                        1_000,
                                        Frontier.MAX_TIME - 1,
                                        7,
                                        2)))
                .trace(
                        List.of(
                                new TraceBatchMeta(
                                        "batches/t-1.parquet",
                                        Description.of(0, 300, 300),
                                        3,
                                        1 << 20,
                                        10_000),
                                new TraceBatchMeta(
                                        "batches/t-2.parquet",
                                        Description.of(300, 600, 250),
                                        1,
                                        9_999,
                                        0),
                                new TraceBatchMeta(
                                        "batches/t-3.parquet",
                                        Description.of(600, 1_000, 0),
                                        0,
                                        123,
                                        4)))
                .writers(Map.of("sink-0", 5L, "sink-1", Long.MAX_VALUE, "", 0L))
                .retired(
                        List.of(
                                new RetiredBlob("batches/r-1.parquet", 40),
                                new RetiredBlob("batches/r-2.parquet", 42)))
                .build()
                .validate();
    }

    /** Closed seal, a trace batch up to the closed frontier, since beyond its lower. */
    private static CollectionState closed() {
        return CollectionState.builder()
                .seqNo(3)
                .seal(Frontier.closed())
                .since(Frontier.at(50))
                .nextSeqNo(1)
                .unsealed(List.of(new UnsealedBatchMeta("u", new SeqNoRange(0, 1), 70, 80, 1, 1)))
                .trace(
                        List.of(
                                new TraceBatchMeta("t-1", Description.of(0, 40, 40), 1, 10, 1),
                                new TraceBatchMeta(
                                        "t-2",
                                        new Description(
                                                Frontier.at(40),
                                                Frontier.closed(),
                                                Frontier.at(50)),
                                        0,
                                        10,
                                        1)))
                .build()
                .validate();
    }

    private static CollectionState decode(CollectionState s) throws CorruptBlobException {
        return StateRecordCodec.decode(
                CollectionLayout.stateKey(s.seqNo()), StateRecordCodec.encode(s));
    }

    /** Replaces the trailing CRC32C with the checksum of everything before it. */
    private static byte[] withValidCrc(byte[] record) {
        CRC32C crc = new CRC32C();
        crc.update(record, 0, record.length - 4);
        ByteBuffer.wrap(record).putInt(record.length - 4, (int) crc.getValue());
        return record;
    }

    private static void assertCorrupt(String key, byte[] data, String reason) {
        assertThatThrownBy(() -> StateRecordCodec.decode(key, data))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessage("Cannot decode blob " + key + ": " + reason);
    }

    // ---- round trips ----

    @Test
    void richStateRoundTrips() throws Exception {
        CollectionState s = rich();
        CollectionState decoded = decode(s);
        assertThat(decoded).isEqualTo(s);
        assertThat(decoded.unsealed()).isEqualTo(s.unsealed());
        assertThat(decoded.trace()).isEqualTo(s.trace());
        assertThat(decoded.writers()).isEqualTo(s.writers());
        assertThat(decoded.retired()).isEqualTo(s.retired());
    }

    @Test
    void closedSealRoundTrips() throws Exception {
        CollectionState decoded = decode(closed());
        assertThat(decoded).isEqualTo(closed());
        assertThat(decoded.seal().isClosed()).isTrue();
        assertThat(decoded.traceUpper().isClosed()).isTrue();
    }

    @Test
    void initialStateRoundTrips() throws Exception {
        assertThat(decode(CollectionState.initial())).isEqualTo(CollectionState.initial());
    }

    // ---- keys ----

    @Test
    void keyIsTwentyDigitsAndSeqNoOfInvertsIt() {
        assertThat(CollectionLayout.stateKey(0)).isEqualTo("state/00000000000000000000");
        assertThat(CollectionLayout.stateKey(42)).isEqualTo("state/00000000000000000042");
        for (long n : new long[] {0, 1, 9, 10, 42, 1_000_000_007L, Long.MAX_VALUE}) {
            String key = CollectionLayout.stateKey(n);
            assertThat(key).matches("state/[0-9]{20}");
            assertThat(CollectionLayout.seqNoOf(key)).hasValue(n);
        }
        assertThat(CollectionLayout.stateKey(9).compareTo(CollectionLayout.stateKey(10)))
                .isNegative();
    }

    @Test
    void seqNoOfRejectsNonStateKeys() {
        assertThat(CollectionLayout.seqNoOf("batches/00000000000000000001")).isEmpty();
        assertThat(CollectionLayout.seqNoOf("state/1")).isEmpty();
        assertThat(CollectionLayout.seqNoOf("state/000000000000000000001")).isEmpty();
        assertThat(CollectionLayout.seqNoOf("state/0000000000000000000x")).isEmpty();
        assertThat(CollectionLayout.seqNoOf("state/99999999999999999999")).isEmpty();
        assertThat(CollectionLayout.seqNoOf("state/")).isEmpty();
        assertThat(CollectionLayout.seqNoOf("")).isEmpty();
    }

    /**
     * A key with a sign is not a state key ({@code stateKey(n)} never writes one), although {@code
     * Long.parseLong} accepts a leading '-' or '+'.
     */
    @Test
    void seqNoOfRejectsMinusSign() {
        assertThat(CollectionLayout.seqNoOf("state/-0000000000000000005")).isEmpty();
    }

    /**
     * A stray blob with this name must not make {@code StateLog.readLatest()} look for version 99,
     * which does not exist.
     */
    @Test
    void seqNoOfRejectsPlusSign() {
        assertThat(CollectionLayout.seqNoOf("state/+0000000000000000099")).isEmpty();
    }

    // ---- damage ----

    @Test
    void everyTruncatedPrefixIsCorrupt() {
        CollectionState s = rich();
        String key = CollectionLayout.stateKey(s.seqNo());
        byte[] record = StateRecordCodec.encode(s);
        for (int len = 0; len < record.length; len++) {
            byte[] prefix = Arrays.copyOf(record, len);
            Throwable t = catchThrowable(() -> StateRecordCodec.decode(key, prefix));
            assertThat(t)
                    .as("prefix of length %d of %d", len, record.length)
                    .isExactlyInstanceOf(CorruptBlobException.class)
                    .hasMessageStartingWith("Cannot decode blob " + key + ": ");
        }
    }

    @Test
    void everySingleByteFlipIsCorrupt() {
        CollectionState s = rich();
        String key = CollectionLayout.stateKey(s.seqNo());
        byte[] record = StateRecordCodec.encode(s);
        for (int i = 0; i < record.length; i++) {
            for (int mask : new int[] {0x01, 0x80, 0xFF}) {
                byte[] damaged = record.clone();
                damaged[i] ^= (byte) mask;
                Throwable t = catchThrowable(() -> StateRecordCodec.decode(key, damaged));
                assertThat(t)
                        .as("byte %d of %d xor %02x", i, record.length, mask)
                        .isExactlyInstanceOf(CorruptBlobException.class)
                        .hasMessageStartingWith(
                                "Cannot decode blob " + key + ": state record checksum mismatch");
            }
        }
    }

    @Test
    void unknownVersionWithValidChecksumNamesBothVersions() {
        CollectionState s = rich();
        String key = CollectionLayout.stateKey(s.seqNo());
        byte[] record = StateRecordCodec.encode(s);
        assertThat(ByteBuffer.wrap(record).getShort(4)).isEqualTo(StateRecordCodec.CURRENT_VERSION);
        ByteBuffer.wrap(record).putShort(4, (short) 7);
        assertCorrupt(
                key,
                withValidCrc(record),
                "unsupported state record version 7 (this build reads versions 1 to 6; a newer flink-persist may read it)");
        ByteBuffer.wrap(record).putShort(4, (short) 0);
        assertCorrupt(
                key,
                withValidCrc(record),
                "unsupported state record version 0 (this build reads versions 1 to 6; a newer flink-persist may read it)");
    }

    @Test
    void wrongMagicWithValidChecksumIsCorrupt() {
        CollectionState s = rich();
        String key = CollectionLayout.stateKey(s.seqNo());
        byte[] record = StateRecordCodec.encode(s);
        ByteBuffer.wrap(record).putInt(0, 0x12345678);
        assertCorrupt(key, withValidCrc(record), "not a state record (magic=12345678)");
    }

    @Test
    void trailingBytesWithValidChecksumAreCorrupt() {
        CollectionState s = rich();
        String key = CollectionLayout.stateKey(s.seqNo());
        byte[] record = StateRecordCodec.encode(s);
        byte[] longer = new byte[record.length + 3];
        System.arraycopy(record, 0, longer, 0, record.length - 4);
        assertCorrupt(
                key, withValidCrc(longer), "state record has 3 trailing bytes after its body");
    }

    @Test
    void recordUnderTheWrongKeyIsCorrupt() {
        byte[] record = StateRecordCodec.encode(rich());
        String key = CollectionLayout.stateKey(43);
        assertCorrupt(key, record, "state record holds seqNo 42 but is stored as version 43");
    }

    @Test
    void recordUnderANonStateKeySkipsTheSeqNoCheck() throws Exception {
        assertThat(StateRecordCodec.decode("some/copy", StateRecordCodec.encode(rich())))
                .isEqualTo(rich());
    }

    @Test
    void bodyBreakingAnInvariantIsCorrupt() {
        CollectionState invalid =
                rich().toBuilder()
                        .trace(
                                List.of(
                                        new TraceBatchMeta(
                                                "t", Description.of(0, 2_000, 0), 0, 1, 1)))
                        .build();
        String key = CollectionLayout.stateKey(invalid.seqNo());
        byte[] record = StateRecordCodec.encode(invalid);
        assertThatThrownBy(() -> StateRecordCodec.decode(key, record))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessage(
                        "Cannot decode blob "
                                + key
                                + ": I1 violated: trace upper must not pass the seal (traceUpper={2000}, seal={1000})")
                .hasCauseInstanceOf(InvariantViolationException.class);
    }

    @Test
    void malformedFrontierWithValidChecksumIsCorrupt() {
        CollectionState s = rich();
        String key = CollectionLayout.stateKey(s.seqNo());
        byte[] record = StateRecordCodec.encode(s);
        ByteBuffer.wrap(record).putLong(6 + 8, -7); // seal
        assertThatThrownBy(() -> StateRecordCodec.decode(key, withValidCrc(record)))
                .isInstanceOf(CorruptBlobException.class)
                .hasMessageStartingWith(
                        "Cannot decode blob "
                                + key
                                + ": state record body is malformed: Invalid time -7");
    }

    @Test
    void implausibleCountWithValidChecksumIsCorrupt() {
        CollectionState s = CollectionState.initial();
        String key = CollectionLayout.stateKey(0);
        byte[] record = StateRecordCodec.encode(s);
        ByteBuffer.wrap(record).putInt(6 + 4 * 8, -1); // number of unsealed batches
        assertCorrupt(
                key,
                withValidCrc(record),
                "state record body is malformed: implausible element count -1");
    }

    // ---- golden bytes (format version 1) ----

    /**
     * The fixed state of the golden file. Never change it: add a new golden file for a new version.
     */
    private static CollectionState golden() {
        return CollectionState.builder()
                .seqNo(7)
                .seal(Frontier.at(100))
                .since(Frontier.at(20))
                .nextSeqNo(3)
                .unsealed(
                        List.of(
                                new UnsealedBatchMeta(
                                        "batches/u-a.parquet",
                                        new SeqNoRange(1, 2),
                                        40,
                                        120,
                                        2_048,
                                        12),
                                new UnsealedBatchMeta(
                                        "batches/u-b.parquet",
                                        new SeqNoRange(2, 3),
                                        100,
                                        100,
                                        512,
                                        1)))
                .trace(
                        List.of(
                                new TraceBatchMeta(
                                        "batches/t-a.parquet",
                                        Description.of(0, 50, 20),
                                        1,
                                        8_192,
                                        64),
                                new TraceBatchMeta(
                                        "batches/t-b.parquet",
                                        Description.of(50, 80, 0),
                                        0,
                                        1_024,
                                        8)))
                .writers(Map.of("sink-0", 11L, "sink-1", 12L))
                .retired(List.of(new RetiredBlob("batches/r-a.parquet", 6)))
                .build();
    }

    /** The fixed state of the version-2 golden file: the version-1 state plus leases. */
    private static CollectionState goldenV2() {
        return golden().toBuilder()
                .requestedSince(Frontier.at(30))
                .leases(
                        Map.of(
                                "reader-a",
                                        new ReaderLease(
                                                "reader-a", Frontier.at(20), 6, 1_700_000_000_000L),
                                "reader-b",
                                        new ReaderLease(
                                                "reader-b",
                                                Frontier.at(25),
                                                7,
                                                1_700_000_060_000L)))
                .build();
    }

    /** The fixed state of the version-3 golden file: the version-2 state plus a schema. */
    private static CollectionState goldenV3() {
        return goldenV2().toBuilder()
                .schema(
                        Optional.of(
                                new CollectionSchema(
                                        "string-utf8", "persist-row-compact-v1(näme STRING)")))
                .build();
    }

    /**
     * The fixed state of the version-4 golden file: the version-3 state with a trace batch of three
     * parts and a pending merge request that drains.
     */
    private static CollectionState goldenV4() {
        CollectionState v3 = goldenV3();
        TraceBatchMeta parted =
                TraceBatchMeta.ofParts(
                        Description.of(50, 80, 0),
                        0,
                        List.of(
                                BatchPart.whole("batches/t-b.parquet", 400, 3),
                                new BatchPart(
                                        "batches/t-b1.parquet", new byte[] {0x10, 0x20}, 300, 3),
                                new BatchPart("batches/t-b2.parquet", new byte[] {0x40}, 324, 2)));
        return v3.toBuilder()
                .trace(List.of(v3.trace().get(0), parted))
                .requests(
                        List.of(
                                new MergeRequest(
                                        "6f1c2a9e-0d4b-4c39-9a0e-53b7c1d2e8f4",
                                        List.of("batches/t-b.parquet"),
                                        Frontier.at(20),
                                        Optional.of(
                                                new Transition.Drained(
                                                        Frontier.at(80), Frontier.at(100))),
                                        List.of("batches/u-a.parquet", "batches/u-b.parquet"),
                                        List.of(new byte[] {0x30}, new byte[] {0x50, 0x01}),
                                        5L)))
                .partsRequested(7)
                .build();
    }

    /**
     * The fixed state of the version-5 golden file: the version-4 state with diff sums on the
     * parted batch's parts (one of them unknown) and on the other batch.
     */
    private static CollectionState goldenV5() {
        CollectionState v4 = goldenV4();
        TraceBatchMeta first = v4.trace().get(0);
        TraceBatchMeta parted = v4.trace().get(1);
        List<Long> sums = List.of(3L, DiffSums.UNKNOWN, -2L);
        List<BatchPart> parts = new ArrayList<>();
        for (int i = 0; i < parted.parts().size(); i++) {
            parts.add(parted.parts().get(i).withDiffSum(sums.get(i)));
        }
        return v4.toBuilder()
                .trace(
                        List.of(
                                new TraceBatchMeta(
                                        first.key(),
                                        first.desc(),
                                        first.level(),
                                        first.sizeBytes(),
                                        first.updateCount(),
                                        List.of(first.parts().get(0).withDiffSum(41))),
                                TraceBatchMeta.ofParts(parted.desc(), parted.level(), parts)))
                .build();
    }

    /**
     * The fixed state of the version-6 golden file: the version-5 state with a level-0 batch of
     * three sorted runs (an adopted unsealed batch, a written run of two parts, another adopted
     * batch) after the parted one.
     */
    private static CollectionState goldenV6() {
        CollectionState v5 = goldenV5();
        TraceBatchMeta runs =
                TraceBatchMeta.ofParts(
                        Description.of(80, 90, 0),
                        0,
                        List.of(
                                BatchPart.whole("batches/u-x.parquet", 210, 4, 4),
                                BatchPart.whole("batches/t-c.parquet", 300, 5, 1).inRun(1),
                                new BatchPart(
                                        "batches/t-c1.parquet", new byte[] {0x33}, 310, 6, -6, 1),
                                BatchPart.whole("batches/u-y.parquet", 190, 3, 3).inRun(2)));
        List<TraceBatchMeta> trace = new ArrayList<>(v5.trace());
        trace.add(runs);
        return v5.toBuilder().seal(Frontier.at(100)).trace(trace).build();
    }

    @Test
    void encodingMatchesGoldenBytes() throws IOException {
        byte[] encoded = StateRecordCodec.encode(goldenV6());
        if (Boolean.getBoolean(REGENERATE)) {
            Files.createDirectories(GOLDEN_V6.getParent());
            Files.write(GOLDEN_V6, encoded);
        }
        if (!Files.exists(GOLDEN_V6)) {
            fail(
                    "Golden file %s is missing. It pins state record format version 6; restore it from version"
                            + " control, or create it once with -D%s=true",
                    GOLDEN_V6.toAbsolutePath(), REGENERATE);
        }
        assertThat(encoded)
                .as(
                        "encoding of the golden state; a format change needs a new version and golden file")
                .isEqualTo(Files.readAllBytes(GOLDEN_V6));
        CollectionState decoded =
                StateRecordCodec.decode(
                        CollectionLayout.stateKey(7), Files.readAllBytes(GOLDEN_V6));
        assertThat(decoded).isEqualTo(goldenV6());
        TraceBatchMeta runs = decoded.trace().get(2);
        assertThat(runs.runCount()).isEqualTo(3);
        assertThat(runs.runs())
                .extracting(TraceBatchMeta::partKeys)
                .containsExactly(
                        List.of("batches/u-x.parquet"),
                        List.of("batches/t-c.parquet", "batches/t-c1.parquet"),
                        List.of("batches/u-y.parquet"));
        assertThat(runs.partUpper(1)).containsExactly(0x33);
        assertThat(runs.partUpper(2)).isNull();
        assertThat(decoded.runs()).hasSize(5);
        assertThat(ByteBuffer.wrap(encoded).getShort(4)).isEqualTo((short) 6);
    }

    @Test
    void version5GoldenBytesDecodeWithOneRunPerBatch() throws IOException {
        if (!Files.exists(GOLDEN_V5)) {
            fail(
                    "Golden file %s is missing; restore it from version control",
                    GOLDEN_V5.toAbsolutePath());
        }
        byte[] bytes = Files.readAllBytes(GOLDEN_V5);
        assertThat(ByteBuffer.wrap(bytes).getShort(4)).isEqualTo((short) 5);
        CollectionState decoded = StateRecordCodec.decode(CollectionLayout.stateKey(7), bytes);
        assertThat(decoded).isEqualTo(goldenV5());
        assertThat(decoded.trace().get(0).diffSum()).isEqualTo(41);
        assertThat(decoded.trace().get(1).parts())
                .extracting(BatchPart::diffSum)
                .containsExactly(3L, DiffSums.UNKNOWN, -2L);
        assertThat(decoded.trace()).allSatisfy(b -> assertThat(b.runCount()).isEqualTo(1));
    }

    @Test
    void version4GoldenBytesDecodeWithUnknownDiffSums() throws IOException {
        if (!Files.exists(GOLDEN_V4)) {
            fail(
                    "Golden file %s is missing; restore it from version control",
                    GOLDEN_V4.toAbsolutePath());
        }
        byte[] bytes = Files.readAllBytes(GOLDEN_V4);
        assertThat(ByteBuffer.wrap(bytes).getShort(4)).isEqualTo((short) 4);
        CollectionState decoded = StateRecordCodec.decode(CollectionLayout.stateKey(7), bytes);
        assertThat(decoded).isEqualTo(goldenV4());
        assertThat(decoded.trace().get(1).parts()).hasSize(3);
        assertThat(decoded.trace().get(1).parts().get(1).lower()).containsExactly(0x10, 0x20);
        assertThat(decoded.requests()).hasSize(1);
        assertThat(decoded.requests().get(0).partKey(2))
                .isEqualTo("batches/m-6f1c2a9e-0d4b-4c39-9a0e-53b7c1d2e8f4-2.parquet");
        assertThat(decoded.trace())
                .allSatisfy(b -> assertThat(b.diffSum()).isEqualTo(DiffSums.UNKNOWN));
    }

    @Test
    void version3GoldenBytesDecodeWithSingleFileBatchesAndNoRequests() throws IOException {
        if (!Files.exists(GOLDEN_V3)) {
            fail(
                    "Golden file %s is missing; restore it from version control",
                    GOLDEN_V3.toAbsolutePath());
        }
        byte[] bytes = Files.readAllBytes(GOLDEN_V3);
        assertThat(ByteBuffer.wrap(bytes).getShort(4)).isEqualTo((short) 3);
        CollectionState decoded = StateRecordCodec.decode(CollectionLayout.stateKey(7), bytes);
        assertThat(decoded).isEqualTo(goldenV3());
        assertThat(decoded.schema()).isPresent();
        assertThat(decoded.trace()).allSatisfy(b -> assertThat(b.parts()).hasSize(1));
        assertThat(decoded.requests()).isEmpty();
    }

    @Test
    void version2GoldenBytesDecodeWithoutASchema() throws IOException {
        if (!Files.exists(GOLDEN_V2)) {
            fail(
                    "Golden file %s is missing; restore it from version control",
                    GOLDEN_V2.toAbsolutePath());
        }
        byte[] bytes = Files.readAllBytes(GOLDEN_V2);
        assertThat(ByteBuffer.wrap(bytes).getShort(4)).isEqualTo((short) 2);
        CollectionState decoded = StateRecordCodec.decode(CollectionLayout.stateKey(7), bytes);
        assertThat(decoded).isEqualTo(goldenV2());
        assertThat(decoded.schema()).isEmpty();
    }

    @Test
    void goldenBytesDecode() throws IOException {
        if (!Files.exists(GOLDEN)) {
            fail(
                    "Golden file %s is missing; see encodingMatchesGoldenBytes",
                    GOLDEN.toAbsolutePath());
        }
        byte[] bytes = Files.readAllBytes(GOLDEN);
        CollectionState s = StateRecordCodec.decode(CollectionLayout.stateKey(7), bytes);

        assertThat(ByteBuffer.wrap(bytes).getShort(4)).isEqualTo((short) 1);
        assertThat(s.seqNo()).isEqualTo(7);
        assertThat(s.seal()).isEqualTo(Frontier.at(100));
        assertThat(s.since()).isEqualTo(Frontier.at(20));
        assertThat(s.nextSeqNo()).isEqualTo(3);
        assertThat(s.unsealed())
                .containsExactly(
                        new UnsealedBatchMeta(
                                "batches/u-a.parquet", new SeqNoRange(1, 2), 40, 120, 2_048, 12),
                        new UnsealedBatchMeta(
                                "batches/u-b.parquet", new SeqNoRange(2, 3), 100, 100, 512, 1));
        assertThat(s.trace())
                .containsExactly(
                        new TraceBatchMeta(
                                "batches/t-a.parquet", Description.of(0, 50, 20), 1, 8_192, 64),
                        new TraceBatchMeta(
                                "batches/t-b.parquet", Description.of(50, 80, 0), 0, 1_024, 8));
        assertThat(s.traceUpper()).isEqualTo(Frontier.at(80));
        assertThat(s.writers()).containsExactly(Map.entry("sink-0", 11L), Map.entry("sink-1", 12L));
        assertThat(s.retired()).containsExactly(new RetiredBlob("batches/r-a.parquet", 6));
        // Migrated from version 1: no leases, and the requested since is the since.
        assertThat(s.requestedSince()).isEqualTo(Frontier.at(20));
        assertThat(s.leases()).isEmpty();
        assertThat(s).isEqualTo(golden());
    }
}
