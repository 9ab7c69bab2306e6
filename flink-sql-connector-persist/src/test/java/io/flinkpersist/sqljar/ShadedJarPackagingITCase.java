package io.flinkpersist.sqljar;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.testing.TestingS3Server;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the packaged {@code flink-sql-connector-persist} jar (runs after {@code package}): the
 * factory is registered, no Flink class is inside, every class is the project's, relocated under
 * {@code io.flinkpersist.shaded}, or one of the documented exceptions (Hadoop's shaded client with
 * S3A, the AWS SDK and zstd-jni), and the project's bytecode refers to the relocated Parquet. Then
 * a SQL job runs in a JVM whose class path is Flink and this jar only, on a local directory and on
 * {@code s3a://} (the S3 test server, reached through a {@code core-site.xml} on the class path, as
 * in a Flink installation).
 */
class ShadedJarPackagingITCase {

    private static final Path JAR =
            Paths.get(System.getProperty("shaded.jar", "target/flink-sql-connector-persist.jar"));

    /** Where the classes of the jar may live. */
    private static final List<String> ALLOWED_CLASS_PREFIXES =
            List.of(
                    "io/flinkpersist/",
                    // Hadoop's client jars, whose own dependencies Hadoop already relocates under
                    // org/apache/hadoop/shaded, and S3A.
                    "org/apache/hadoop/",
                    // The AWS SDK: it finds its parts by class name in resource files.
                    "software/amazon/",
                    // zstd-jni: its native library binds to this package, so it cannot be
                    // relocated.
                    "com/github/luben/zstd/");

    /** Packages that are bundled relocated, and so must not appear as they are. */
    private static final List<String> RELOCATED =
            List.of(
                    "org/apache/parquet/",
                    "shaded/parquet/",
                    "io/airlift/",
                    "org/apache/commons/pool/",
                    "org/apache/commons/logging/",
                    "javax/annotation/",
                    "org/apache/commons/lang3/",
                    "org/apache/http/",
                    "org/apache/commons/codec/",
                    "org/reactivestreams/");

    /**
     * Relocated libraries whose own jars stay on the job's class path: Flink's jars may need them
     * as they are (Flink uses commons-lang3).
     */
    private static final List<String> ALSO_FLINKS =
            List.of(
                    "org/apache/commons/lang3/",
                    "org/apache/http/",
                    "org/apache/commons/codec/",
                    "org/reactivestreams/");

    @RegisterExtension static final TestingS3Server.Extension S3 = new TestingS3Server.Extension();

