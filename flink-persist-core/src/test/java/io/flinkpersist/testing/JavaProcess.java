package io.flinkpersist.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the test classpath in a child JVM, for tests that need a real process end.
 */
public final class JavaProcess {

    private JavaProcess() {}

    /** The outcome of a child JVM: exit code and everything it printed. */
    public record Result(int exitCode, String output) {}

    public static Process start(
            Class<?> mainClass, List<String> jvmArgs, List<String> args, Path output)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-ea");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(args);
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
    }

    public static Result run(
            Class<?> mainClass,
            List<String> jvmArgs,
            List<String> args,
            Path workDir,
            long timeoutSeconds)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile(workDir, "child-", ".log");
        Process p = start(mainClass, jvmArgs, args, output);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(
                    "child "
                            + mainClass.getSimpleName()
                            + " timed out; output:\n"
                            + Files.readString(output, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }
}
