package io.flinkpersist.cli;

import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.BlobStores;
import io.flinkpersist.state.CollectionLayout;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.StateLog;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;

/**
 * The blob store and latest state of a collection that must already exist. Unlike the engine's
 * {@code open}, which creates a missing collection, the CLI never creates one: a typo in a location
 * or name is an error that says what is there instead.
 */
final class ExistingCollection implements AutoCloseable {

    private final String location;
    private final String name;
    private final BlobStore store;
    private final StateLog log;
    private CollectionState state;

    private ExistingCollection(
            String location, String name, BlobStore store, CollectionState state) {
        this.location = location;
        this.name = name;
        this.store = store;
        this.log = new StateLog(store);
        this.state = state;
    }

    /**
     * Opens collection {@code name} under {@code location}.
     *
     * @throws CliException (usage) for an invalid name or location; (failure) if there is no such
     *     collection or its latest state cannot be read
     */
    static ExistingCollection open(String location, String name) {
        try {
            BlobStores.checkName(name);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        if (location == null || location.isBlank()) {
            throw CliException.usage(
                    "Invalid location '"
                            + location
                            + "': give a directory path, a file: URI or e.g. hdfs://namenode:8020/path");
        }
        Optional<Path> local = localDirectory(location);
        if (local.isPresent()) {
            checkLocalCollection(location, name, local.get());
        }
        BlobStore store;
        try {
            store = BlobStores.open(location, name);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        } catch (IOException e) {
            throw CliException.failure(cannotOpen(location, name, Formats.messages(e)), e);
        }
        try {
            Optional<CollectionState> latest = new StateLog(store).readLatest();
            if (latest.isEmpty()) {
                throw CliException.failure(
                        cannotOpen(
                                location,
                                name,
                                "no such collection (no state records in "
                                        + store.describe()
                                        + ")"));
            }
            return new ExistingCollection(location, name, store, latest.get());
        } catch (IOException | RuntimeException e) {
            closeQuietly(store);
            if (e instanceof CliException c) {
                throw c;
            }
            throw CliException.failure(
                    cannotOpen(
                            location,
                            name,
                            "its latest state cannot be read: " + Formats.messages(e)),
                    e);
        }
    }

    private static String cannotOpen(String location, String name, String reason) {
        return "Cannot open collection " + name + " at " + location + ": " + reason;
    }

    /** The local directory of {@code location}, if it is a plain path or a {@code file:} URI. */
    static Optional<Path> localDirectory(String location) {
        if (!location.contains("://") && !location.startsWith("file:")) {
            return Optional.of(Paths.get(location));
        }
        try {
            URI uri = new URI(location);
            return "file".equals(uri.getScheme()) ? Optional.of(Path.of(uri)) : Optional.empty();
        } catch (Exception e) {
            throw CliException.usage("Invalid location '" + location + "': " + e.getMessage());
        }
    }

    /** Checks, without creating anything, that a local collection directory holds state records. */
    private static void checkLocalCollection(String location, String name, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw CliException.failure(
                    cannotOpen(
                            location,
                            name,
                            "no such collection (directory "
                                    + dir.toAbsolutePath()
                                    + " does not exist)"));
        }
        Path stateDir = dir.resolve(name).resolve(CollectionLayout.STATE_PREFIX);
        if (!Files.isDirectory(stateDir)) {
            List<String> present = BlobStores.collectionsAt(location);
            throw CliException.failure(
                    cannotOpen(
                            location,
                            name,
                            "no such collection (no state records under "
                                    + dir.resolve(name).toAbsolutePath()
                                    + (present.isEmpty()
                                            ? "; no collection is there"
                                            : "; collections there: " + String.join(", ", present))
                                    + ")"));
        }
    }

    String location() {
        return location;
    }

    String name() {
        return name;
    }

    BlobStore store() {
        return store;
    }

    StateLog log() {
        return log;
    }

    /** The latest state read so far. */
    CollectionState state() {
        return state;
    }

    /** Reads the newest committed state. */
    CollectionState refresh() throws IOException {
        state = log.readForward(state);
        return state;
    }

    private static void closeQuietly(BlobStore store) {
        try {
            store.close();
        } catch (IOException ignored) {
            // Nothing was written through it.
        }
    }

    @Override
    public void close() {
        closeQuietly(store);
    }
}
