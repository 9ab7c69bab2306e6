package io.flinkpersist.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One test class's world: HDFS and a Flink session cluster, started before its tests and stopped
 * after them, in {@code <work root>/<class name>/} (wiped at the start, kept afterwards for a look
 * at the logs). Before anything starts, it kills what a killed earlier run left running (found by
 * the marker on their command lines). After the class, the {@link LogGate} fails it on unexpected
 * errors in the processes' logs.
 *
 * <pre>
 * {@literal @}RegisterExtension
 * static final E2EEnvironment ENV = new E2EEnvironment().taskManagers(2);
 * </pre>
 */
final class E2EEnvironment implements BeforeAllCallback, AfterAllCallback {

    /**
     * Hadoop that comes with a user jar (the job jar, or the SQL connector jar added with {@code
     * ADD JAR}) is loaded by the job's class loader, and leaves threads and a JVM shutdown hook
     * behind when the job ends (the DFS client's lease renewer and peer cache threads, the file
     * system cache's finalizer, a shutdown hook). Once Flink closed that class loader they fail,
     * and log4j cannot render their error. With the connector in {@code lib/} this does not happen
     * (ConnectorInLibE2E allows none of it).
     */
    static final String HADOOP_IN_USER_CODE =
            "(org\\.apache\\.hadoop\\.hdfs\\.PeerCache@\\w+|LeaseRenewer:\\S+|Thread-\\d+) ERROR An exception occurred"
                    + " processing Appender File java\\.lang\\.IllegalStateException: Trying to"
                    + " access closed classloader";

    private int taskManagers = 2;
    private final Map<String, Function<Hdfs, String>> settings = new LinkedHashMap<>();
    private boolean connectorInLib;
    private final List<Pattern> allowed = new ArrayList<>();

    private Distribution dist;
    private Hdfs hdfs;
    private FlinkCluster cluster;
    private final Set<String> runningTaskManagers = new LinkedHashSet<>();
    private int nextTaskManager = 1;

    E2EEnvironment taskManagers(int n) {
        taskManagers = n;
        return this;
    }

    /** An entry of the cluster's config.yaml. */
    E2EEnvironment set(String key, String value) {
        settings.put(key, hdfs -> value);
        return this;
    }

    /** An entry of the cluster's config.yaml whose value names the class's HDFS. */
    E2EEnvironment set(String key, Function<Hdfs, String> value) {
        settings.put(key, value);
        return this;
    }

    /** Puts the shaded SQL connector jar on every process's class path, as if in {@code lib/}. */
    E2EEnvironment connectorInLib() {
        connectorInLib = true;
        return this;
    }

    /** Allows log error lines that match {@code regex} (what the class provokes on purpose). */
    E2EEnvironment allowErrors(String... regex) {
        for (String r : regex) {
            allowed.add(Pattern.compile(r));
        }
        return this;
    }

    Distribution dist() {
        return dist;
    }

    Hdfs hdfs() {
        return hdfs;
    }

    FlinkCluster cluster() {
        return cluster;
    }

    /** The TaskManagers started and not killed. */
    Set<String> taskManagerIds() {
        return Set.copyOf(runningTaskManagers);
    }

    /** Starts one more TaskManager (tm-1, tm-2, ...) and returns its id. */
    String startTaskManager() throws Exception {
        String id = "tm-" + nextTaskManager++;
        cluster.startTaskManager(id);
        runningTaskManagers.add(id);
        return id;
    }

    void killTaskManager(String id) {
        cluster.killTaskManager(id);
        runningTaskManagers.remove(id);
    }

    void awaitTaskManagers() throws Exception {
        cluster.awaitTaskManagers(taskManagerIds());
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dist = Distribution.fromSystemProperties();
        List<String> leftovers = JvmLauncher.killLeftovers(dist.workRoot());
        leftovers.forEach(
                l -> System.out.println("Killed a process a killed earlier run left: " + l));
        Path work = dist.workRoot().resolve(context.getRequiredTestClass().getSimpleName());
        FlinkCluster.deleteRecursively(work);
        Files.createDirectories(work);

        long start = System.nanoTime();
        hdfs = new Hdfs(work.resolve("hdfs"));
        long hdfsUp = System.nanoTime();
        Map<String, String> conf = new LinkedHashMap<>();
        settings.forEach((k, v) -> conf.put(k, v.apply(hdfs)));
        cluster =
                new FlinkCluster(
                        dist,
                        work.resolve("flink"),
                        conf,
                        connectorInLib ? List.of(dist.connectorJar()) : List.of());
        cluster.startJobManager();
        long jobManagerUp = System.nanoTime();
        for (int i = 0; i < taskManagers; i++) {
            startTaskManager();
        }
        awaitTaskManagers();
        System.out.printf(
                "Started HDFS in %s, the JobManager in %s, %d TaskManagers in %s%n",
                Duration.ofNanos(hdfsUp - start),
                Duration.ofNanos(jobManagerUp - hdfsUp),
                taskManagers,
                Duration.ofNanos(System.nanoTime() - jobManagerUp));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (hdfs != null) {
                hdfs.close();
            }
        }
        if (cluster != null) {
            new LogGate(allowed).check(cluster.logDir());
        }
    }

    /** {@code hdfs://localhost:<port>/<path>}. */
    String hdfsPath(String path) {
        return hdfs.uri() + "/" + path;
    }
}
