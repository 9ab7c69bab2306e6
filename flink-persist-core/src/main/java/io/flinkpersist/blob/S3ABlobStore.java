package io.flinkpersist.blob;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSDataOutputStreamBuilder;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.PathIsNotEmptyDirectoryException;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.s3a.CredentialInitializationException;
import org.apache.hadoop.util.functional.CallableRaisingIOE;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * A blob store on Amazon S3 (and S3-compatible stores with conditional writes) through Hadoop's S3A
 * filesystem: key {@code a/b} is the object {@code <root>/a/b}. Thread-safe; several instances, in
 * this or other processes, may share one root. {@code s3://} locations are read as {@code s3a://}.
 *
 * <h2>Publishing: a conditional create</h2>
 *
 * Every blob, state record or batch, is written once with S3A's {@code createFile()} and the option
 * {@value #CONDITIONAL_CREATE} (HADOOP-19256): S3A buffers the bytes (on local disk by default),
 * and the object comes into being only when the stream closes, by one {@code PutObject} or, past
 * {@code fs.s3a.multipart.size} (64 MiB by default), by a multipart upload whose {@code
 * CompleteMultipartUpload} carries the condition; both send {@code If-None-Match: *}, so S3 creates
 * the object only if the key is free, atomically. No temporary object and no rename: {@link
 * BlobWriter#publish()} is the close. Closing an unpublished writer aborts the upload.
 *
 * <p>The store refuses to open when the filesystem does not declare both path capabilities {@value
 * #CONDITIONAL_CREATE} and {@value #CREATE_IN_CLOSE}: S3A declares the first only while {@code
 * fs.s3a.create.conditional.enabled} is true (its default), and without it a commit would silently
 * overwrite another's.
 *
 * <h2>What a failed publish means</h2>
 *
 * S3A retries a failed upload itself, so the answer that reaches the store may belong to a retry of
 * a request that did create the object: a {@code 412} then means "I already wrote this", not "it
 * was taken". So every write carries a random write id as object metadata ({@value
 * #WRITE_ID_HEADER}), and a failed publish first reads the key's metadata back: our write id means
 * the blob is published (the publish succeeds), another's means the key was taken ({@link
 * BlobAlreadyExistsException}). If the key holds no object:
 *
 * <ul>
 *   <li>{@code 412 Precondition Failed}: the key was taken (and has since been deleted): {@link
 *       BlobAlreadyExistsException}.
 *   <li>{@code 409 Conflict} (S3 answers it to conditional writes that race), or no answer after
 *       the request may have been sent (a timeout, a lost connection, an interrupt), or a failed
 *       read-back: {@link OutcomeUnknownException}; the caller reads back, and never deletes what
 *       may have been written.
 *   <li>Any other answer from the server, or a failure before anything was sent (connection
 *       refused, unknown host, no credentials): certainly not applied, {@link BlobStoreException}.
 * </ul>
 *
 * Reads, listings and deletes that fail are {@link BlobStoreException}s (a delete is idempotent).
 *
 * <h2>Layout and limits</h2>
 *
 * <ul>
 *   <li>Keys are validated as in {@link HadoopBlobStore}; there is no temporary area.
 *   <li>{@link #list} is one flat, paged S3 listing of the prefix's directory. {@link
 *       BlobInfo#lastModifiedMillis()} is the object's creation time.
 *   <li>An upload abandoned by a crashed writer leaves no object, but its multipart parts stay
 *       billed until aborted: give the bucket a lifecycle rule that aborts incomplete multipart
 *       uploads, or set {@code fs.s3a.multipart.purge}.
 *   <li>{@link #close()} does not close the {@link FileSystem}: Hadoop caches and shares instances.
 * </ul>
 */
public final class S3ABlobStore implements BlobStore {

    /** The location schemes served: {@code s3} is read as {@code s3a}. */
    static final Set<String> SCHEMES = Set.of("s3a", "s3");

    /** Hadoop's option and path capability of a create that fails when the file exists. */
    static final String CONDITIONAL_CREATE =
            Options.CreateFileOptionKeys.FS_OPTION_CREATE_CONDITIONAL_OVERWRITE;

    /** Hadoop's path capability of a create whose file appears only when the stream closes. */
    static final String CREATE_IN_CLOSE = Options.CreateFileOptionKeys.FS_OPTION_CREATE_IN_CLOSE;

    /** S3A's switch for conditional writes, named in the refusal. */
    static final String CONDITIONAL_ENABLED_KEY = "fs.s3a.create.conditional.enabled";

    /** The object metadata holding a write's id ({@code x-amz-meta-persist-write-id}). */
    static final String WRITE_ID_HEADER = "persist-write-id";

    private static final String WRITE_ID_XATTR = "header." + WRITE_ID_HEADER;

    private static final Logger LOG = LoggerFactory.getLogger(S3ABlobStore.class);

    private final FileSystem fs;
    private final Path root;
    private final String location;

    private S3ABlobStore(FileSystem fs, Path root) {
        this.fs = fs;
        this.root = root;
        this.location = root.toString();
    }

    /**
     * Opens the store rooted at {@code root} ({@code s3a://bucket/path} or {@code s3://…}); touches
     * nothing but S3A's own start-up.
     *
     * @throws IllegalArgumentException if the root names no bucket, or the filesystem has no
     *     conditional create
     * @throws BlobStoreException if the filesystem cannot be started
     */
    public static S3ABlobStore open(URI root, Configuration conf) throws IOException {
        Objects.requireNonNull(conf, "conf");
        URI uri = Objects.requireNonNull(root, "root").normalize();
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!SCHEMES.contains(scheme) || uri.getAuthority() == null || uri.isOpaque()) {
            throw new IllegalArgumentException(
                    "Cannot open blob store on S3: the location is not s3a://<bucket>/<path> or"
                            + " s3://<bucket>/<path> (root="
                            + root
                            + ")");
        }
        Path path =
                new Path("s3a", uri.getAuthority(), uri.getPath().isEmpty() ? "/" : uri.getPath());
        FileSystem fs;
        try {
            fs = inOwnClassLoader(() -> path.getFileSystem(conf));
        } catch (IOException | RuntimeException e) {
            throw new BlobStoreException(
                    "Cannot open blob store: S3A did not start: " + e + " (location=" + path + ")",
                    e);
        }
        Path qualified = fs.makeQualified(path);
        if (!hasCapability(fs, qualified, CONDITIONAL_CREATE)
                || !hasCapability(fs, qualified, CREATE_IN_CLOSE)) {
            throw new IllegalArgumentException(noConditionalCreateMessage(qualified));
        }
        return new S3ABlobStore(fs, qualified);
    }

    private static boolean hasCapability(FileSystem fs, Path path, String capability)
            throws IOException {
        try {
            return fs.hasPathCapability(path, capability);
        } catch (IOException e) {
            throw new BlobStoreException(
                    "Cannot open blob store: S3A did not answer whether it has "
                            + capability
                            + ": "
                            + e
                            + " (location="
                            + path
                            + ")",
                    e);
        }
    }

    static String noConditionalCreateMessage(Path root) {
        return "Cannot open blob store on "
                + root
                + ": the filesystem offers no conditional create (the path capability '"
                + CONDITIONAL_CREATE
                + "' is off). Commits need a create that fails when the object exists (S3's"
                + " If-None-Match: *); without it two writers could both commit, one overwriting"
                + " the other. S3A turns it off when '"
                + CONDITIONAL_ENABLED_KEY
                + "' or 'fs.s3a.bucket."
                + root.toUri().getAuthority()
                + ".create.conditional.enabled' is false: set it to true (the default) for a store"
                + " that supports conditional writes (Amazon S3 does; see an S3-compatible store's"
                + " documentation), or use an hdfs:// or local location (location="
                + root
                + ")";
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        return inOwnClassLoader(() -> read(key));
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        try (BlobWriter writer = create(key)) {
            writer.write(data);
            writer.publish();
        }
    }

    @Override
    public BlobWriter create(String key) throws IOException {
        return inOwnClassLoader(() -> startUpload(key));
    }

    @Override
    public BlobReader open(String key) throws IOException {
        return inOwnClassLoader(() -> openReader(key));
    }

    @Override
    public boolean delete(String key) throws IOException {
        return inOwnClassLoader(() -> deleteObject(key));
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        return inOwnClassLoader(() -> listObjects(prefix));
    }

    @Override
    public String describe() {
        return location;
    }

    /** Holds no resources: the {@link FileSystem} is Hadoop's shared, cached instance. */
    @Override
    public void close() {}

    /**
     * Runs a call into S3A with this class's loader as the thread's context class loader. S3A's
     * thread pools belong to the cached filesystem and outlive jobs, and a pool thread inherits the
     * context class loader of the thread that made it; the SDK looks up its XML parser through that
     * loader. Under a Flink job's loader, a later job would find it closed.
     */
    static <T> T inOwnClassLoader(CallableRaisingIOE<T> call) throws IOException {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(S3ABlobStore.class.getClassLoader());
        try {
            return call.apply();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private Optional<byte[]> read(String key) throws IOException {
        Path file = resolve(key);
        try (FSDataInputStream in = fs.open(file)) {
            return Optional.of(in.readAllBytes());
        } catch (IOException e) {
            if (isNotFound(e)) {
                return Optional.empty(); // missing, or a "directory" of other keys
            }
            throw failure("read", key, e);
        }
    }

    private BlobWriter startUpload(String key) throws IOException {
        Path target = resolve(key);
        String writeId = UUID.randomUUID().toString();
        try {
            @SuppressWarnings("unchecked")
            FSDataOutputStreamBuilder<FSDataOutputStream, ?> builder = fs.createFile(target);
            builder.recursive();
            builder.must(CONDITIONAL_CREATE, true);
            // No existence probes (the condition decides) and no directory markers.
            builder.opt("fs.s3a.create.performance", true);
            builder.opt("fs.s3a.create.header." + WRITE_ID_HEADER, writeId);
            return new S3ABlobWriter(key, target, writeId, builder.build());
        } catch (IOException | IllegalArgumentException | UnsupportedOperationException e) {
            throw failure("create", key, e);
        }
    }

    private BlobReader openReader(String key) throws IOException {
        Path file = resolve(key);
        FileStatus status;
        try {
            status = fs.getFileStatus(file);
        } catch (IOException e) {
            if (isNotFound(e)) {
                throw new BlobNotFoundException(key, location);
            }
            throw failure("open", key, e);
        }
        if (!status.isFile()) {
            throw new BlobNotFoundException(key, location);
        }
        return HadoopBlobReader.open(fs, status, key, location);
    }

    private boolean deleteObject(String key) throws IOException {
        Path file = resolve(key);
        try {
            return fs.delete(file, false);
        } catch (IOException e) {
            if (isNotFound(e) || e instanceof PathIsNotEmptyDirectoryException) {
                return false; // missing, or a "directory" of other keys
            }
            throw failure("delete", key, e);
        }
    }

    private List<BlobInfo> listObjects(String prefix) throws IOException {
        int slash = prefix.lastIndexOf('/');
        String directoryKey = slash < 0 ? "" : prefix.substring(0, slash);
        Path directory =
                directoryKey.isEmpty()
                        ? root
                        : HadoopBlobStore.resolveKey(
                                root, location, directoryKey, "list blobs under", prefix);
        String rootPath = root.toUri().getPath();
        String base = rootPath.endsWith("/") ? rootPath : rootPath + "/";
        List<BlobInfo> out = new ArrayList<>();
        try {
            RemoteIterator<LocatedFileStatus> files = fs.listFiles(directory, true);
            while (files.hasNext()) {
                LocatedFileStatus file = files.next();
                String path = file.getPath().toUri().getPath();
                if (!path.startsWith(base)) {
                    continue; // the root itself, were it an object
                }
                String key = path.substring(base.length());
                if (key.startsWith(prefix)) {
                    out.add(new BlobInfo(key, file.getLen(), file.getModificationTime()));
                }
            }
        } catch (IOException e) {
            if (!isNotFound(e)) {
                throw BlobStoreException.cannotList(prefix, location, e);
            }
        }
        out.sort(Comparator.comparing(BlobInfo::key));
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // What a failed publish means

    /** How a failed publish ended, before reading back: by the answer S3 gave, if any. */
    static PublishFailure classify(IOException e) {
        int status = statusCode(e);
        if (status == 412) {
            return PublishFailure.ALREADY_EXISTS;
        }
        if (status == 409) {
            return PublishFailure.UNKNOWN;
        }
        if (status > 0 || neverSent(e)) {
            return PublishFailure.NOT_APPLIED;
        }
        return PublishFailure.UNKNOWN;
    }

    /** The HTTP status of the server's answer in the cause chain, or -1 without an answer. */
    static int statusCode(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SdkServiceException service && service.statusCode() > 0) {
                return service.statusCode();
            }
        }
        return -1;
    }

    /** Whether the failure happened before any request could reach the server. */
    private static boolean neverSent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException
                    || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException
                    || t instanceof CredentialInitializationException
                    || t.getClass().getSimpleName().equals("ConnectTimeoutException")) {
                return true;
            }
        }
        return false;
    }

    /**
     * After a failed publish of {@code key} by the write {@code writeId}: returns if the object is
     * that write's (the publish succeeded), else throws what the failure means.
     */
    void resolvePublishFailure(String key, String writeId, IOException e) throws IOException {
        PublishFailure failure = classify(e);
        Optional<String> holder;
        try {
            holder = writeIdOf(resolve(key));
        } catch (IOException readBack) {
            e.addSuppressed(readBack);
            if (failure == PublishFailure.NOT_APPLIED) {
                throw failure("publish", key, e);
            }
            throw outcomeUnknown(key, e);
        }
        if (holder.isPresent()) {
            if (holder.get().equals(writeId)) {
                LOG.debug(
                        "Publish of {} failed after it took effect (a retried request): {}",
                        key,
                        e.toString());
                return;
            }
            throw new BlobAlreadyExistsException(key, location);
        }
        switch (failure) {
            case ALREADY_EXISTS:
                throw new BlobAlreadyExistsException(key, location);
            case UNKNOWN:
                throw outcomeUnknown(key, e);
            default:
                throw failure("publish", key, e);
        }
    }

    /**
     * The write id the object at {@code target} carries: empty if there is no object; a blank id if
     * it carries none (written by something else).
     */
    private Optional<String> writeIdOf(Path target) throws IOException {
        try {
            byte[] id = fs.getXAttr(target, WRITE_ID_XATTR);
            return Optional.of(id == null ? "" : new String(id, StandardCharsets.UTF_8));
        } catch (IOException e) {
            if (isNotFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    private Path resolve(String key) {
        return HadoopBlobStore.resolveKey(root, location, key, "use key", key);
    }

    private static boolean isNotFound(IOException e) {
        return e instanceof FileNotFoundException;
    }

    /**
     * A failure that certainly did not apply; the cause's message says what the filesystem said.
     */
    private BlobStoreException failure(String verb, String key, Exception cause) {
        return new BlobStoreException(
                "Cannot " + verb + " blob " + key + ": " + cause + " (location=" + location + ")",
                cause);
    }

    private OutcomeUnknownException outcomeUnknown(String key, IOException cause) {
        return new OutcomeUnknownException(
                "Cannot publish blob "
                        + key
                        + ": the upload failed without a definite answer, so the blob may or may"
                        + " not exist now: "
                        + cause
                        + " (location="
                        + location
                        + ")",
                cause);
    }

    // ---------------------------------------------------------------------------------------------
    // Writer

    /**
     * Writes into S3A's upload stream; {@link #publish()} closes it, which uploads what is left and
     * creates the object under its condition. Closing without publishing aborts the upload.
     */
    private final class S3ABlobWriter extends StagedStreamWriter {
        private final Path target;
        private final String writeId;

        S3ABlobWriter(String key, Path target, String writeId, FSDataOutputStream out) {
            super(key, location, out);
            this.target = target;
            this.writeId = writeId;
        }

        @Override
        void stage(int b) throws IOException {
            inOwnClassLoader(
                    () -> {
                        super.stage(b);
                        return null;
                    });
        }

        @Override
        void stage(byte[] b, int off, int len) throws IOException {
            inOwnClassLoader(
                    () -> {
                        super.stage(b, off, len);
                        return null;
                    });
        }

        @Override
        void flushStaged() {
            // S3A uploads whole blocks as they fill; there is nothing to flush before the close.
        }

        @Override
        void syncAndClose() {
            // The close is the publish: see publishStaged().
        }

        @Override
        void publishStaged() throws IOException {
            inOwnClassLoader(
                    () -> {
                        try {
                            out.close();
                        } catch (IOException e) {
                            resolvePublishFailure(key(), writeId, e);
                        }
                        return null;
                    });
        }

        @Override
        void discard() {
            try {
                inOwnClassLoader(
                        () -> {
                            out.abort();
                            out.close();
                            return null;
                        });
            } catch (IOException | RuntimeException e) {
                LOG.debug("Cannot abort the upload of {}: {}", target, e.toString());
            }
        }

        @Override
        BlobStoreException failure(String verb, Exception cause) {
            return S3ABlobStore.this.failure(verb, key(), cause);
        }
    }
}
