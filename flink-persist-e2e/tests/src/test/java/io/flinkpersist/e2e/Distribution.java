package io.flinkpersist.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the build assembled for the tests (failsafe passes the paths as system properties): a Flink
 * distribution's {@code lib/} and {@code opt/}, the user jars, the command-line tool's jar, and
 * where the tests work.
 *
 * @param lib Flink and its logging, one jar per module
 * @param opt the SQL client's jars
 * @param jars the job jar and the shaded SQL connector jar
 * @param cliJar {@code bin/persist}'s runnable jar, with its {@code lib/} beside it
 * @param workRoot one directory per test class below it
 * @param jvmOpts extra JVM options for every process
 */
record Distribution(
        Path lib, Path opt, Path jars, Path cliJar, Path workRoot, List<String> jvmOpts) {

    static Distribution fromSystemProperties() {
        Path home = path("e2e.flink.home");
        return new Distribution(
                home.resolve("lib"),
                home.resolve("opt"),
                path("e2e.jars"),
                path("e2e.cli.jar"),
                path("e2e.work"),
                Arrays.stream(System.getProperty("e2e.jvm.opts", "").trim().split("\\s+"))
                        .filter(s -> !s.isEmpty())
                        .toList());
    }

    private static Path path(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException(
                    "System property "
                            + property
                            + " is not set: run the end-to-end tests through Maven, which assembles"
                            + " the distribution first (mvn verify -pl flink-persist-e2e/tests -am)");
        }
        return Path.of(value).toAbsolutePath().normalize();
    }

    /** The jars of {@code lib/}, sorted by name, as Flink's scripts list them. */
    List<Path> libJars() throws IOException {
        try (Stream<Path> s = Files.list(lib)) {
            List<Path> jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
            if (jars.isEmpty()) {
                throw new IllegalStateException(
                        "No jars in " + lib + ": build the module with mvn package first");
            }
            return jars;
        }
    }

    /** The shaded job jar of flink-persist-e2e-jobs. */
    Path jobJar() {
        return existing(jars.resolve("flink-persist-e2e-jobs.jar"));
    }

    /** The shaded SQL connector jar, flink-sql-connector-persist. */
    Path connectorJar() {
        return existing(jars.resolve("flink-sql-connector-persist.jar"));
    }

    /** A jar of {@code opt/}. */
    Path optJar(String name) {
        return existing(opt.resolve(name + ".jar"));
    }

    static Path existing(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(
                    "Missing " + p + ": build it with mvn verify -pl flink-persist-e2e/tests -am");
        }
        return p;
    }
}
