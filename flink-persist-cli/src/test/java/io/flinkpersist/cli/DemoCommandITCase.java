package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo end to end on its embedded MiniCluster, with fewer updates than by default. */
class DemoCommandITCase {

    @TempDir Path dir;

    @Test
    void writesReadsBackAndPasses() {
        long seed = Long.getLong("test.seed", System.nanoTime());
        System.out.println(
                "DemoCommandITCase seed " + seed + " (replay with -Dtest.seed=" + seed + ")");
        Cli r =
                Cli.run(
                        "demo",
                        "--updates",
                        100_000,
                        "--slots",
                        5_000,
                        "--dir",
                        dir,
                        "--seed",
                        seed,
                        "--progress",
                        "off");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.out())
                .contains("seed            " + seed + " (replay with --seed " + seed + ")")
                .contains("collection      orders at " + dir)
                .contains("parallelism     2 sink writers, 2 source readers")
                .containsPattern(
                        "updates         100,00[01] in [\\d.,]+ m?s \\(job run time\\) = [\\d,]+ updates/s")
                .contains("seal            {} (closed)")
                // Since follows the seal from the first commit on; a run over before its second
                // checkpoint keeps 0.
                .containsPattern("since           \\{\\d+} = (2026-01-01T|1970-01-01T00:00:00Z)")
                .containsPattern("trace           \\d+ batch")
                .containsPattern("bytes on disk   [\\d.]+ [KM]iB")
                .containsPattern("snapshot rows   [\\d,]+ in ")
                .contains("result          PASS");
        String expected =
                r.lines().stream()
                        .filter(l -> l.startsWith("  expected rows"))
                        .findFirst()
                        .orElseThrow()
                        .replaceAll("\\D", "");
        String actual =
                r.lines().stream()
                        .filter(l -> l.startsWith("  snapshot rows"))
                        .findFirst()
                        .orElseThrow()
                        .replaceAll(" in .*", "")
                        .replaceAll("\\D", "");
        assertThat(actual).isEqualTo(expected);
        assertThat(r.err()).isEmpty();

        // What the demo leaves behind is a sound collection.
        Cli validate = Cli.run("validate", "--progress", "off", dir, "orders");
        assertThat(validate.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(validate.out()).contains("OK: no problems found");
    }

    @Test
    void badArgumentsAreUsageErrors() throws Exception {
        assertThat(Cli.run("demo", "--updates", 0).err())
                .contains("Invalid --updates 0: give 1 or more");
        assertThat(Cli.run("demo", "--updates", 0).exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("demo", "--parallelism", 0).exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("demo", "--slots", 10).exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("demo", "--updates", "many").exitCode()).isEqualTo(ExitCodes.USAGE);

        Files.createDirectories(dir.resolve("orders"));
        Cli taken = Cli.run("demo", "--dir", dir);
        assertThat(taken.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(taken.err())
                .contains(
                        "Cannot run the demo in "
                                + dir
                                + ": it already holds 'orders'; choose another --dir or delete it");
    }
}
