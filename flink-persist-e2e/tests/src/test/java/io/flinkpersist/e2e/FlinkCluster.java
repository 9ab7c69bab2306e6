package io.flinkpersist.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A Flink session cluster as a distribution's scripts start it, each process its own JVM: a
 * JobManager ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code
 * TaskManagerRunner}) on the class path of {@code lib/}, configured by a {@code config.yaml} in
 * their {@code conf/}, with the memory flags Flink's own classes compute from it (what {@code
 * bin/jobmanager.sh} and {@code bin/taskmanager.sh} get from {@code BashJavaUtils}). Clients run as
 * processes too: {@code flink run} ({@code CliFrontend}) and the SQL client in embedded mode.
 *
 * <p>Its directory holds {@code conf/}, {@code log/} (a {@code .log} and an {@code .out} per
 * process, kept after the run), {@code tmp/} (blob caches, deleted on close) and {@code
 * checkpoints/}.
 */
final class FlinkCluster implements AutoCloseable {

    static final String ENTRYPOINT =
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASK_MANAGER = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    static final String CLI_FRONTEND = "org.apache.flink.client.cli.CliFrontend";
    static final String SQL_CLIENT = "org.apache.flink.table.client.SqlClient";

    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    static final Duration CLIENT_TIMEOUT = Duration.ofMinutes(4);

    private static final String LOG4J =
            String.join(
                    "\n",
                    "monitorInterval = 0",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.file.ref = File",
                    "appender.file.name = File",
                    "appender.file.type = File",
                    "appender.file.fileName = ${sys:log.file}",
                    "appender.file.append = true",
                    "appender.file.layout.type = PatternLayout",
                    "appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                    "logger.hadoop.name = org.apache.hadoop",
                    "logger.hadoop.level = WARN",
                    "logger.pekko.name = org.apache.pekko",
                    "logger.pekko.level = WARN",
                    "logger.zookeeper.name = org.apache.zookeeper",
                    "logger.zookeeper.level = WARN",
                    "logger.parquet.name = org.apache.parquet",
                    "logger.parquet.level = WARN",
                    "");

    private final Distribution dist;
    private final Path home;
    private final Path confDir;
    private final Path logDir;
    private final Path tmpDir;
    private final Configuration conf;
    private final List<Path> classPath;
    private final JvmLauncher launcher;
    private final int restPort;
    private final Map<String, JvmProcess> taskManagers = new ConcurrentHashMap<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private JvmProcess jobManager;

    /**
     * Writes the configuration; starts nothing yet.
     *
     * @param home the cluster's directory, also the marker on its processes' command lines
     * @param settings entries of config.yaml over the defaults below
     * @param extraLib jars on every process's class path after {@code lib/}, as if in it
     */
    FlinkCluster(Distribution dist, Path home, Map<String, String> settings, List<Path> extraLib)
            throws IOException {
        this.dist = dist;
        this.home = home;
        this.confDir = home.resolve("conf");
        this.logDir = home.resolve("log");
        this.tmpDir = home.resolve("tmp");
        Files.createDirectories(confDir);
        Files.createDirectories(logDir);
        Files.createDirectories(tmpDir);
        this.restPort = freePort();

        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("jobmanager.rpc.address", "localhost");
        entries.put("jobmanager.rpc.port", Integer.toString(freePort()));
        entries.put("jobmanager.bind-host", "localhost");
        entries.put("jobmanager.memory.process.size", "1024m");
        entries.put("jobmanager.execution.failover-strategy", "region");
        entries.put("taskmanager.bind-host", "localhost");
        entries.put("taskmanager.host", "localhost");
        entries.put("taskmanager.numberOfTaskSlots", "2");
        entries.put("taskmanager.memory.process.size", "1280m");
        entries.put("taskmanager.memory.managed.size", "128m");
        entries.put("rest.address", "localhost");
        entries.put("rest.bind-address", "localhost");
        entries.put("rest.port", Integer.toString(restPort));
        entries.put("parallelism.default", "2");
        entries.put("io.tmp.dirs", tmpDir.toString());
        entries.put("execution.checkpointing.dir", home.resolve("checkpoints").toUri().toString());
        entries.put("restart-strategy.type", "fixed-delay");
        entries.put("restart-strategy.fixed-delay.attempts", "20");
        entries.put("restart-strategy.fixed-delay.delay", "1 s");
        // A killed TaskManager or JobManager is noticed in seconds rather than 50 s.
        entries.put("heartbeat.interval", "1000");
        entries.put("heartbeat.timeout", "8000");
        entries.put("execution.target", "remote");
        entries.put("security.delegation.tokens.enabled", "false");
        entries.putAll(settings);
        this.conf = Configuration.fromMap(entries);
        StringBuilder yaml = new StringBuilder();
        entries.forEach(
                (k, v) -> yaml.append(k).append(": '").append(v.replace("'", "''")).append("'\n"));
        Files.writeString(confDir.resolve("config.yaml"), yaml, StandardCharsets.UTF_8);
        Path log4j = confDir.resolve("log4j.properties");
        Files.writeString(log4j, LOG4J, StandardCharsets.UTF_8);

        this.classPath = new ArrayList<>(dist.libJars());
        this.classPath.addAll(extraLib);
        this.launcher =
                new JvmLauncher(
                        home,
                        logDir,
                        log4j,
                        dist.jvmOpts(),
                        Map.of("FLINK_CONF_DIR", confDir.toString()));
    }

