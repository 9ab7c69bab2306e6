package io.flinkpersist.blob;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Opens the blob store of a collection from a user-facing location, through the {@link
 * BlobStoreFactory} registered for the location's scheme ({@link ServiceLoader}, keyed by scheme):
 * a local directory (a plain path or a {@code file:} URI) gives a {@link LocalFileBlobStore},
 * {@code hdfs://…} and {@code viewfs://…} a {@link HadoopBlobStore}. A scheme no factory serves
 * goes to {@link HadoopBlobStore} too, which opens those vouched for in the Hadoop configuration
 * and refuses the rest, saying what they lack. Opening a store creates nothing: a store prepares
 * its directories on its first write, so reading needs only read access.
 */
public final class BlobStores {

    /** The scheme of plain paths. */
    private static final String LOCAL_SCHEME = "file";

    private static volatile Map<String, BlobStoreFactory> factories;

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
        String scheme;
        URI root;
        if (!location.contains("://") && !location.startsWith("file:")) {
            scheme = LOCAL_SCHEME;
            root = Paths.get(location).resolve(name).toUri();
        } else {
            URI uri;
            try {
                uri = new URI(location);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(
                        "Invalid location '" + location + "': " + e.getMessage(), e);
            }
            scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals(LOCAL_SCHEME)) {
                root = Path.of(uri).resolve(name).toUri();
            } else {
                String base = location.endsWith("/") ? location : location + "/";
                root = URI.create(base + name);
            }
        }
        BlobStoreFactory factory = factories().get(scheme);
        return (factory != null ? factory : new HadoopBlobStoreFactory()).open(root, hadoopConf);
    }

    /** The schemes a registered factory serves, sorted. */
    public static Set<String> registeredSchemes() {
        return new TreeSet<>(factories().keySet());
    }

    /** The factories on the class path, by scheme; two factories for one scheme are an error. */
    private static Map<String, BlobStoreFactory> factories() {
        Map<String, BlobStoreFactory> loaded = factories;
        if (loaded != null) {
            return loaded;
        }
        Map<String, BlobStoreFactory> bySchema = new HashMap<>();
        for (BlobStoreFactory f :
                ServiceLoader.load(BlobStoreFactory.class, BlobStores.class.getClassLoader())) {
            for (String scheme : f.schemes()) {
                BlobStoreFactory other = bySchema.put(scheme.toLowerCase(Locale.ROOT), f);
                if (other != null && other.getClass() != f.getClass()) {
                    throw new IllegalStateException(
                            "Cannot register blob store factories: "
                                    + other.getClass().getName()
                                    + " and "
                                    + f.getClass().getName()
                                    + " both serve scheme '"
                                    + scheme
                                    + "'; remove one from the class path");
                }
            }
        }
        factories = Map.copyOf(bySchema);
        return factories;
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