    private static List<String> entries() throws IOException {
        assertThat(JAR).as("the shaded jar (built by `mvn package`)").exists();
        List<String> names = new ArrayList<>();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                names.add(e.nextElement().getName());
            }
        }
        return names;
    }

    private static byte[] read(String entry) throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile());
                InputStream in = jar.getInputStream(jar.getEntry(entry))) {
            return in.readAllBytes();
        }
    }

    @Test
    void theFactoryIsRegistered() throws IOException {
        String services =
                new String(
                        read("META-INF/services/org.apache.flink.table.factories.Factory"),
                        StandardCharsets.UTF_8);
        assertThat(
                        services.lines()
                                .map(String::strip)
                                .filter(l -> !l.isEmpty() && !l.startsWith("#")))
                .containsExactly("io.flinkpersist.table.PersistDynamicTableFactory");
        assertThat(entries()).contains("io/flinkpersist/table/PersistDynamicTableFactory.class");
    }

    @Test
    void holdsNoFlinkClassesAndOnlyAllowedOrRelocatedPackages() throws IOException {
        List<String> classes = entries().stream().filter(n -> n.endsWith(".class")).toList();
        assertThat(classes).hasSizeGreaterThan(1000);
        assertThat(classes).noneMatch(c -> c.startsWith("org/apache/flink/"));
        assertThat(classes)
                .noneMatch(c -> c.startsWith("org/slf4j/") || c.startsWith("org/apache/logging/"));
        List<String> outside =
                classes.stream()
                        .filter(c -> ALLOWED_CLASS_PREFIXES.stream().noneMatch(c::startsWith))
                        .toList();
        assertThat(outside)
                .as("classes outside the project's and the documented packages")
                .isEmpty();
        for (String original : RELOCATED) {
            assertThat(classes)
                    .as("no unrelocated %s", original)
                    .noneMatch(c -> c.startsWith(original));
        }
        assertThat(classes)
                .contains("io/flinkpersist/shaded/org/apache/parquet/hadoop/ParquetWriter.class")
                .anyMatch(
                        c -> c.startsWith("io/flinkpersist/shaded/parquet/com/fasterxml/jackson/"))
                .anyMatch(c -> c.startsWith("io/flinkpersist/shaded/io/airlift/compress/"))
                .anyMatch(c -> c.startsWith("io/flinkpersist/shaded/org/apache/commons/pool/"))
                .contains("org/apache/hadoop/conf/Configuration.class")
                .contains("org/apache/hadoop/fs/s3a/S3AFileSystem.class")
                .contains("software/amazon/awssdk/services/s3/S3Client.class")
                .anyMatch(c -> c.startsWith("io/flinkpersist/shaded/org/apache/commons/lang3/"))
                .anyMatch(c -> c.startsWith("com/github/luben/zstd/"));
        assertThat(entries())
                .noneMatch(e -> e.startsWith("webapps/") || e.startsWith("META-INF/versions/"));
    }

    @Test
    void theProjectsBytecodeUsesTheRelocatedParquet() throws IOException {
        String writer =
                new String(
                        read("io/flinkpersist/batch/BatchWriter.class"),
                        StandardCharsets.ISO_8859_1);
        assertThat(writer).contains("io/flinkpersist/shaded/org/apache/parquet/");
        assertThat(writer.replace("io/flinkpersist/shaded/org/apache/parquet/", ""))
                .doesNotContain("org/apache/parquet/");
    }

    @Test
    void aSqlJobRunsWithFlinkAndThisJarAlone(@TempDir Path dir) throws Exception {
        runSqlJob(dir, dir.resolve("persist").toString(), List.of());
    }

    @Test
    void aSqlJobRunsOnS3WithFlinkAndThisJarAlone(@TempDir Path dir) throws Exception {
        Path conf = Files.createDirectories(dir.resolve("hadoop-conf"));
        Files.writeString(conf.resolve("core-site.xml"), S3.server().coreSiteXml());
        runSqlJob(
                dir,
                "s3a://" + S3.server().createBucket() + "/persist",
                List.of(conf.toAbsolutePath().toString()));
    }

    /**
     * Runs {@link ShadedJarSqlJob} on {@code location} in a JVM whose class path is this jar, the
     * {@code extra} entries and Flink's jars.
     */
    private static void runSqlJob(Path dir, String location, List<String> extra) throws Exception {
        List<String> classPath = new ArrayList<>();
        classPath.add(JAR.toAbsolutePath().toString());
        classPath.addAll(extra);
        String testClassPath =
                System.getProperty(
                        "surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : testClassPath.split(File.pathSeparator)) {
            if (entry.isEmpty()
                    || entry.contains("flink-persist-")
                    || entry.contains(
                            "flink-sql-connector-persist"
                                    + File.separator
                                    + "target"
                                    + File.separator
                                    + "classes")
                    || Paths.get(entry).toAbsolutePath().equals(JAR.toAbsolutePath())) {
                continue; // the project's modules: only the shaded jar may provide them
            }
            if (entry.endsWith(".jar") && bundles(Paths.get(entry))) {
                continue; // a library the shaded jar already holds
            }
            classPath.add(entry);
        }
        Path log = dir.resolve("job.log");
        Process job =
                new ProcessBuilder(
                                Paths.get(System.getProperty("java.home"), "bin", "java")
                                        .toString(),
                                "-Xmx768m",
                                "-cp",
                                String.join(File.pathSeparator, classPath),
                                ShadedJarSqlJob.class.getName(),
                                location)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        boolean finished = job.waitFor(4, TimeUnit.MINUTES);
        if (!finished) {
            job.destroyForcibly();
        }
        String output = Files.readString(log);
        String tail =
                output.lines()
                        .skip(Math.max(0, output.lines().count() - 60))
                        .collect(Collectors.joining("\n"));
        assertThat(finished)
                .as("the job finished within 4 minutes; its output ends:\n%s", tail)
                .isTrue();
        assertThat(job.exitValue()).as("exit code; output ends:\n%s", tail).isZero();
        assertThat(output)
                .contains("factory loaded from file:" + JAR.toAbsolutePath())
                .contains("rows: [+I[1, apple, 0.50], +I[2, plum, 2.00], +I[3, pear, 1.25]]");
    }

    /** Whether a jar on the test class path holds classes the shaded jar bundles. */
    private static boolean bundles(Path jar) throws IOException {
        List<String> bundled = new ArrayList<>(RELOCATED);
        bundled.removeAll(ALSO_FLINKS);
        bundled.add("org/apache/hadoop/");
        bundled.add("com/github/luben/");
        bundled.add("software/amazon/");
        try (JarFile f = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> e = f.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.endsWith(".class") && bundled.stream().anyMatch(name::startsWith)) {
                    return true;
                }
            }
        }
        return false;
    }
}
