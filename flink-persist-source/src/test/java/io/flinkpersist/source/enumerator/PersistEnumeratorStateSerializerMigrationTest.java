package io.flinkpersist.source.enumerator;

import static io.flinkpersist.source.split.PersistSplitSerializerMigrationTest.GOLDEN;
import static io.flinkpersist.source.split.PersistSplitSerializerMigrationTest.checkGolden;
import static io.flinkpersist.source.split.PersistSplitSerializerMigrationTest.checkReadable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Frontier;
import io.flinkpersist.source.split.PersistSplitSerializer;
import io.flinkpersist.source.split.PersistSplitSerializerMigrationTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link PersistEnumeratorStateSerializer}: round trips before and after planning (with raw and
 * consolidated splits still unassigned), unknown versions and trailing bytes, and the golden bytes
 * of every released version under {@code src/test/resources/golden} (regenerate only with {@code
 * -Dgolden.regenerate=true}; a missing file fails).
 */
class PersistEnumeratorStateSerializerMigrationTest {

    /** Before planning: a lease, nothing pinned, nothing to assign. */
    static final PersistEnumeratorState UNPLANNED =
            new PersistEnumeratorState(
                    "source-7b0c3f0e-5d1c-4f7e-9a51-0c2d4e6f8a10",
                    -1,
                    List.of(),
                    Frontier.minimum());

    /** After planning, with every kind of split still unassigned. */
    static final PersistEnumeratorState PLANNED =
            new PersistEnumeratorState(
                    "source-7b0c3f0e-5d1c-4f7e-9a51-0c2d4e6f8a10",
                    42,
                    PersistSplitSerializerMigrationTest.fixtures(),
                    Frontier.minimum());

    /** Planned, everything assigned; the largest state version. */
    static final PersistEnumeratorState DRAINED =
            new PersistEnumeratorState("l", Long.MAX_VALUE, List.of(), Frontier.minimum());

    /**
     * A continuous read that has planned every update below 17, with an interval split unassigned.
     */
    static final PersistEnumeratorState CONTINUOUS =
            new PersistEnumeratorState(
                    "source-c",
                    43,
                    List.of(PersistSplitSerializerMigrationTest.INTERVAL),
                    Frontier.at(17));

    /** A continuous read of a collection whose seal closed: everything is planned. */
    static final PersistEnumeratorState CLOSED =
            new PersistEnumeratorState("source-c", 44, List.of(), Frontier.closed());

    private final PersistEnumeratorStateSerializer serializer =
            new PersistEnumeratorStateSerializer();

    @Test
    void roundTrips() throws IOException {
        for (PersistEnumeratorState state :
                List.of(UNPLANNED, PLANNED, DRAINED, CONTINUOUS, CLOSED)) {
            PersistEnumeratorState back =
                    serializer.deserialize(
                            PersistEnumeratorStateSerializer.VERSION, serializer.serialize(state));
            assertThat(back).isEqualTo(state);
            assertThat(back.planned()).isEqualTo(state.planned());
        }
        assertThat(UNPLANNED.planned()).isFalse();
        assertThat(PLANNED.planned()).isTrue();
    }

