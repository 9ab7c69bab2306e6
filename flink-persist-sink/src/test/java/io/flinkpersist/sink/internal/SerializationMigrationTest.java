package io.flinkpersist.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.junit.jupiter.api.Test;

/**
 * The serializers of what crosses a checkpoint: round trips, version and trailing-byte errors, and
 * golden bytes of every released version (regenerate only with {@code -Dgolden.regenerate=true}).
 */
class SerializationMigrationTest {

    private static final Path GOLDEN =
            Paths.get(System.getProperty("basedir", "."), "src/test/resources/golden");

    private static final List<NewUnsealedBatch> BATCHES =
            List.of(
                    new NewUnsealedBatch("batches/a.parquet", 10, 20, 4096, 100),
                    new NewUnsealedBatch("batches/b.parquet", 15, 15, 512, 1));

    static final WriterResult RESULT =
            new WriterResult(3, BATCHES, Optional.of(Frontier.at(21)), false, false);
    static final PersistCommittable COMMITTABLE =
            new PersistCommittable("sink-5d1c0b7e", 42, BATCHES, Optional.of(Frontier.closed()));
    static final PersistCommittable LAST_COMMITTABLE =
            new PersistCommittable(
                    "sink-5d1c0b7e", 43, BATCHES, Optional.of(Frontier.at(99)), true);

    @Test
    void roundTrips() throws IOException {
        WriterResultSerializer r = new WriterResultSerializer();
        PersistCommittableSerializer c = new PersistCommittableSerializer();
        assertThat(r.deserialize(1, r.serialize(RESULT))).isEqualTo(RESULT);
        WriterResult idle = new WriterResult(0, List.of(), Optional.empty(), true, true);
        assertThat(r.deserialize(1, r.serialize(idle))).isEqualTo(idle);
        assertThat(c.deserialize(2, c.serialize(COMMITTABLE))).isEqualTo(COMMITTABLE);
        assertThat(c.deserialize(2, c.serialize(LAST_COMMITTABLE))).isEqualTo(LAST_COMMITTABLE);
    }

    @Test
    void unknownVersionsAndTrailingBytesFail() throws IOException {
        PersistCommittableSerializer c = new PersistCommittableSerializer();
        byte[] bytes = c.serialize(COMMITTABLE);
        assertThatThrownBy(() -> c.deserialize(3, bytes))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "Cannot deserialize committable: unknown serializer version 3 (this build reads versions 1 to 2)");
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
        assertThatThrownBy(() -> c.deserialize(2, longer))
                .isInstanceOf(IOException.class)
                .hasMessage("Cannot deserialize committable: 3 trailing bytes");
        WriterResultSerializer r = new WriterResultSerializer();
        assertThatThrownBy(() -> r.deserialize(0, r.serialize(RESULT)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unknown serializer version 0");
        assertThatThrownBy(() -> r.deserialize(1, Arrays.copyOf(r.serialize(RESULT), 7)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void writerResultV1GoldenBytes() throws IOException {
        checkGolden("writer-result-v1.bin", new WriterResultSerializer(), RESULT);
    }

    @Test
    void committableV1GoldenBytes() throws IOException {
        checkGolden("committable-v1.bin", 1, new PersistCommittableSerializer(), COMMITTABLE);
    }

    @Test
    void committableV2GoldenBytes() throws IOException {
        checkGolden("committable-v2.bin", 2, new PersistCommittableSerializer(), LAST_COMMITTABLE);
    }

    private static <T> void checkGolden(
            String name, SimpleVersionedSerializer<T> serializer, T value) throws IOException {
        checkGolden(name, 1, serializer, value);
    }

    private static <T> void checkGolden(
            String name, int version, SimpleVersionedSerializer<T> serializer, T value)
            throws IOException {
        Path file = GOLDEN.resolve(name);
        // A released version's bytes are never rewritten: only the current version's may be
        // created.
        if (Boolean.getBoolean("golden.regenerate")
                && version == serializer.getVersion()
                && !Files.exists(file)) {
            Files.createDirectories(GOLDEN);
            Files.write(file, serializer.serialize(value));
        }
        if (!Files.exists(file)) {
            fail(
                    "Golden file %s is missing: restore it, or create it once with -Dgolden.regenerate=true",
                    file);
        }
        // What an older job wrote must still be read...
        assertThat(serializer.deserialize(version, Files.readAllBytes(file))).isEqualTo(value);
        // ...and the current version must still be written the same way.
        if (serializer.getVersion() == version) {
            assertThat(serializer.serialize(value)).isEqualTo(Files.readAllBytes(file));
        }
    }
}
