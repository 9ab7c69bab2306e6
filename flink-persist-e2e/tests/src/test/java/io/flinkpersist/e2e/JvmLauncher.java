package io.flinkpersist.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts the JVMs of one test class, each with the Java 17 flags a Flink distribution sets, its log
 * file in the class's log directory, and a marker on its command line ({@code
 * -Dflink.e2e.work=<dir>}) by which a later run finds it if this one was killed. {@link #close}
 * stops every process still running; a shutdown hook kills them if the test JVM ends first.
 */
final class JvmLauncher implements AutoCloseable {

    /** The marker's prefix; its value is a test class's work directory. */
    static final String MARKER = "-Dflink.e2e.work=";

    /**
     * What a Flink distribution's config.yaml sets for every process ({@code
     * env.java.default-opts.all}): without them Kryo and Pekko fail on Java 17.
     */
    static final List<String> JAVA_17_FLAGS =
            List.of(
                    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
                    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.text=ALL-UNNAMED",
                    "--add-opens=java.base/java.time=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private final Path work;
    private final Path logDir;
    private final Path log4jConfig;
    private final List<String> jvmOpts;
    private final Map<String, String> environment;
    private final List<JvmProcess> started = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final Thread killOnExit;

    /**
     * @param work the marker's value: the class's work directory
     * @param logDir where each process's {@code <name>.log} and {@code <name>.out} go
     * @param log4jConfig the log4j configuration every process reads
     * @param jvmOpts more JVM options for every process
     * @param environment environment variables for every process
     */
    JvmLauncher(
            Path work,
            Path logDir,
            Path log4jConfig,
            List<String> jvmOpts,
            Map<String, String> environment) {
        this.work = work;
        this.logDir = logDir;
        this.log4jConfig = log4jConfig;
        this.jvmOpts = List.copyOf(jvmOpts);
        this.environment = Map.copyOf(environment);
        this.killOnExit = new Thread(() -> started.forEach(JvmProcess::kill), "e2e-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** A fresh name for one more run of a client: {@code flink-run-1}, {@code flink-run-2}, ... */
    String nextName(String prefix) {
        return prefix
                + "-"
                + runs.computeIfAbsent(prefix, p -> new AtomicInteger()).incrementAndGet();
    }

    /** Starts {@code mainClass} with this class path. */
    JvmProcess start(
            String name,
            List<String> jvmArgs,
            List<Path> classPath,
            String mainClass,
            List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>(jvmArgs);
        command.add("-cp");
        command.add(
                String.join(File.pathSeparator, classPath.stream().map(Path::toString).toList()));
        command.add(mainClass);
        command.addAll(args);
        return start(name, command);
    }

    /** Starts a runnable jar, as {@code java -jar}. */
    JvmProcess startJar(String name, List<String> jvmArgs, Path jar, List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>(jvmArgs);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(args);
        return start(name, command);
    }

    private JvmProcess start(String name, List<String> rest) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JAVA_17_FLAGS);
        command.addAll(jvmOpts);
        command.add(MARKER + work);
        command.add("-Dlog.file=" + logDir.resolve(name + ".log"));
        command.add("-Dlog4j.configurationFile=" + log4jConfig.toUri());
        command.addAll(rest);
        Path out = logDir.resolve(name + ".out");
        Files.createDirectories(logDir);
        Files.writeString(out, String.join(" ", command) + "\n\n", StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(environment);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        JvmProcess p = new JvmProcess(name, pb.start(), out);
        started.add(p);
        return p;
    }

    /** Stops every process still running: all get SIGTERM, those left after a grace SIGKILL. */
    @Override
    public void close() {
        List<JvmProcess> alive =
                new ArrayList<>(started.stream().filter(JvmProcess::isAlive).toList());
        Collections.reverse(alive);
        alive.parallelStream().forEach(p -> p.stop(STOP_GRACE));
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // The JVM is shutting down: the hook runs anyway.
        }
    }

    /**
     * Kills (SIGKILL) every process whose command line carries a marker under {@code workRoot}:
     * what a test JVM killed before it could stop its processes left behind. Never matches by name.
     *
     * @return what was killed, one line each
     */
    static List<String> killLeftovers(Path workRoot) {
        String prefix = MARKER + workRoot.toAbsolutePath().normalize() + File.separator;
        List<String> killed = new ArrayList<>();
        List<ProcessHandle> dying = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
            Optional<List<String>> args = commandLine(p.pid());
            if (p.pid() != self
                    && args.isPresent()
                    && args.get().stream().anyMatch(a -> a.startsWith(prefix))) {
                p.destroyForcibly();
                dying.add(p);
                killed.add(p.pid() + " " + String.join(" ", args.get()));
            }
        }
        for (ProcessHandle p : dying) {
            p.onExit().completeOnTimeout(p, 30, TimeUnit.SECONDS).join();
        }
        return killed;
    }

    /** The arguments of a process as the kernel has them (Linux), unabridged. */
    private static Optional<List<String>> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return Optional.of(List.of(new String(raw, StandardCharsets.UTF_8).split("\0")));
        } catch (IOException | RuntimeException e) {
            // Gone meanwhile, or not readable: not ours to kill.
            return Optional.empty();
        }
    }
}
