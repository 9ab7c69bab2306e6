package io.flinkpersist.cli;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The entry point of {@code bin/persist}.
 *
 * <p>Exit codes ({@link ExitCodes}): 0 when the command did its work and found no problem, 1 when
 * it failed or found problems, 2 for a command line that cannot be used. Errors are one line on
 * stderr; set the system property {@code persist.stacktraces=true} to see stack traces as well.
 */
@Command(
        name = "persist",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Inspect, check and maintain flink-persist collections, and run the demo job."
        },
        subcommands = {
            InfoCommand.class,
            ValidateCommand.class,
            DumpCommand.class,
            CompactCommand.class,
            GcCommand.class,
            DemoCommand.class,
            CommandLine.HelpCommand.class
        },
        commandListHeading = "%nCommands:%n",
        footer = {"", "Run 'persist <command> --help' for a command's arguments and options."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:failure or problems found", "2:bad command line"})
public final class Main implements Callable<Integer> {

    @Spec CommandSpec spec;

    /** Runs {@code bin/persist} and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line with the given output streams and returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        PrintWriter outWriter =
                new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter errWriter =
                new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        try {
            return commandLine(outWriter, errWriter).execute(args);
        } finally {
            outWriter.flush();
            errWriter.flush();
        }
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.registerConverter(Duration.class, new DurationConverter());
        cl.setParameterExceptionHandler(Main::badCommandLine);
        cl.setExecutionExceptionHandler((e, command, parsed) -> failed(e, command));
        return cl;
    }

    /** Without a command: the usage, as a usage error. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("persist: no command given");
        spec.commandLine().usage(err);
        return ExitCodes.USAGE;
    }

    private static int badCommandLine(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        if (e instanceof UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            if (!suggestions.isEmpty()) {
                err.println("Did you mean: " + String.join(" or ", suggestions) + "?");
            }
        }
        err.println(
                "Try '"
                        + command.getCommandSpec().qualifiedName()
                        + " --help' for its arguments and options.");
        return ExitCodes.USAGE;
    }

    private static int failed(Exception e, CommandLine command) {
        PrintWriter err = command.getErr();
        command.getOut().flush();
        String name = command.getCommandSpec().qualifiedName();
        int code;
        if (e instanceof CliException c) {
            err.println(name + ": " + Formats.messages(c));
            code = c.exitCode();
            if (code == ExitCodes.USAGE) {
                err.println("Try '" + name + " --help' for its arguments and options.");
            }
        } else {
            err.println(name + ": " + e.getClass().getSimpleName() + ": " + Formats.messages(e));
            code = ExitCodes.FAILURE;
        }
        if (Boolean.getBoolean("persist.stacktraces")) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** The version from the jar's manifest. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"flink-persist " + (v != null ? v : "(development build)")};
        }
    }
}
