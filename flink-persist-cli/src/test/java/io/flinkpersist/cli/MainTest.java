package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line itself: help, version, usage errors and their exit codes. */
class MainTest {

    @Test
    void helpListsEveryCommand() {
        Cli r = Cli.run("--help");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.out())
                .contains(
                        "Usage: persist",
                        "info",
                        "validate",
                        "dump",
                        "compact",
                        "gc",
                        "demo",
                        "Exit codes:");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void noCommandIsAUsageError() {
        Cli r = Cli.run();
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("persist: no command given", "Usage: persist");
    }

    @Test
    void anUnknownCommandIsAUsageErrorWithASuggestion() {
        Cli r = Cli.run("valdate", "/tmp", "x");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err())
                .contains(
                        "Unmatched arguments",
                        "valdate",
                        "Did you mean",
                        "validate",
                        "Try 'persist --help'");
    }

    @Test
    void versionIsPrinted() {
        Cli r = Cli.run("--version");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).startsWith("flink-persist ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"info", "validate", "dump", "compact", "gc", "demo"})
    void everyCommandHasHelp(String command) {
        Cli r = Cli.run(command, "--help");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("Usage: persist " + command, "-h, --help", "Exit codes:");
        // The help command gives the same text.
        assertThat(Cli.run("help", command).out()).isEqualTo(r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"info", "validate", "dump", "compact", "gc"})
    void aMissingArgumentIsAUsageError(String command) {
        Cli r = Cli.run(command, "/tmp");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err())
                .contains("persist " + command + ": Missing required parameter: '<collection>'")
                .contains("Try 'persist " + command + " --help'");
        assertThat(r.out()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"info", "validate", "dump", "compact", "gc"})
    void anUnknownOptionIsAUsageError(String command) {
        Cli r = Cli.run(command, "--frobnicate", "/tmp", "orders");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("Unknown option: '--frobnicate'");
    }

    @Test
    void anInvalidCollectionNameIsAUsageError() {
        Cli r = Cli.run("info", "/tmp", "../etc");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("Invalid collection name '../etc'");
    }
}
