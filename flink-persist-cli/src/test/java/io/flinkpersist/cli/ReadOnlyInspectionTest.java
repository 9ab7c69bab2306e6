package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code info}, {@code validate} and {@code dump} only read: they leave a collection's directory
 * exactly as it was (no file or directory created, none touched), and they work on a directory the
 * user cannot write. The second part needs a user whom permissions bind (not root); the first holds
 * for everyone and fails if anything writes, a probe included.
 */
class ReadOnlyInspectionTest {

    @TempDir Path dir;

    /** Every path under {@code root} with its modification time, directories included. */
    private static Map<String, FileTime> tree(Path root) throws IOException {
        Map<String, FileTime> out = new TreeMap<>();
        Files.walkFileTree(
                root,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                        out.put(root.relativize(d) + "/", attrs.lastModifiedTime());
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                        out.put(root.relativize(f).toString(), attrs.lastModifiedTime());
                        return FileVisitResult.CONTINUE;
                    }
                });
        return out;
    }

    private static void setWritable(Path root, boolean writable) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                boolean directory = Files.isDirectory(p);
                String perms =
                        writable
                                ? (directory ? "rwx------" : "rw-------")
                                : (directory ? "r-x------" : "r--------");
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
            }
        }
    }

    /** Whether permissions bind this process: root's writes succeed whatever the mode bits say. */
    private static boolean permissionsBind(Path scratch) throws IOException {
        Path probe = Files.createDirectory(scratch.resolve("permission-probe"));
        Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("r-x------"));
        try {
            Files.createFile(probe.resolve("x"));
            return false;
        } catch (IOException e) {
            return true;
        } finally {
            Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rwx------"));
        }
    }

    private static void inspect(Path location) {
        Cli info = Cli.run("info", location, TestingCollection.NAME);
        assertThat(info.exitCode()).as("info: %s", info.err()).isEqualTo(ExitCodes.OK);
        Cli validate = Cli.run("validate", location, TestingCollection.NAME);
        assertThat(validate.exitCode())
                .as("validate: %s%s", validate.out(), validate.err())
                .isEqualTo(ExitCodes.OK);
        Cli dump = Cli.run("dump", location, TestingCollection.NAME);
        assertThat(dump.exitCode()).as("dump: %s", dump.err()).isEqualTo(ExitCodes.OK);
        assertThat(dump.out()).contains("key-");
    }

    @Test
    void inspectionCreatesAndTouchesNothing() throws Exception {
        Path location = dir.resolve("data");
        TestingCollection.write(location, 11, false);
        Path collection = location.resolve(TestingCollection.NAME);
        // A collection copied without its temp area (or never written to since) must stay without
        // it.
        try (Stream<Path> temp = Files.walk(collection.resolve(".tmp"))) {
            temp.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Map<String, FileTime> before = tree(location);
        Thread.sleep(20); // so a touched file or directory would show a new modification time

        inspect(location);

        assertThat(tree(location))
                .as("the location after info, validate and dump")
                .isEqualTo(before);
    }

    @Test
    void inspectionWorksWithoutWriteAccess() throws Exception {
        Assumptions.assumeTrue(
                permissionsBind(dir),
                "this user writes regardless of permissions (root): covered by inspectionCreatesAndTouchesNothing");
        Path location = dir.resolve("data");
        TestingCollection.write(location, 12, false);
        setWritable(location, false);
        try {
            inspect(location);
        } finally {
            setWritable(location, true);
        }
    }
}
