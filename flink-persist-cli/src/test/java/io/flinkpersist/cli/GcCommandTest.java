package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.RetiredBlob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;

class GcCommandTest {

    @TempDir Path dir;
    TestingCollection collection;

    @BeforeEach
    void write() throws Exception {
        collection = TestingCollection.write(dir, 23, false);
    }

    private CollectionState state() throws Exception {
        try (PersistCollection c =
                PersistCollection.open(
                        dir.toString(), TestingCollection.NAME, CollectionConfig.defaults())) {
            return c.state().validate();
        }
    }

    @Test
    void deletesRetiredBatchesAndPrintsTheReport() throws Exception {
        assertThat(collection.state.retired()).isNotEmpty();
        int retired = collection.state.retired().size();
        Cli r = Cli.run("gc", dir, TestingCollection.NAME);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.out())
                .contains("Collecting garbage of collection orders at file:", "(grace period PT1H)")
                .contains("retired batches deleted     " + retired)
                .contains("orphaned batches deleted    0")
                .contains("state records pruned        0");
        for (RetiredBlob b : collection.state.retired()) {
            assertThat(collection.file(b.key())).doesNotExist();
        }
        CollectionState after = state();
        assertThat(after.retired()).isEmpty();
        for (var b : after.trace()) {
            assertThat(collection.file(b.key())).exists();
        }
        assertThat(Cli.run("validate", dir, TestingCollection.NAME).exitCode())
                .isEqualTo(ExitCodes.OK);
    }

    @Test
    void orphansGoOnlyOnceOlderThanTheGracePeriod() throws Exception {
        Path orphan = collection.file("batches/00000000-0000-0000-0000-000000000001.parquet");
        Files.copy(collection.file(collection.state.trace().get(0).key()), orphan);

        Cli keep = Cli.run("gc", dir, TestingCollection.NAME);
        assertThat(keep.out()).contains("orphaned batches deleted    0");
        assertThat(orphan).exists();

        Cli delete = Cli.run("gc", "--grace", "0", dir, TestingCollection.NAME);
        assertThat(delete.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(delete.out()).contains("(grace period PT0S)", "orphaned batches deleted    1");
        assertThat(orphan).doesNotExist();
    }

    @Test
    void prunesStateRecordsBeyondTheRetainedWindow() throws Exception {
        long seqNo = collection.state.seqNo();
        Cli r = Cli.run("gc", "--retain-states", 5, dir, TestingCollection.NAME);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        // Records below the latest version as gc starts, minus 5, go; gc's own commit adds one.
        assertThat(r.out())
                .contains("state records pruned        " + (seqNo - 5))
                .contains(
                        "state records " + (seqNo + 1) + " -> " + (seqNo + 2 - (seqNo - 5)) + " (");
        assertThat(state().seqNo()).isEqualTo(seqNo + 1);
    }

    @Test
    void badArgumentsAreUsageErrors() {
        Cli grace = Cli.run("gc", "--grace", "soon", dir, TestingCollection.NAME);
        assertThat(grace.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(grace.err())
                .contains("Invalid value for option '--grace'", "'soon' is not a duration");

        Cli retain = Cli.run("gc", "--retain-states", 0, dir, TestingCollection.NAME);
        assertThat(retain.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(retain.err()).contains("Invalid --retain-states 0: keep at least 1");
    }

    @Test
    void durationsInShortAndIsoForms() {
        DurationConverter d = new DurationConverter();
        assertThat(d.convert("0")).isEqualTo(Duration.ZERO);
        assertThat(d.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(d.convert("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.convert("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(d.convert("10min")).isEqualTo(Duration.ofMinutes(10));
        assertThat(d.convert("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(d.convert("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(d.convert("PT1H30M")).isEqualTo(Duration.ofMinutes(90));
        assertThat(d.convert("pt5s")).isEqualTo(Duration.ofSeconds(5));
        Assertions.assertThatThrownBy(() -> d.convert("5"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("has no unit");
        Assertions.assertThatThrownBy(() -> d.convert("-PT1S"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("is negative");
    }
}
