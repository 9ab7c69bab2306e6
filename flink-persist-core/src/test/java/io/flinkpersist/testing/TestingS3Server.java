package io.flinkpersist.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real S3 API server for tests: S3Proxy, run from its jar-with-dependencies (copied from Maven
 * Central by the module's build, see {@code s3.test.server.jar}) in a JVM of its own, on a free
 * loopback port, storing objects in a directory. Its filesystem store publishes an object with
 * {@code link(2)}, so {@code If-None-Match: *} is resolved atomically on PutObject and on
 * CompleteMultipartUpload, as on S3; requests are signed with this server's keys.
 *
 * <p>One server serves a whole test run: {@link #shared} keeps it in JUnit's root store, which
 * stops it when the run ends. Each test takes a bucket of its own ({@link #createBucket}).
 */
public final class TestingS3Server implements ExtensionContext.Store.CloseableResource {

    public static final String ACCESS_KEY = "persist-access";
    public static final String SECRET_KEY = "persist-secret";

    /**
     * The system property the {@link Extension} sets to the endpoint, for a test {@code
     * core-site.xml} whose {@code fs.s3a.endpoint} is {@code ${persist.test.s3.endpoint}}: then
     * every {@code new Configuration()} of the test JVM reaches the server, as in a deployment.
     */
    public static final String ENDPOINT_PROPERTY = "persist.test.s3.endpoint";

    /** The system property naming the server's jar. */
    public static final String JAR_PROPERTY = "s3.test.server.jar";

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(TestingS3Server.class);

    private final Process process;
    private final int port;
    private final Path objects;
    private final Path log;
    private final AtomicInteger buckets = new AtomicInteger();

    private TestingS3Server(Process process, int port, Path objects, Path log) {
        this.process = process;
        this.port = port;
        this.objects = objects;
        this.log = log;
    }

    /**
     * Gives a test class the server of the run: {@code @RegisterExtension static final
     * TestingS3Server.Extension S3 = new TestingS3Server.Extension();}, then {@code S3.server()}.
     */
    public static final class Extension implements BeforeAllCallback {
        private TestingS3Server server;

        @Override
        public void beforeAll(ExtensionContext context) {
            server = shared(context);
            System.setProperty(ENDPOINT_PROPERTY, server.endpoint());
        }

        public TestingS3Server server() {
            if (server == null) {
                throw new IllegalStateException("The S3 test server starts before all tests");
            }
            return server;
        }
    }

    /** The server of this test run, started on first use. */
    public static TestingS3Server shared(ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(
                        TestingS3Server.class,
                        k -> {
                            try {
                                return start(Paths.get("target", "s3-test-server"));
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        },
                        TestingS3Server.class);
    }

    /** Starts a server whose objects and log go under {@code workDir} (emptied first). */
    public static TestingS3Server start(Path workDir) throws IOException {
        String jarName = System.getProperty(JAR_PROPERTY);
        if (jarName == null || !Files.isRegularFile(Paths.get(jarName))) {
            throw new IllegalStateException(
                    "Cannot start the S3 test server: its jar is missing ("
                            + JAR_PROPERTY
                            + "="
                            + jarName
                            + "); run the tests through Maven, which copies it from Maven Central"
                            + " (org.gaul:s3proxy, jar-with-dependencies)");
        }
        Path dir = workDir.toAbsolutePath();
        deleteRecursively(dir);
        Path objects = Files.createDirectories(dir.resolve("objects"));
        int port = freePort();
        Path properties = dir.resolve("s3proxy.properties");
        Files.writeString(
                properties,
                String.join(
                        "\n",
                        "s3proxy.endpoint=http://127.0.0.1:" + port,
                        "s3proxy.authorization=aws-v2-or-v4",
                        "s3proxy.identity=" + ACCESS_KEY,
                        "s3proxy.credential=" + SECRET_KEY,
                        "jclouds.provider=filesystem-nio2",
                        "jclouds.filesystem.basedir=" + objects,
                        ""),
                StandardCharsets.UTF_8);
        Path log = dir.resolve("s3proxy.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-jar");
        cmd.add(Paths.get(jarName).toAbsolutePath().toString());
        cmd.add("--properties");
        cmd.add(properties.toString());
        Process process =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        TestingS3Server server = new TestingS3Server(process, port, objects, log);
        server.awaitListening();
        return server;
    }

    private void awaitListening() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(
                        "The S3 test server exited with code "
                                + process.exitValue()
                                + "; its log:\n"
                                + Files.readString(log, StandardCharsets.UTF_8));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("Interrupted while starting the S3 test server", e);
                }
            }
        }
        process.destroyForcibly();
        throw new IOException("The S3 test server did not listen within 60 s; see " + log);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, null)) {
            return socket.getLocalPort();
        }
    }

    /** The endpoint, e.g. {@code http://127.0.0.1:41234}. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Creates a new, empty bucket and returns its name. */
    public String createBucket() throws IOException {
        String name = "bucket-" + ProcessHandle.current().pid() + "-" + buckets.incrementAndGet();
        Files.createDirectory(objects.resolve(name));
        return name;
    }

    /**
     * The S3A settings that reach this server (path-style, plain HTTP, its keys), as Hadoop
     * configuration keys; fast failures, so that a test of an unreachable server does not wait.
     */
    public Map<String, String> s3aSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("fs.s3a.endpoint", endpoint());
        settings.put("fs.s3a.endpoint.region", "us-east-1");
        settings.put("fs.s3a.path.style.access", "true");
        settings.put("fs.s3a.connection.ssl.enabled", "false");
        settings.put("fs.s3a.access.key", ACCESS_KEY);
        settings.put("fs.s3a.secret.key", SECRET_KEY);
        settings.put(
                "fs.s3a.aws.credentials.provider",
                "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        settings.put("fs.s3a.retry.limit", "2");
        settings.put("fs.s3a.retry.interval", "50ms");
        return settings;
    }

    /** A Hadoop configuration holding {@link #s3aSettings()}. */
    public Configuration hadoopConf() {
        Configuration conf = new Configuration();
        s3aSettings().forEach(conf::set);
        return conf;
    }

    /** {@link #s3aSettings()} as a {@code core-site.xml}. */
    public String coreSiteXml() {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\"?>\n<configuration>\n");
        s3aSettings()
                .forEach(
                        (k, v) ->
                                xml.append("  <property><name>")
                                        .append(k)
                                        .append("</name><value>")
                                        .append(v)
                                        .append("</value></property>\n"));
        return xml.append("</configuration>\n").toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
