package io.flinkpersist.blob;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.PathIsNotEmptyDirectoryException;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.ipc.RemoteException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A blob store over a Hadoop {@link FileSystem}, rooted at a directory: key {@code a/b/c} is the
 * file {@code <root>/a/b/c}. Thread-safe; several instances, in this or other processes, may share
 * one root.
 *
 * <h2>Which filesystems</h2>
 *
 * Commits are compare-and-set by put-if-absent, so the store needs a create that atomically fails
 * when the key exists. Hadoop offers no such create for a finished file, so every write goes to a
 * temp file and is then published by {@link FileContext#rename(Path, Path, Options.Rename...)} with
 * {@link Options.Rename#NONE}:
 *
 * <ul>
 *   <li>{@code hdfs}, {@code viewfs}: a single NameNode operation that fails with {@link
 *       FileAlreadyExistsException} when the target exists. Plain {@link FileSystem#rename(Path,
 *       Path)} is never used: it returns {@code false} on an existing file but <i>moves the source
 *       into</i> an existing directory. With {@code viewfs} the whole root, {@code .tmp/} included,
 *       must lie in one mount point whose target is HDFS.
 *   <li>{@code file} is refused: Hadoop's local rename replaces. Local directories are served by
 *       {@link LocalFileBlobStore}, which {@link BlobStores} picks for plain paths and {@code
 *       file:} URIs.
 *   <li>Any other scheme is refused at construction with an {@link IllegalArgumentException}: an
 *       object store ({@code gs}, {@code abfs}, ...) has no atomic rename-without-replace and would
 *       need a conditional create (create-if-absent that fails when the object exists), which this
 *       store does not use; {@code s3a} and {@code s3} are served by {@link S3ABlobStore}, which
 *       does. A scheme that does give atomic rename-without-replace through {@link FileContext}
 *       (for example {@code abfs} with a hierarchical namespace) can be vouched for in the
 *       configuration key {@value #ATOMIC_RENAME_SCHEMES_KEY} (comma-separated schemes); it is then
 *       published like {@code hdfs}. Vouch with care: for a filesystem that does not implement
 *       {@code rename(src, dst, Rename.NONE)} itself, Hadoop falls back to check-then-rename, which
 *       is not atomic, and two racing commits could both "win".
 * </ul>
 *
 * <h2>Writes</h2>
 *
 * <ol>
 *   <li>The bytes go to {@code <root>/.tmp/<uuid>.tmp}, created with {@link CreateFlag#SYNC_BLOCK}
 *       (HDFS then syncs every finished block to disk, not only the last one). The first write
 *       creates the root and its temp area; opening the store touches nothing.
 *   <li>{@code hsync()} (HDFS: the DataNodes fsync the last block), then {@code close()} (HDFS: the
 *       NameNode completes the file). A stream without the {@code hsync} capability (some
 *       vouched-for schemes) is only flushed, and close is its durability point.
 *   <li>The target's parent directory is created ({@code mkdirs}).
 *   <li>The temp file is published under the key with rename {@code NONE}.
 * </ol>
 *
 * <p>A failure in steps 1–3 certainly did not apply: {@link BlobStoreException}, the temp file is
 * deleted. In step 4, a target that exists gives {@link BlobAlreadyExistsException} (a {@link
 * org.apache.hadoop.ipc.RemoteException} is unwrapped with {@code unwrapRemoteException()} first);
 * a target that is a directory of other keys gives a plain {@link BlobStoreException}; any other
 * answer from the server (a {@code RemoteException} anywhere in the cause chain) certainly did not
 * apply either. A failure without an answer (a timeout, a lost connection, an interrupt) leaves the
 * rename's outcome unknown: {@link OutcomeUnknownException}, and the temp file is left for garbage
 * collection.
 *
 * <h2>Layout and limits</h2>
 *
 * <ul>
 *   <li>Keys are validated as in {@link LocalFileBlobStore} ({@code /}-separated relative paths: no
 *       empty, {@code .} or {@code ..} segment, no leading {@code /}, no {@code \} or NUL, not
 *       under the reserved {@code .tmp/}) and may not contain {@code :}, which Hadoop paths
 *       reserve.
 *   <li>{@code <root>/.tmp/} is never listed. {@link #listTemporaryFiles()} and {@link
 *       #deleteTemporaryFile} let garbage collection remove leftovers older than a grace period. On
 *       HDFS a file that is still being written reports its creation time until it is closed, so
 *       the grace period must exceed the longest write; deleting a live temp file makes its publish
 *       fail cleanly ({@link BlobStoreException}), never corrupts a blob.
 *   <li>A key cannot be both a blob and a directory (a {@link BlobStoreException} names the
 *       conflict). Directories are never removed.
 *   <li>{@link BlobInfo#lastModifiedMillis()} is the file's modification time: on HDFS when the
 *       temp file was closed (a rename keeps it).
 *   <li>{@link #close()} does not close the {@link FileSystem}: Hadoop caches and shares instances.
 * </ul>
 *
 * <p>The class runs a little over the house's 600 lines: its writer is private because the publish
 * protocol and its failure classes span both, and a sixth of it is this description.
 */
public final class HadoopBlobStore implements BlobStore, TemporaryFiles {

    /**
     * Configuration key: comma-separated schemes, besides {@code hdfs}, {@code viewfs} and {@code
     * file}, whose {@link FileContext} rename with {@link Options.Rename#NONE} the user vouches is
     * atomic and never replaces.
     */
    public static final String ATOMIC_RENAME_SCHEMES_KEY =
            "flink-persist.blob.atomic-rename-schemes";

    /** Schemes published by an atomic rename-without-replace. */
    static final Set<String> RENAME_SCHEMES = Set.of("hdfs", "viewfs");

    /** The scheme of local directories, which {@link LocalFileBlobStore} serves. */
    static final String LOCAL_SCHEME = "file";

    private static final Logger LOG = LoggerFactory.getLogger(HadoopBlobStore.class);

    private static final String TEMP_DIRECTORY = LocalFileBlobStore.TEMP_DIRECTORY;
    private static final String TEMP_SUFFIX = ".tmp";

    private final FileSystem fs;
    private final Path root;
    private final Path tempDirectory;
    private final String location;
    private final FsPermission filePermission;
    private final int bufferSize;

    /** Publishes by rename {@code NONE}. */
    private final FileContext renamer;

    /** Whether the root and its temp area were created by this instance's first write. */
    private volatile boolean prepared;

    /** Parent directories known to exist (and locally, to be durable); cleared on a surprise. */
    private final Set<String> knownDirectories = ConcurrentHashMap.newKeySet();

    /**
     * Opens the store rooted at {@code rootUri} (created by the first write), e.g. {@code
     * hdfs://namenode:8020/persist/orders}. A URI without a scheme uses {@code fs.defaultFS}.
     *
     * @throws IllegalArgumentException if the scheme has no atomic put-if-absent (see the class
     *     description) or the URI is not a valid path
     * @throws BlobStoreException if the filesystem cannot be reached
     */
    public HadoopBlobStore(String rootUri, Configuration conf) throws IOException {
        this(parse(rootUri), conf);
    }

    /**
     * As {@link #HadoopBlobStore(String, Configuration)}, from a URI whose path is already encoded
     * (as {@code java.nio.file.Path.toUri()} gives it).
     */
    public static HadoopBlobStore open(URI root, Configuration conf) throws IOException {
        // Through the three-part constructor, which decodes nothing twice and drops a trailing '/'.
        URI normalized = Objects.requireNonNull(root, "root").normalize();
        return new HadoopBlobStore(
                normalized.isOpaque()
                        ? parse(normalized.toString())
                        : new Path(
                                normalized.getScheme(),
                                normalized.getAuthority(),
                                normalized.getPath()),
                conf);
    }

    private HadoopBlobStore(Path requested, Configuration conf) throws IOException {
        Objects.requireNonNull(conf, "conf");
        String rootUri = requested.toString();
        String scheme = schemeOf(requested, conf);
        if (scheme.equals(LOCAL_SCHEME)) {
            throw new IllegalArgumentException(
                    "Cannot open blob store on scheme 'file' through Hadoop: Hadoop's local rename"
                            + " replaces, so it cannot publish; a local directory is served by"
                            + " LocalFileBlobStore (give BlobStores a plain path or a file: URI)"
                            + " (root="
                            + rootUri
                            + ")");
        }
        if (!RENAME_SCHEMES.contains(scheme) && !vouchedSchemes(conf).contains(scheme)) {
            throw new IllegalArgumentException(unsupportedSchemeMessage(scheme, rootUri));
        }
        FileSystem fileSystem;
        try {
            fileSystem = requested.getFileSystem(conf);
        } catch (IOException e) {
            throw new BlobStoreException(
                    "Cannot open blob store: " + e + " (location=" + rootUri + ")", e);
        }
        this.fs = fileSystem;
        this.root = fs.makeQualified(requested);
        this.location = root.toString();
        this.tempDirectory = new Path(root, TEMP_DIRECTORY);
        this.filePermission = FsPermission.getFileDefault().applyUMask(FsPermission.getUMask(conf));
        this.bufferSize = conf.getInt("io.file.buffer.size", 4096);
        {
            try {
                this.renamer = FileContext.getFileContext(root.toUri(), conf);
            } catch (UnsupportedFileSystemException e) {
                throw new IllegalArgumentException(
                        "Cannot open blob store on scheme '"
                                + scheme
                                + "': publishing renames through "
                                + "Hadoop's FileContext, which has no AbstractFileSystem for this scheme; "
                                + "set 'fs.AbstractFileSystem."
                                + scheme
                                + ".impl' (location="
                                + location
                                + ")",
                        e);
            }
        }
    }

    /**
     * Before the first write: creates the root and its temp area (locally, durably). Opening the
     * store touches nothing, so that reading needs only read access.
     *
     * @throws BlobStoreException if they cannot be created
     */
    private void prepareForWrites() throws IOException {
        if (prepared) {
            return;
        }
        synchronized (this) {
            if (prepared) {
                return;
            }
            try {
                if (!fs.mkdirs(tempDirectory)) {
                    throw new IOException("mkdirs returned false for " + tempDirectory);
                }
            } catch (IOException e) {
                throw new BlobStoreException(
                        "Cannot write to blob store: " + e + " (location=" + location + ")", e);
            }
            prepared = true;
        }
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        Path file = resolve(key);
        try (FSDataInputStream in = fs.open(file, bufferSize)) {
            return Optional.of(in.readAllBytes());
        } catch (IOException e) {
            if (isNotFound(e)) {
                return Optional.empty(); // missing, or a directory of other keys
            }
            throw failure("read", key, e);
        }
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        Path target = resolve(key);
        // A cheap early answer for certain losers; the publish below is what decides.
        FileStatus existing = statusOrNull(target, "create", key);
        if (existing != null) {
            throw alreadyExists(key, existing.isDirectory());
        }
        try (BlobWriter writer = create(key)) {
            writer.write(data);
            writer.publish();
        }
    }

    @Override
    public BlobWriter create(String key) throws IOException {
        Path target = resolve(key);
        prepareForWrites();
        Path temp = new Path(tempDirectory, UUID.randomUUID() + TEMP_SUFFIX);
        try {
            FSDataOutputStream out =
                    fs.create(
                            temp,
                            filePermission,
                            EnumSet.of(CreateFlag.CREATE, CreateFlag.SYNC_BLOCK),
                            bufferSize,
                            fs.getDefaultReplication(temp),
                            fs.getDefaultBlockSize(temp),
                            null);
            return new HadoopBlobWriter(key, target, temp, out);
        } catch (IOException e) {
            throw failure("create", key, e);
        }
    }

    @Override
    public BlobReader open(String key) throws IOException {
        Path file = resolve(key);
        FileStatus status = statusOrNull(file, "open", key);
        if (status == null || !status.isFile()) {
            throw new BlobNotFoundException(key, location);
        }
        return HadoopBlobReader.open(fs, status, key, location);
    }

    @Override
    public boolean delete(String key) throws IOException {
        Path file = resolve(key);
        FileStatus status = statusOrNull(file, "delete", key);
        if (status == null || status.isDirectory()) {
            return false; // missing, or a directory of other keys
        }
        try {
            return fs.delete(file, false);
        } catch (IOException e) {
            if (isNotFound(e) || unwrap(e) instanceof PathIsNotEmptyDirectoryException) {
                return false;
            }
            throw failure("delete", key, e);
        }
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        int slash = prefix.lastIndexOf('/');
        String directoryKey = slash < 0 ? "" : prefix.substring(0, slash);
        Path start =
                directoryKey.isEmpty() ? root : resolve(directoryKey, "list blobs under", prefix);
        List<BlobInfo> out = new ArrayList<>();
        try {
            walk(start, directoryKey, prefix, out);
        } catch (IOException e) {
            throw BlobStoreException.cannotList(prefix, location, e);
        }
        out.sort(Comparator.comparing(BlobInfo::key));
        return out;
    }

    /**
     * Adds the files under {@code dir} whose keys start with {@code prefix}, pruning other
     * subtrees.
     */
    private void walk(Path dir, String dirKey, String prefix, List<BlobInfo> out)
            throws IOException {
        Path bareDir = Path.getPathWithoutSchemeAndAuthority(dir);
        try {
            RemoteIterator<FileStatus> children = fs.listStatusIterator(dir);
            while (children.hasNext()) {
                FileStatus child = children.next();
                if (Path.getPathWithoutSchemeAndAuthority(child.getPath()).equals(bareDir)) {
                    continue; // listing a file returns the file itself: it has no children
                }
                String name = child.getPath().getName();
                String key = dirKey.isEmpty() ? name : dirKey + "/" + name;
                if (child.isDirectory()) {
                    String subtree = key + "/";
                    boolean temp = dirKey.isEmpty() && name.equals(TEMP_DIRECTORY);
                    if (!temp && (subtree.startsWith(prefix) || prefix.startsWith(subtree))) {
                        walk(child.getPath(), key, prefix, out);
                    }
                } else if (child.isFile() && key.startsWith(prefix)) {
                    out.add(new BlobInfo(key, child.getLen(), child.getModificationTime()));
                }
            }
        } catch (IOException e) {
            if (!isNotFound(e)) { // missing, or deleted while we walk
                throw e;
            }
        }
    }

    @Override
    public String describe() {
        return location;
    }

    /** Holds no resources: the {@link FileSystem} is Hadoop's shared, cached instance. */
    @Override
    public void close() {}

    /**
     * The files in the temp area, sorted by name: writes in progress in this or another process,
     * and leftovers of crashed ones. {@link BlobInfo#key()} is the file's name inside {@code
     * .tmp/}, to pass to {@link #deleteTemporaryFile}.
     */
    @Override
    public List<BlobInfo> listTemporaryFiles() throws IOException {
        List<BlobInfo> out = new ArrayList<>();
        try {
            for (FileStatus status : fs.listStatus(tempDirectory)) {
                if (status.isFile()) {
                    out.add(
                            new BlobInfo(
                                    status.getPath().getName(),
                                    status.getLen(),
                                    status.getModificationTime()));
                }
            }
        } catch (IOException e) {
            if (isNotFound(e)) {
                return out;
            }
            throw new BlobStoreException(
                    "Cannot list temporary files: " + e + " (location=" + location + ")", e);
        }
        out.sort(Comparator.comparing(BlobInfo::key));
        return out;
    }

    /**
     * Deletes one file of the temp area, named as {@link #listTemporaryFiles()} names it; returns
     * whether it existed. Deleting a write in progress makes its publish fail; it never affects a
     * published blob.
     */
    @Override
    public boolean deleteTemporaryFile(String name) throws IOException {
        if (name == null
                || name.isEmpty()
                || name.equals(".")
                || name.equals("..")
                || name.indexOf('/') >= 0
                || name.indexOf('\\') >= 0
                || name.indexOf(':') >= 0) {
            throw new IllegalArgumentException(
                    "Cannot delete temporary file '"
                            + name
                            + "': not a file name as listed by "
                            + "listTemporaryFiles() (location="
                            + location
                            + ")");
        }
        try {
            return fs.delete(new Path(tempDirectory, name), false);
        } catch (IOException e) {
            if (isNotFound(e)) {
                return false;
            }
            throw new BlobStoreException(
                    "Cannot delete temporary file "
                            + name
                            + ": "
                            + e
                            + " (location="
                            + location
                            + ")",
                    e);
        }
    }

    /** The directory of writes in progress. */
    public Path temporaryDirectory() {
        return tempDirectory;
    }

    // ---------------------------------------------------------------------------------------------
    // Publishing

    /**
     * Publishes a synced, closed temp file under {@code target} without replacing anything. The
     * temp name is gone afterwards, unless the outcome is unknown.
     */
    private void publish(String key, Path temp, Path target) throws IOException {
        Path parent = target.getParent();
        if (!parent.equals(root) && !knownDirectories.contains(parent.toString())) {
            try {
                if (!fs.mkdirs(parent)) {
                    throw new IOException("mkdirs returned false for " + parent);
                }
            } catch (IOException e) {
                deleteTemp(temp);
                IOException cause = unwrap(e);
                if (cause instanceof FileAlreadyExistsException
                        || cause instanceof ParentNotDirectoryException) {
                    throw parentIsABlob(key, e);
                }
                throw failure("publish", key, e);
            }
            knownDirectories.add(parent.toString());
        }
        try {
            renamer.rename(temp, target, Options.Rename.NONE);
        } catch (IOException e) {
            switch (classifyRenameFailure(e)) {
                case ALREADY_EXISTS:
                    deleteTemp(temp);
                    throw alreadyExists(key, isDirectory(target));
                case NOT_APPLIED:
                    deleteTemp(temp);
                    knownDirectories.clear(); // maybe a directory was removed behind our back
                    if (isDirectory(target)) {
                        throw alreadyExists(key, true);
                    }
                    if (unwrap(e) instanceof ParentNotDirectoryException) {
                        throw parentIsABlob(key, e);
                    }
                    throw failure("publish", key, e);
                default:
                    throw new OutcomeUnknownException(
                            "Cannot publish blob "
                                    + key
                                    + ": the rename failed without an answer, so "
                                    + "the blob may or may not exist now: "
                                    + e
                                    + " (location="
                                    + location
                                    + ")",
                            e);
            }
        }
    }

    /** What a failed rename {@code NONE} means for the blob. */
    static PublishFailure classifyRenameFailure(IOException e) {
        IOException cause = unwrap(e);
        if (cause instanceof FileAlreadyExistsException) {
            return PublishFailure.ALREADY_EXISTS;
        }
        if (cause instanceof FileNotFoundException
                || cause instanceof ParentNotDirectoryException
                || answeredByServer(e)) {
            return PublishFailure.NOT_APPLIED;
        }
        return PublishFailure.UNKNOWN;
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    private static Path parse(String rootUri) {
        Objects.requireNonNull(rootUri, "rootUri");
        try {
            return new Path(rootUri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Cannot open blob store: the root is not a valid Hadoop path ("
                            + e.getMessage()
                            + ") (root="
                            + rootUri
                            + ")",
                    e);
        }
    }

    private static String schemeOf(Path requested, Configuration conf) {
        String scheme = requested.toUri().getScheme();
        if (scheme == null) {
            scheme = FileSystem.getDefaultUri(conf).getScheme();
        }
        return scheme == null ? LOCAL_SCHEME : scheme.toLowerCase(Locale.ROOT);
    }

    private static Set<String> vouchedSchemes(Configuration conf) {
        Set<String> schemes = new TreeSet<>();
        for (String s : conf.getTrimmedStringCollection(ATOMIC_RENAME_SCHEMES_KEY)) {
            schemes.add(s.toLowerCase(Locale.ROOT));
        }
        return schemes;
    }

    static String unsupportedSchemeMessage(String scheme, String rootUri) {
        return "Cannot open blob store on scheme '"
                + scheme
                + "': it has no atomic put-if-absent. Commits need a create that fails when the"
                + " key exists, and a blob must appear whole: an atomic rename that refuses to"
                + " replace (hdfs, viewfs), a hard link (file), or an object store's conditional"
                + " create whose object appears when the upload completes (s3a and s3, through"
                + " S3A's If-None-Match: *). "
                + OTHER_STORES.getOrDefault(
                        scheme, "No Hadoop filesystem of this scheme declares such a create.")
                + " Use an s3a://, hdfs:// or local location, or, if '"
                + scheme
                + "' does give atomic rename-without-replace, add it to the comma-separated"
                + " Configuration key '"
                + ATOMIC_RENAME_SCHEMES_KEY
                + "' (root="
                + rootUri
                + ")";
    }

    private static final String ABFS =
            "ABFS's create-if-absent is conditional but makes the file visible, empty, when the"
                    + " stream opens, so a reader could see half a blob; with a hierarchical"
                    + " namespace its rename refuses to replace atomically, which is what this"
                    + " store can use if vouched for.";

    private static final String WASB =
            "The legacy Azure Blob filesystem's rename copies and deletes; use abfs.";

    /** What the refusal says about the object stores users ask for most. */
    private static final Map<String, String> OTHER_STORES =
            Map.of(
                    "gs",
                    "Google Cloud Storage's Hadoop connector offers neither: its rename copies and"
                            + " deletes, and it does not declare Hadoop's conditional create"
                            + " ('fs.option.create.conditional.overwrite', which only S3A offers"
                            + " in Hadoop 3.4).",
                    "abfs",
                    ABFS,
                    "abfss",
                    ABFS,
                    "wasb",
                    WASB,
                    "wasbs",
                    WASB);

    /** A RemoteException turned into the exception the server threw; anything else unchanged. */
    static IOException unwrap(IOException e) {
        return e instanceof RemoteException remote ? remote.unwrapRemoteException() : e;
    }

    /**
     * Whether the server answered: unwrapped exceptions keep the RemoteException as their cause.
     */
    private static boolean answeredByServer(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RemoteException) {
                return true;
            }
        }
        return false;
    }

    static boolean isNotFound(IOException e) {
        return unwrap(e) instanceof FileNotFoundException;
    }

    private FileStatus statusOrNull(Path file, String verb, String key) throws IOException {
        try {
            return fs.getFileStatus(file);
        } catch (IOException e) {
            if (isNotFound(e)) {
                return null;
            }
            throw failure(verb, key, e);
        }
    }

    /** Whether {@code path} is a directory; false if that cannot be learned. */
    private boolean isDirectory(Path path) {
        try {
            return fs.getFileStatus(path).isDirectory();
        } catch (IOException e) {
            return false;
        }
    }

    private void deleteTemp(Path temp) {
        try {
            fs.delete(temp, false);
        } catch (IOException e) {
            LOG.warn(
                    "Cannot delete temp file {}: {}; garbage collection will retry",
                    temp,
                    e.toString());
        }
    }

    /**
     * A failure that certainly did not apply; the cause's message says what the filesystem said.
     */
    private BlobStoreException failure(String verb, String key, Exception cause) {
        return new BlobStoreException(
                "Cannot " + verb + " blob " + key + ": " + cause + " (location=" + location + ")",
                cause);
    }

    private BlobStoreException alreadyExists(String key, boolean isDirectory) {
        if (isDirectory) {
            return new BlobStoreException(
                    "Cannot publish blob "
                            + key
                            + ": the key is a directory holding other keys "
                            + "(location="
                            + location
                            + ")");
        }
        return new BlobAlreadyExistsException(key, location);
    }

    private BlobStoreException parentIsABlob(String key, Exception cause) {
        return new BlobStoreException(
                "Cannot publish blob "
                        + key
                        + ": one of its parents is a blob, not a directory "
                        + "(location="
                        + location
                        + ")",
                cause);
    }

    private Path resolve(String key) {
        return resolve(key, "use key", key);
    }

    private Path resolve(String key, String verb, String subject) {
        return resolveKey(root, location, key, verb, subject);
    }

    /**
     * Validates a key and maps it to its path under {@code root}; {@code verb} and {@code subject}
     * shape the message.
     */
    static Path resolveKey(Path root, String location, String key, String verb, String subject) {
        String reason = LocalFileBlobStore.invalidKeyReason(key);
        if (reason == null && key.indexOf(':') >= 0) {
            reason = "the key contains ':', which Hadoop paths reserve";
        }
        if (reason != null) {
            throw new IllegalArgumentException(
                    "Cannot "
                            + verb
                            + " '"
                            + subject
                            + "': "
                            + reason
                            + "; keys are relative paths like 'state/00000000000000000001' (location="
                            + location
                            + ")");
        }
        return new Path(root, key);
    }

    // ---------------------------------------------------------------------------------------------
    // Writer and reader

    /**
     * Writes into a temp file; {@link #publish()} syncs and closes it, then publishes it. Locally
     * the file is written through a {@link FileChannel} (then {@code channel} is set), elsewhere
     * through the filesystem's {@link FSDataOutputStream}.
     */
    private final class HadoopBlobWriter extends StagedStreamWriter {
        private final Path target;
        private final Path temp;

        HadoopBlobWriter(String key, Path target, Path temp, FSDataOutputStream out) {
            super(key, location, out);
            this.target = target;
            this.temp = temp;
        }

        @Override
        void flushStaged() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw failure("write", e);
            }
        }

        @Override
        void syncAndClose() throws IOException {
            if (out.hasCapability(StreamCapabilities.HSYNC)) {
                out.hsync();
            } else {
                out.flush(); // close below is the durability point of such a stream
            }
            out.close();
        }

        @Override
        void publishStaged() throws IOException {
            HadoopBlobStore.this.publish(key(), temp, target);
        }

        @Override
        void discard() {
            try {
                out.close();
            } catch (IOException e) {
                LOG.debug("Cannot close temp file {}: {}", temp, e.toString());
            }
            deleteTemp(temp);
        }

        @Override
        BlobStoreException failure(String verb, Exception cause) {
            return HadoopBlobStore.this.failure(verb, key(), cause);
        }
    }
}