    Path home() {
        return home;
    }

    Path logDir() {
        return logDir;
    }

    // ------------------------------------------------------------------ processes

    /** Starts a JobManager and waits until its REST API answers. */
    void startJobManager() throws Exception {
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(conf);
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString()));
        args.addAll(words(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
        jobManager =
                launcher.start(
                        launcher.nextName("jobmanager"),
                        words(JobManagerProcessUtils.generateJvmParametersStr(spec, conf)),
                        classPath,
                        ENTRYPOINT,
                        args);
        await("the REST API of " + jobManager, START_TIMEOUT, () -> Optional.of(rest("/overview")));
    }

    /** Kills the JobManager (SIGKILL). */
    void killJobManager() {
        jobManager.kill();
    }

    /** Starts a TaskManager with resource id {@code id}; does not wait for it to register. */
    void startTaskManager(String id) throws IOException {
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString()));
        args.addAll(List.of("-D", "taskmanager.resource-id=" + id));
        args.addAll(words(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
        taskManagers.put(
                id,
                launcher.start(
                        "taskmanager-" + id,
                        words(ProcessMemoryUtils.generateJvmParametersStr(spec)),
                        classPath,
                        TASK_MANAGER,
                        args));
    }

    /** Kills a TaskManager (SIGKILL). */
    void killTaskManager(String id) {
        taskManagers.get(id).kill();
    }

    /** Waits until exactly these TaskManagers are registered. */
    void awaitTaskManagers(Set<String> ids) throws Exception {
        await(
                "TaskManagers " + ids + " registered",
                START_TIMEOUT,
                () -> {
                    Set<String> registered = new HashSet<>();
                    rest("/taskmanagers")
                            .get("taskmanagers")
                            .forEach(t -> registered.add(t.get("id").asText()));
                    return registered.equals(ids) ? Optional.of(registered) : Optional.empty();
                });
    }

    // ------------------------------------------------------------------ clients

    /** Runs {@code flink <args>} and waits for it to exit. */
    ClientRun flink(String... args) throws Exception {
        return client(
                launcher.start(
                        launcher.nextName("flink-run"),
                        List.of("-Xmx512m"),
                        classPath,
                        CLI_FRONTEND,
                        Arrays.asList(args)));
    }

    /** Runs a script with the SQL client in embedded mode and waits for it to exit. */
    ClientRun sqlClient(String script) throws Exception {
        String name = launcher.nextName("sql-client");
        Path file = home.resolve("sql").resolve(name + ".sql");
        Files.createDirectories(file.getParent());
        Files.writeString(file, script, StandardCharsets.UTF_8);
        // As bin/sql-client.sh builds it: lib/, then flink-python (the client's option parser
        // needs it), the gateway and the client.
        List<Path> cp = new ArrayList<>(classPath);
        cp.add(dist.optJar("flink-python"));
        cp.add(dist.optJar("flink-sql-gateway"));
        cp.add(dist.optJar("flink-sql-client"));
        return client(
                launcher.start(
                        name,
                        List.of("-Xmx768m"),
                        cp,
                        SQL_CLIENT,
                        List.of(
                                "-f",
                                file.toString(),
                                "--jar",
                                dist.optJar("flink-sql-client").toString(),
                                "--history",
                                home.resolve("sql").resolve("history").toString())));
    }

    /**
     * Runs {@code bin/persist <args>}: the command-line tool's runnable jar, as the script does.
     */
    ClientRun persistCli(String... args) throws Exception {
        return client(
                launcher.startJar(
                        launcher.nextName("persist"),
                        List.of("-Dpersist.stderr.tty=false"),
                        Distribution.existing(dist.cliJar()),
                        Arrays.asList(args)));
    }

    private static ClientRun client(JvmProcess p) throws InterruptedException {
        int exit = p.awaitExit(CLIENT_TIMEOUT);
        return new ClientRun(p.name(), exit, p.output(), p.elapsed());
    }

    // ------------------------------------------------------------------ REST

    /** GET a path of the REST API, e.g. {@code /overview}. */
    JsonNode rest(String path) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return json.readTree(r.body());
    }

    /** A job's state, e.g. RUNNING. */
    String jobState(String jobId) throws IOException, InterruptedException {
        return rest("/jobs/" + jobId).get("state").asText();
    }

    /** Waits for a job to finish; fails at once if it fails or is cancelled. */
    void awaitJobFinished(String jobId, Duration timeout) throws Exception {
        await(
                "job " + jobId + " FINISHED",
                timeout,
                () -> {
                    String state = jobState(jobId);
                    if (state.equals("FAILED") || state.equals("CANCELED")) {
                        throw new AssertionError(
                                "Job "
                                        + jobId
                                        + " is "
                                        + state
                                        + ": "
                                        + rest("/jobs/" + jobId + "/exceptions"));
                    }
                    return state.equals("FINISHED") ? Optional.of(state) : Optional.empty();
                });
    }

    /** How many checkpoints of a job completed. */
    long completedCheckpoints(String jobId) throws IOException, InterruptedException {
        return rest("/jobs/" + jobId + "/checkpoints").get("counts").get("completed").asLong();
    }

    /** Waits until a job completed at least {@code n} checkpoints. */
    void awaitCheckpoints(String jobId, long n, Duration timeout) throws Exception {
        await(
                n + " completed checkpoints of job " + jobId,
                timeout,
                () -> completedCheckpoints(jobId) >= n ? Optional.of(n) : Optional.empty());
    }

    /**
     * The TaskManagers that run subtasks of the job's vertices whose name contains {@code name}.
     */
    Set<String> taskManagersRunning(String jobId, String name) throws Exception {
        Set<String> ids = new HashSet<>();
        for (JsonNode v : rest("/jobs/" + jobId).get("vertices")) {
            if (v.get("name").asText().contains(name)) {
                for (JsonNode t :
                        rest("/jobs/"
                                        + jobId
                                        + "/vertices/"
                                        + v.get("id").asText()
                                        + "/taskmanagers")
                                .get("taskmanagers")) {
                    ids.add(t.get("taskmanager-id").asText());
                }
            }
        }
        return ids;
    }

    /**
     * Polls {@code probe} every 200 ms until it returns a value; a probe that throws counts as not
     * yet, except an {@link AssertionError}, which ends the wait.
     */
    static <T> T await(String what, Duration timeout, Callable<Optional<T>> probe)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Optional<T> v = probe.call();
                if (v.isPresent()) {
                    return v.get();
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(200);
        }
        AssertionError e =
                new AssertionError("Timed out after " + timeout + " waiting for " + what);
        if (last != null) {
            e.initCause(last);
        }
        throw e;
    }

    // ------------------------------------------------------------------ shutdown

    /** Stops every process (SIGTERM, then SIGKILL) and deletes the blob caches; keeps the logs. */
    @Override
    public void close() throws IOException {
        launcher.close();
        deleteRecursively(tmpDir);
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount())
                    .forEach(
                            p -> {
                                try {
                                    Files.deleteIfExists(p);
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            });
        }
    }

    private static List<String> words(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
