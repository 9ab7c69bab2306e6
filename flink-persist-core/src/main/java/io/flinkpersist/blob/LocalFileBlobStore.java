package io.flinkpersist.blob;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A blob store in a directory of the local filesystem: the embedded default. Key {@code a/b/c} is
 * the file {@code <root>/a/b/c}. Thread-safe; several instances, in this or other processes, may
 * share one root.
 *
 * <h2>Writes</h2>
 *
 * Every write (a {@link #putIfAbsent} or a {@link #create streamed} one) goes to a fresh file
 * {@code <root>/.tmp/<uuid>.tmp}, is synced with {@code FileChannel.force(true)}, and is then
 * published without ever replacing an existing blob:
 *
 * <ol>
 *   <li>The target's missing parent directories are created; the parent of each one is synced, so
 *       the new directory entry survives a crash.
 *   <li>The temp file is hard-linked to the target with {@link Files#createLink}: {@code link(2)}
 *       is atomic and fails with {@code EEXIST} when the target exists, so exactly one of any
 *       number of racing writers, in any process, wins.
 *   <li>The target's directory is synced, making the new name durable.
 *   <li>The temp name is unlinked (the blob keeps its data through the target name).
 * </ol>
 *
 * <p>A failure before step 2 certainly did not apply: {@link BlobStoreException}. A failure after
 * the link was made (the directory sync in step 3) leaves the blob visible but perhaps not durable:
 * {@link OutcomeUnknownException}. If {@code link(2)} reports that the target exists but the target
 * is our own temp file (an NFS retransmission can do this), the publish counts as a success.
 *
 * <p><b>Without hard links.</b> At construction the store probes whether the filesystem supports
 * hard links (FAT, exFAT and some FUSE or SMB mounts do not). If not, it logs a warning and
 * publishes with {@link Files#move(Path, Path, java.nio.file.CopyOption...)} <i>without</i> {@code
 * ATOMIC_MOVE} and without {@code REPLACE_EXISTING}. {@code ATOMIC_MOVE} is not used because it is
 * {@code rename(2)}, which silently replaces the target on POSIX. The plain move refuses an
 * existing target, but on POSIX it does so by a check followed by {@code rename(2)}; that
 * check-then-rename runs under a JVM-wide lock on the target, so it is atomic and no-replace
 * against every writer in this JVM, but <b>not against writers in other processes</b> (on Windows
 * the move is {@code MoveFileEx} without replace, atomic for everyone). On such a filesystem run a
 * single writing process per root.
 *
 * <h2>Directory sync</h2>
 *
 * Directories are synced by opening them with {@code READ} and calling {@code force(true)}. Windows
 * cannot open a directory as a channel and raises an {@link IOException}; only there is that error
 * ignored (NTFS journals its metadata). Elsewhere a failed directory sync is an error.
 *
 * <h2>Layout and limits</h2>
 *
 * <ul>
 *   <li>Keys are {@code /}-separated relative paths: no empty, {@code .} or {@code ..} segment, no
 *       leading {@code /}, no {@code \} or NUL, and not under the reserved {@code .tmp/}.
 *   <li>{@code <root>/.tmp/} holds writes in progress; it is never listed. Files left there by a
 *       crash never block a publish (names are random) and are found by {@link
 *       #listTemporaryFiles()} for garbage collection. A leftover may be a second name of a
 *       published blob (a crash between steps 2 and 4); deleting it only removes that name.
 *   <li>A key cannot be both a blob and a directory: with blob {@code a}, {@code a/b} cannot be
 *       written, and the other way round ({@link BlobStoreException} naming the conflict).
 *   <li>Directories are never removed, so a concurrent delete can never pull a directory out from
 *       under a publish. Deletes are not synced: a blob deleted just before a crash may reappear,
 *       which garbage collection tolerates.
 *   <li>{@link BlobInfo#lastModifiedMillis()} is the file's modification time, set at publish.
 * </ul>
 *
 * <p>The class runs a little over the house's 600 lines: its writer is private because the publish
 * protocol and its failure classes span both, and a sixth of it is this description.
 */
public final class LocalFileBlobStore implements BlobStore, TemporaryFiles {

    private static final Logger LOG = LoggerFactory.getLogger(LocalFileBlobStore.class);

    /** The directory under the root that holds writes in progress; a reserved first key segment. */
    static final String TEMP_DIRECTORY = ".tmp";

    private static final String TEMP_SUFFIX = ".tmp";
    private static final int WRITE_BUFFER_BYTES = 64 * 1024;

    private static final boolean DIRECTORY_SYNC_UNSUPPORTED =
            System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    /** Serializes check-then-move publishes in this JVM when the filesystem lacks hard links. */
    private static final Object[] MOVE_LOCKS = new Object[64];

    static {
        Arrays.setAll(MOVE_LOCKS, i -> new Object());
    }

    private final Path root;
    private final Path tempDirectory;
    private final String location;
    private final boolean allowHardLinks;

    /**
     * Whether publishes use hard links; null until the first write prepares the store. Opening a
     * store touches nothing, so that reading needs only read access.
     */
    private volatile Boolean hardLinks;

    /**
     * Directories known to exist with a synced entry in their parent; never shrinks but on error.
     */
    private final Set<Path> durableDirectories = ConcurrentHashMap.newKeySet();

    /**
     * Opens the store rooted at {@code root} without touching the filesystem: reads of a missing
     * root find nothing, and the first write creates the root and its temp area (and probes for
     * hard links), so a read-only root can be read.
     */
    public LocalFileBlobStore(Path root) {
        this(root, true);
    }

    /**
     * As {@link #LocalFileBlobStore(Path)}; {@code allowHardLinks=false} forces the move fallback.
     */
    LocalFileBlobStore(Path root, boolean allowHardLinks) {
        this.root = root.toAbsolutePath().normalize();
        this.location = this.root.toUri().toString();
        this.tempDirectory = this.root.resolve(TEMP_DIRECTORY);
        this.allowHardLinks = allowHardLinks;
    }

    /**
     * Before the first write: creates the root (durably) and its temp area, and probes for hard
     * links. Racing callers in this JVM do it once; other processes tolerate each other.
     *
     * @throws BlobStoreException if the root or its temp area cannot be created or written
     */
    private boolean prepareForWrites() throws IOException {
        Boolean links = hardLinks;
        if (links != null) {
            return links;
        }
        synchronized (this) {
            if (hardLinks == null) {
                try {
                    createDirectoryDurably(root);
                    Files.createDirectories(tempDirectory);
                    hardLinks = allowHardLinks && probeHardLinks();
                } catch (IOException e) {
                    throw new BlobStoreException(
                            "Cannot write to blob store: " + e + " (location=" + location + ")", e);
                }
            }
            return hardLinks;
        }
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        Path file = resolve(key);
        try {
            return Optional.of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty(); // a directory of other keys, not a blob
            }
            throw failure("read", key, e);
        }
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        Path target = resolve(key);
        // A cheap early answer for certain losers; the link below is what decides.
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw alreadyExists(key, target);
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
        Path temp = tempDirectory.resolve(UUID.randomUUID() + TEMP_SUFFIX);
        FileChannel channel;
        try {
            channel =
                    FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw failure("create", key, e);
        }
        return new LocalBlobWriter(key, target, temp, channel);
    }

    @Override
    public BlobReader open(String key) throws IOException {
        Path file = resolve(key);
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new BlobNotFoundException(key, location);
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(key, location);
        } catch (IOException e) {
            throw failure("open", key, e);
        }
        return new LocalBlobReader(key, channel);
    }

    @Override
    public boolean delete(String key) throws IOException {
        Path file = resolve(key);
        try {
            BasicFileAttributes attrs =
                    Files.readAttributes(
                            file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (attrs.isDirectory()) {
                return false; // a directory of other keys, not a blob
            }
            return Files.deleteIfExists(file);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
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
        if (!Files.isDirectory(start, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try {
            Files.walkFileTree(
                    start,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(
                                Path dir, BasicFileAttributes attrs) {
                            if (dir.equals(root)) {
                                return FileVisitResult.CONTINUE;
                            }
                            if (dir.equals(tempDirectory)) {
                                return FileVisitResult.SKIP_SUBTREE;
                            }
                            String dirKey = toKey(dir) + "/";
                            return dirKey.startsWith(prefix) || prefix.startsWith(dirKey)
                                    ? FileVisitResult.CONTINUE
                                    : FileVisitResult.SKIP_SUBTREE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (attrs.isRegularFile()) {
                                String key = toKey(file);
                                if (key.startsWith(prefix)) {
                                    out.add(
                                            new BlobInfo(
                                                    key,
                                                    attrs.size(),
                                                    attrs.lastModifiedTime().toMillis()));
                                }
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override // tolerate files and directories deleted while we walk
                        public FileVisitResult visitFileFailed(Path file, IOException e)
                                throws IOException {
                            return postVisitDirectory(file, e);
                        }

                        @Override
                        public FileVisitResult postVisitDirectory(Path dir, IOException e)
                                throws IOException {
                            if (e != null && !(e instanceof NoSuchFileException)) {
                                throw e;
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            throw BlobStoreException.cannotList(prefix, location, e);
        }
        out.sort(Comparator.comparing(BlobInfo::key));
        return out;
    }

    @Override
    public String describe() {
        return location;
    }

    /** Holds no resources: readers and writers own their files and stay usable. */
    @Override
    public void close() {}

    /**
     * The files in the temp area, sorted: writes in progress in this or another process, and
     * leftovers of crashed ones. A collector may delete those older than a grace period longer than
     * any write takes; deleting one never affects a published blob.
     */
    @Override
    public List<BlobInfo> listTemporaryFiles() throws IOException {
        List<BlobInfo> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(tempDirectory)) {
            for (Path file : files) {
                try {
                    BasicFileAttributes attrs =
                            Files.readAttributes(file, BasicFileAttributes.class);
                    out.add(
                            new BlobInfo(
                                    file.getFileName().toString(),
                                    attrs.size(),
                                    attrs.lastModifiedTime().toMillis()));
                } catch (NoSuchFileException e) {
                    // Published or cleaned up meanwhile.
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new BlobStoreException(
                    "Cannot list temporary files: " + e + " (location=" + location + ")", e);
        }
        out.sort(Comparator.comparing(BlobInfo::key));
        return out;
    }

    @Override
    public boolean deleteTemporaryFile(String name) throws IOException {
        if (name.isEmpty()
                || name.contains("/")
                || name.contains("\\")
                || name.equals(".")
                || name.equals("..")) {
            throw new IllegalArgumentException(
                    "Cannot delete temporary file '"
                            + name
                            + "': give a bare file name from listTemporaryFiles() (location="
                            + location
                            + ")");
        }
        try {
            return Files.deleteIfExists(tempDirectory.resolve(name));
        } catch (IOException e) {
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

    /**
     * Whether publishes use hard links (true) or the single-process move fallback (false); prepares
     * the store for writes if no write has yet.
     */
    public boolean usesHardLinks() throws IOException {
        return prepareForWrites();
    }

    /**
     * Publishes a synced, closed temp file under {@code target} without replacing anything. The
     * temp name is gone afterwards, whatever the outcome.
     */
    private void publish(String key, Path temp, Path target) throws IOException {
        try {
            ensureParentDirectory(key, target);
        } catch (IOException e) {
            deleteTemp(temp);
            throw e instanceof BlobStoreException ? e : failure("publish", key, e);
        }
        try {
            if (Boolean.TRUE.equals(hardLinks)) {
                link(key, temp, target);
            } else {
                move(key, temp, target);
            }
        } catch (IOException e) {
            deleteTemp(temp);
            throw e;
        }
        // The blob is visible from here on: a failure now leaves its durability unknown.
        try {
            syncDirectory(target.getParent());
        } catch (IOException e) {
            throw new OutcomeUnknownException(
                    "Cannot publish blob "
                            + key
                            + ": the blob is visible but syncing its directory "
                            + "failed, so it may not survive a crash (location="
                            + location
                            + ")",
                    e);
        } finally {
            deleteTemp(temp);
        }
    }

    private void link(String key, Path temp, Path target) throws IOException {
        try {
            Files.createLink(target, temp);
        } catch (FileAlreadyExistsException e) {
            if (isSameFile(target, temp)) {
                return; // our own link, reported as existing after a retransmission (NFS)
            }
            throw alreadyExists(key, target);
        } catch (NoSuchFileException e) {
            durableDirectories
                    .clear(); // a directory was removed behind our back: re-check them all
            throw failure("publish", key, e);
        } catch (IOException | UnsupportedOperationException e) {
            // link(2) is atomic, but look to be sure before promising that nothing was applied.
            if (isSameFile(target, temp)) {
                return;
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw alreadyExists(key, target);
            }
            throw failure("publish", key, e);
        }
    }

    private void move(String key, Path temp, Path target) throws IOException {
        Object lock = MOVE_LOCKS[Math.floorMod(target.hashCode(), MOVE_LOCKS.length)];
        try {
            synchronized (lock) {
                // No ATOMIC_MOVE (it replaces on POSIX), no REPLACE_EXISTING: refuses an existing
                // target.
                Files.move(temp, target);
            }
        } catch (FileAlreadyExistsException e) {
            throw alreadyExists(key, target);
        } catch (IOException e) {
            boolean tempGone = !Files.exists(temp, LinkOption.NOFOLLOW_LINKS);
            if (tempGone && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new OutcomeUnknownException(
                        "Cannot publish blob "
                                + key
                                + ": the move failed after its source was "
                                + "consumed (location="
                                + location
                                + ")",
                        e);
            }
            throw failure("publish", key, e);
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

    private BlobStoreException alreadyExists(String key, Path target) {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
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

    /**
     * Creates the target's missing ancestors, syncing the parent of each so the entry is durable.
     */
    private void ensureParentDirectory(String key, Path target) throws IOException {
        List<Path> missing = new ArrayList<>();
        Path d = target.getParent();
        for (; !d.equals(root) && !durableDirectories.contains(d); d = d.getParent()) {
            missing.add(d);
        }
        for (int i = missing.size() - 1; i >= 0; i--) {
            d = missing.get(i);
            try {
                Files.createDirectory(d);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    throw new BlobStoreException(
                            "Cannot publish blob "
                                    + key
                                    + ": its parent "
                                    + toKey(d)
                                    + " is a blob, not a directory (location="
                                    + location
                                    + ")");
                }
                // Made by someone else, maybe not synced yet: sync its parent anyway.
            }
            syncDirectory(d.getParent());
            durableDirectories.add(d);
        }
    }

    /** Creates {@code dir} and any missing ancestors, syncing each new entry's parent. */
    private static void createDirectoryDurably(Path dir) throws IOException {
        Path parent = dir.getParent();
        if (!Files.isDirectory(dir) && parent != null) {
            createDirectoryDurably(parent);
            Files.createDirectories(dir); // tolerates a concurrent creator; fails on a file
            syncDirectory(parent);
        }
    }

    /**
     * Makes a directory's entries durable. Windows cannot open a directory as a channel (it raises
     * an {@link IOException}); only there the failure is ignored, as NTFS journals its metadata.
     */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (!DIRECTORY_SYNC_UNSUPPORTED) {
                throw e;
            }
        }
    }

    private boolean probeHardLinks() throws IOException {
        Path probe = tempDirectory.resolve(UUID.randomUUID() + ".probe" + TEMP_SUFFIX);
        Path link = tempDirectory.resolve(UUID.randomUUID() + ".probe-link" + TEMP_SUFFIX);
        Files.createFile(probe); // a failure here is not about links: the constructor reports it
        try {
            Files.createLink(link, probe);
            return true;
        } catch (FileSystemException | UnsupportedOperationException e) {
            LOG.warn(
                    "The filesystem under {} does not support hard links ({}); publishing blobs with "
                            + "check-then-move, which is no-replace only between writers in this JVM. "
                            + "Run a single writing process per root.",
                    location,
                    e.toString());
            return false;
        } finally {
            deleteTemp(link);
            deleteTemp(probe);
        }
    }

    private static boolean isSameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTemp(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            LOG.warn(
                    "Cannot delete temp file {}: {}; garbage collection will retry",
                    temp,
                    e.toString());
        }
    }

    private Path resolve(String key) {
        return resolve(key, "use key", key);
    }

    /**
     * Validates a key and maps it to its file; {@code verb} and {@code subject} shape the message.
     */
    private Path resolve(String key, String verb, String subject) {
        String reason = invalidKeyReason(key);
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
        return root.resolve(key);
    }

    /** Why {@code key} is not a valid key, or null if it is. */
    static String invalidKeyReason(String key) {
        if (key == null || key.isEmpty()) {
            return "the key is empty";
        }
        if (key.startsWith("/")) {
            return "the key starts with '/'";
        }
        if (key.indexOf('\\') >= 0 || key.indexOf('\0') >= 0) {
            return "the key contains '\\' or NUL";
        }
        String[] segments = key.split("/", -1);
        for (String segment : segments) {
            if (segment.isEmpty()) {
                return "the key has an empty segment (a trailing '/' or '//')";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "the key has a '" + segment + "' segment";
            }
        }
        if (segments[0].equals(TEMP_DIRECTORY)) {
            return "the key is under '" + TEMP_DIRECTORY + "/', reserved for writes in progress";
        }
        return null;
    }

    private String toKey(Path file) {
        return root.relativize(file).toString().replace(root.getFileSystem().getSeparator(), "/");
    }

    /** Buffers into a temp file; {@link #publish()} syncs it and links it under the key. */
    private final class LocalBlobWriter extends StagedBlobWriter {
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private final byte[] buffer = new byte[WRITE_BUFFER_BYTES];
        private int buffered;

        LocalBlobWriter(String key, Path target, Path temp, FileChannel channel) {
            super(key, location);
            this.target = target;
            this.temp = temp;
            this.channel = channel;
        }

        @Override
        void stage(int b) throws IOException {
            if (buffered == buffer.length) {
                drain();
            }
            buffer[buffered++] = (byte) b;
        }

        @Override
        void stage(byte[] b, int off, int len) throws IOException {
            if (len >= buffer.length) {
                drain();
                writeToChannel(ByteBuffer.wrap(b, off, len));
            } else {
                if (len > buffer.length - buffered) {
                    drain();
                }
                System.arraycopy(b, off, buffer, buffered, len);
                buffered += len;
            }
        }

        @Override
        void flushStaged() throws IOException {
            drain();
        }

        @Override
        void syncAndClose() throws IOException {
            drain();
            // The modification time is the publish time; force(true) below makes it durable.
            Files.setLastModifiedTime(temp, FileTime.fromMillis(System.currentTimeMillis()));
            channel.force(true);
            channel.close();
        }

        @Override
        void publishStaged() throws IOException {
            LocalFileBlobStore.this.publish(key(), temp, target);
        }

        @Override
        void discard() {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("Cannot close temp file {}: {}", temp, e.toString());
            }
            deleteTemp(temp);
        }

        @Override
        BlobStoreException failure(String verb, Exception cause) {
            return LocalFileBlobStore.this.failure(verb, key(), cause);
        }

        private void drain() throws IOException {
            if (buffered > 0) {
                writeToChannel(ByteBuffer.wrap(buffer, 0, buffered));
                buffered = 0;
            }
        }

        private void writeToChannel(ByteBuffer bytes) throws IOException {
            try {
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            } catch (IOException e) {
                throw failure("write", e);
            }
        }
    }

    /**
     * Positional reads through a {@link FileChannel}; the file stays readable if deleted meanwhile.
     */
    private record LocalBlobReader(String key, FileChannel channel) implements BlobReader {
        @Override
        public long length() throws IOException {
            return channel.size();
        }

        @Override
        public int read(long position, byte[] buffer, int offset, int length) throws IOException {
            if (position < 0) {
                throw new IllegalArgumentException(
                        "Cannot read blob "
                                + key
                                + ": negative position (position="
                                + position
                                + ")");
            }
            Objects.checkFromIndexSize(offset, length, buffer.length);
            if (length == 0) {
                return position >= channel.size() ? -1 : 0;
            }
            return channel.read(ByteBuffer.wrap(buffer, offset, length), position);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