    @Test
    void closedProgressIsWrittenAsTheFrontiersStorageLong() throws IOException {
        byte[] bytes = serializer.serialize(CLOSED);
        byte[] tail = Arrays.copyOfRange(bytes, bytes.length - 8, bytes.length);
        assertThat(tail).containsExactly(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
        assertThat(
                        serializer
                                .deserialize(PersistEnumeratorStateSerializer.VERSION, bytes)
                                .progress()
                                .isClosed())
                .isTrue();
    }

    @Test
    void unknownVersionsFailNamingBoth() throws IOException {
        byte[] bytes = serializer.serialize(PLANNED);
        assertThat(serializer.getVersion()).isEqualTo(3);
        assertThatThrownBy(() -> serializer.deserialize(4, bytes))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "Cannot deserialize enumerator state: unknown serializer version 4 (this build reads versions 1 to 3)");
        assertThatThrownBy(() -> serializer.deserialize(-1, bytes))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "Cannot deserialize enumerator state: unknown serializer version -1 (this build reads versions 1 to 3)");
    }

    @Test
    void trailingBytesFailNamingTheCount() throws IOException {
        for (PersistEnumeratorState state : List.of(UNPLANNED, PLANNED, CONTINUOUS)) {
            byte[] bytes = serializer.serialize(state);
            assertThatThrownBy(
                            () ->
                                    serializer.deserialize(
                                            PersistEnumeratorStateSerializer.VERSION,
                                            Arrays.copyOf(bytes, bytes.length + 3)))
                    .isInstanceOf(IOException.class)
                    .hasMessage("Cannot deserialize enumerator state: 3 trailing bytes");
        }
    }

    @Test
    void truncatedBytesFail() throws IOException {
        byte[] bytes = serializer.serialize(PLANNED);
        for (int n : new int[] {0, 5, bytes.length / 2, bytes.length - 1}) {
            assertThatThrownBy(
                            () ->
                                    serializer.deserialize(
                                            PersistEnumeratorStateSerializer.VERSION,
                                            Arrays.copyOf(bytes, n)))
                    .as("truncated to %d of %d bytes", n, bytes.length)
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void unplannedV1GoldenBytes() throws IOException {
        checkGolden("enumerator-state-unplanned-v1.bin", 1, serializer, UNPLANNED);
    }

    @Test
    void plannedV1GoldenBytes() throws IOException {
        checkGolden("enumerator-state-planned-v1.bin", 1, serializer, PLANNED);
    }

    /** Version 3 as written while splits were at version 2: read, naming the nested version. */
    @Test
    void v3GoldenBytesWithVersion2Splits() throws IOException {
        checkReadable("enumerator-state-unplanned-v3.bin", 3, serializer, UNPLANNED);
        checkReadable("enumerator-state-planned-v3.bin", 3, serializer, PLANNED);
        checkReadable("enumerator-state-continuous-v3.bin", 3, serializer, CONTINUOUS);
        checkReadable("enumerator-state-closed-v3.bin", 3, serializer, CLOSED);
        byte[] bytes = Files.readAllBytes(GOLDEN.resolve("enumerator-state-planned-v3.bin"));
        assertThat(ByteBuffer.wrap(bytes).getInt(2 + PLANNED.leaseId().length() + 8)).isEqualTo(2);
    }

    @Test
    void v3GoldenBytesNameTheNestedSplitVersion() throws IOException {
        checkGolden("enumerator-state-unplanned-v3-splits-v3.bin", 3, serializer, UNPLANNED);
        checkGolden("enumerator-state-planned-v3-splits-v3.bin", 3, serializer, PLANNED);
        checkGolden("enumerator-state-continuous-v3-splits-v3.bin", 3, serializer, CONTINUOUS);
        checkGolden("enumerator-state-closed-v3-splits-v3.bin", 3, serializer, CLOSED);
        byte[] bytes = serializer.serialize(PLANNED);
        int lease = 2 + PLANNED.leaseId().length();
        assertThat(ByteBuffer.wrap(bytes).getInt(lease + 8))
                .as("the split serializer version, after the lease and the pinned version")
                .isEqualTo(PersistSplitSerializer.VERSION);
        ByteBuffer.wrap(bytes).putInt(lease + 8, 9);
        assertThatThrownBy(() -> serializer.deserialize(3, bytes))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "Cannot deserialize enumerator state: its splits were written by split serializer"
                                + " version 9 (this build reads versions 1 to 3)");
    }

    @Test
    void v2GoldenBytes() throws IOException {
        checkGolden("enumerator-state-unplanned-v2.bin", 2, serializer, UNPLANNED);
        checkGolden("enumerator-state-planned-v2.bin", 2, serializer, PLANNED);
        checkGolden("enumerator-state-continuous-v2.bin", 2, serializer, CONTINUOUS);
    }
}
