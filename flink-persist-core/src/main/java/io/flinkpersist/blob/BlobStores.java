package io.flinkpersist.blob;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Opens the blob store of a collection from a user-facing location: a local directory (a plain path
 * or a {@code file:} URI) gives a {@link LocalFileBlobStore}; any other scheme ({@code hdfs://…},
 * {@code viewfs://…}) gives a {@link HadoopBlobStore}, which refuses schemes without an atomic
 * put-if-absent. Opening a store creates nothing: a store prepares its directories on its first
 * write, so reading needs only read access.
 */
public final class BlobStores {

    private BlobStores() {}

    /** The store of collection {@code name} under {@code location}. */
    public static BlobStore open(String location, String name) throws IOException {
        return open(location, name, new Configuration());
    }

    /** As {@link #open(String, String)}, with the Hadoop configuration for non-local locations. */
    public static BlobStore open(String location, String name, Configuration hadoopConf)
            throws IOException {
        checkName(name);
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException(
                    "Invalid location '"
                            + location
                            + "': give a directory path, a file: URI or e.g. hdfs://namenode:8020/path");
        }
        if (!location.contains("://") && !location.startsWith("file:")) {
            return new LocalFileBlobStore(Paths.get(location).resolve(name));
        }
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "Invalid location '" + location + "': " + e.getMessage(), e);
        }
        if ("file".equals(uri.getScheme())) {
            return new LocalFileBlobStore(Path.of(uri).resolve(name));
        }
        String base = location.endsWith("/") ? location : location + "/";
        return HadoopBlobStore.open(URI.create(base + name), hadoopConf);
    }

    /** The most collections {@link #collectionsAt} names. */
    private static final int MAX_LISTED = 20;

    /**
     * The names of collections directly under {@code location} (directories holding state records),
     * sorted, at most 20; for messages about a missing collection. Best effort: empty if the
     * location cannot be listed.
     */
    public static List<String> collectionsAt(String location) {
        List<String> names = new ArrayList<>();
        try {
            if (!location.contains("://") && !location.startsWith("file:")) {
                localCollections(Paths.get(location), names);
            } else {
                URI uri = new URI(location);
                if ("file".equals(uri.getScheme())) {
                    localCollections(Path.of(uri), names);
                } else {
                    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(uri);
                    FileSystem fs = dir.getFileSystem(new Configuration());
                    for (FileStatus child : fs.listStatus(dir)) {
                        if (names.size() >= MAX_LISTED) {
                            break;
                        }
                        if (child.isDirectory()
                                && fs.exists(
                                        new org.apache.hadoop.fs.Path(child.getPath(), "state"))) {
                            names.add(child.getPath().getName());
                        }
                    }
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return List.of();
        }
        names.sort(null);
        return names;
    }

    private static void localCollections(Path dir, List<String> out) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                if (out.size() >= MAX_LISTED) {
                    break;
                }
                if (Files.isDirectory(child.resolve("state"))) {
                    out.add(child.getFileName().toString());
                }
            }
        }
    }

    /**
     * Checks a collection name: 1-200 letters, digits, '.', '_' or '-', starting with a letter or
     * digit.
     */
    public static String checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,199}")) {
            throw new IllegalArgumentException(
                    "Invalid collection name '"
                            + name
                            + "': use 1-200 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return name;
    }
}
