package io.flinkpersist.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The table sink writer's state serializer: round trip, version and length errors, and the golden
 * bytes of version 1 (regenerate only with {@code -Dgolden.regenerate=true}).
 */
class CommitEpochSerializerMigrationTest {

    private static final Path GOLDEN =
            Paths.get(System.getProperty("basedir", "."), "src/test/resources/golden");
    private final CommitEpochSerializer serializer = new CommitEpochSerializer();

    @Test
    void roundTrips() throws IOException {
        for (long epoch : new long[] {0, 1, 1_700_000_000_000L, Long.MAX_VALUE - 1}) {
            assertThat(serializer.deserialize(1, serializer.serialize(epoch))).isEqualTo(epoch);
        }
    }

    @Test
    void unknownVersionsAndWrongLengthsFail() {
        byte[] bytes = serializer.serialize(42L);
        assertThatThrownBy(() -> serializer.deserialize(2, bytes))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "Cannot deserialize a commit epoch: unknown version 2 (this serializer reads version 1)");
        assertThatThrownBy(() -> serializer.deserialize(1, Arrays.copyOf(bytes, 9)))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "Cannot deserialize a commit epoch of version 1: expected 8 bytes, got 9 (trailing or missing bytes)");
        assertThatThrownBy(() -> serializer.deserialize(1, serializer.serialize(-3L)))
                .isInstanceOf(IOException.class)
                .hasMessage("Cannot deserialize a commit epoch of version 1: negative epoch -3");
    }

    @Test
    void version1GoldenBytes() throws IOException {
        Path file = GOLDEN.resolve("commit-epoch-v1.bin");
        long epoch = 1_234_567L;
        if (Boolean.getBoolean("golden.regenerate")) {
            Files.createDirectories(GOLDEN);
            Files.write(file, serializer.serialize(epoch));
        }
        if (!Files.exists(file)) {
            fail(
                    "Golden file %s is missing: restore it, or create it once with -Dgolden.regenerate=true",
                    file);
        }
        assertThat(serializer.deserialize(1, Files.readAllBytes(file))).isEqualTo(epoch);
        assertThat(serializer.serialize(epoch)).isEqualTo(Files.readAllBytes(file));
    }
}
