package io.flinkpersist.blob;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.hadoop.conf.Configuration;

/**
 * Opens the blob store of a collection from a user-facing location: a local directory (a plain
 * path or a {@code file:} URI) gives a {@link LocalFileBlobStore}; any other scheme ({@code
 * hdfs://…}, {@code viewfs://…}) gives a {@link HadoopBlobStore}, which refuses schemes without an
 * atomic put-if-absent.
 */
public final class BlobStores {

    private BlobStores() {}

    /** The store of collection {@code name} under {@code location}. */
    public static BlobStore open(String location, String name) throws IOException {
        return open(location, name, new Configuration());
    }

    /** As {@link #open(String, String)}, with the Hadoop configuration for non-local locations. */
    public static BlobStore open(String location, String name, Configuration hadoopConf) throws IOException {
        checkName(name);
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException(
                    "Invalid location '" + location + "': give a directory path, a file: URI or e.g. hdfs://namenode:8020/path");
        }
        if (!location.contains("://") && !location.startsWith("file:")) {
            return new LocalFileBlobStore(Paths.get(location).resolve(name));
        }
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("Invalid location '" + location + "': " + e.getMessage(), e);
        }
        if ("file".equals(uri.getScheme())) {
            return new LocalFileBlobStore(Path.of(uri).resolve(name));
        }
        String base = location.endsWith("/") ? location : location + "/";
        return HadoopBlobStore.open(URI.create(base + name), hadoopConf);
    }

    /** Checks a collection name: 1-200 letters, digits, '.', '_' or '-', starting with a letter or digit. */
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
