package io.flinkpersist.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fails a test class on unexpected errors in its processes' logs, as Flink's own end-to-end scripts
 * do: {@code ERROR} lines of the log files, and in the processes' standard output and error the
 * lines that say {@code ERROR} or an uncaught exception. Known noise, and what a test provokes on
 * purpose (a killed process), is allowed by pattern.
 */
final class LogGate {

    /** An ERROR line of the log4j pattern the cluster's processes log with. */
    private static final Pattern LOG_ERROR = Pattern.compile("^\\S+ \\S+ ERROR ");

    /** An error a process printed to its standard output or error. */
    private static final Pattern OUT_ERROR =
            Pattern.compile("\\bERROR\\b|^Exception in thread|^\\[ERROR\\]");

    /** At most this many lines are quoted in the failure. */
    private static final int SHOWN = 20;

    /**
     * Flink's own noise, allowed in every class: a client collecting a job's results ({@code
     * executeAndCollect}, a SQL {@code SELECT}) may ask for more just as the job ends, and the
     * JobManager logs that it no longer knows the job.
     */
    static final List<Pattern> FLINK_NOISE =
            List.of(
                    Pattern.compile(
                            "ClientCoordinationHandler +\\[\\] - Unhandled exception\\.\n"
                                    + "org\\.apache\\.flink\\.runtime\\.messages\\.FlinkJobNotFoundException"));

    private final List<Pattern> allowed = new ArrayList<>(FLINK_NOISE);

    /**
     * A gate that allows {@link #FLINK_NOISE} and {@code allowed}; a pattern sees a line and the
     * next.
     */
    LogGate(List<Pattern> allowed) {
        this.allowed.addAll(allowed);
    }

    /** The unexpected error lines of the {@code .log} and {@code .out} files in {@code logDir}. */
    List<String> unexpected(Path logDir) throws IOException {
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(logDir)) {
            return found;
        }
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                Pattern error =
                        name.endsWith(".log")
                                ? LOG_ERROR
                                : name.endsWith(".out") ? OUT_ERROR : null;
                if (error == null) {
                    continue;
                }
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                // An .out file opens with the process's command line.
                for (int i = name.endsWith(".out") ? 1 : 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    // Patterns see the next line too: the exception a log line comes with.
                    String withNext = i + 1 < lines.size() ? line + "\n" + lines.get(i + 1) : line;
                    if (error.matcher(line).find()
                            && allowed.stream().noneMatch(a -> a.matcher(withNext).find())) {
                        found.add(name + ":" + (i + 1) + ": " + line);
                    }
                }
            }
        }
        return found;
    }

    /** Throws if there are unexpected error lines, quoting the first few. */
    void check(Path logDir) throws IOException {
        List<String> found = unexpected(logDir);
        if (!found.isEmpty()) {
            throw new AssertionError(
                    found.size()
                            + " unexpected error lines in the logs of "
                            + logDir
                            + " (allow known noise in the test class's LogGate patterns):\n  "
                            + String.join("\n  ", found.subList(0, Math.min(SHOWN, found.size())))
                            + (found.size() > SHOWN ? "\n  ..." : ""));
        }
    }
}
