package io.flinkpersist.cli;

import picocli.CommandLine.Option;

/** The {@code --progress} option of commands that do long work. */
final class ProgressOption {

    @Option(
            names = "--progress",
            paramLabel = "<mode>",
            defaultValue = "auto",
            description =
                    "Progress on stderr: auto (a bar on a terminal, else a line every 10 s), bar, plain or off. Default: ${DEFAULT-VALUE}.")
    Progress.Mode mode = Progress.Mode.AUTO;
}
