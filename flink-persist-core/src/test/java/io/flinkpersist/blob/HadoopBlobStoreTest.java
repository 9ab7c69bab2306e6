package io.flinkpersist.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.AbstractFileSystem;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.ipc.RemoteException;
import org.apache.hadoop.security.AccessControlException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the {@link BlobStore} contract against {@link HadoopBlobStore} without a cluster, plus its
 * own rules, including which schemes it accepts. The store publishes by rename {@code NONE} through
 * Hadoop's {@code FileContext}, here on a local directory under the scheme {@code testfs}, vouched
 * for in the configuration, whose rename refuses to replace atomically (as HDFS's does). {@code
 * HdfsBlobStoreTest} runs the same contract on a real HDFS.
 */
class HadoopBlobStoreTest extends BlobStoreContractTest {

    @TempDir Path root;

    /** A configuration that serves {@code testfs} and vouches for its rename. */
    static Configuration testfs() {
        Configuration conf = new Configuration();
        conf.setClass("fs.testfs.impl", TestingLocalFileSystem.class, FileSystem.class);
        conf.setClass(
                "fs.AbstractFileSystem.testfs.impl",
                TestingLocalFs.class,
                AbstractFileSystem.class);
        conf.set(HadoopBlobStore.ATOMIC_RENAME_SCHEMES_KEY, "testfs");
        return conf;
    }

    static String testfsUri(Path dir) {
        return "testfs:" + dir.toUri().getRawPath();
    }

    @Override
    protected BlobStore createStore() throws IOException {
        return new HadoopBlobStore(testfsUri(root), testfs());
    }

    private HadoopBlobStore hadoop() {
        return (HadoopBlobStore) store;
    }

    @Test
    void publishesByRenameWithoutChecksumFiles() throws IOException {
        assertThat(store.describe()).startsWith("testfs:").contains(root.getFileName().toString());
        store.putIfAbsent("state/00000000000000000001", bytes("one"));
        try (Stream<Path> files = Files.walk(root)) {
            assertThat(files.map(p -> root.relativize(p).toString()))
                    .containsExactlyInAnyOrder("", ".tmp", "state", "state/00000000000000000001");
        }
    }

    @Test
    void temporaryFilesAreNotListed() throws IOException {
        try (BlobWriter writer = store.create("batches/x.parquet")) {
            writer.write(bytes("in progress"));
            writer.flush();
            assertThat(hadoop().listTemporaryFiles())
                    .singleElement()
                    .satisfies(t -> assertThat(t.key()).endsWith(".tmp").doesNotContain("/"));
            assertThat(store.list("")).isEmpty();
            assertThat(store.list(".")).isEmpty();
            writer.publish();
        }
        assertThat(store.list("")).extracting(BlobInfo::key).containsExactly("batches/x.parquet");
        assertThat(hadoop().listTemporaryFiles()).isEmpty();
    }

    @Test
    void leftoverTemporaryFilesAreListedWithTheirAgeAndCanBeDeleted() throws IOException {
        Path crashed = root.resolve(".tmp/0b5f3c1e-crashed.tmp");
        Files.createDirectories(crashed.getParent()); // as the crashed process's first write did
        Files.write(crashed, bytes("half"));
        Files.setLastModifiedTime(crashed, FileTime.fromMillis(1_000));
        store.putIfAbsent("k", bytes("v"));

        assertThat(store.list("")).extracting(BlobInfo::key).containsExactly("k");
        assertThat(hadoop().listTemporaryFiles())
                .containsExactly(new BlobInfo("0b5f3c1e-crashed.tmp", 4, 1_000));
        assertThat(hadoop().deleteTemporaryFile("0b5f3c1e-crashed.tmp")).isTrue();
        assertThat(hadoop().deleteTemporaryFile("0b5f3c1e-crashed.tmp")).isFalse();
        assertThat(hadoop().listTemporaryFiles()).isEmpty();
        assertContent("k", bytes("v"));
        for (String bad : List.of("", "..", "../k", "a/b", "x:y")) {
            assertThatThrownBy(() -> hadoop().deleteTemporaryFile(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Cannot delete temporary file '" + bad + "'");
        }
    }

    @Test
    void failedAndAbandonedWritesLeaveNoTemporaryFiles() throws IOException {
        store.putIfAbsent("k", bytes("1"));
        assertThatThrownBy(() -> store.putIfAbsent("k", bytes("2")))
                .isInstanceOf(BlobAlreadyExistsException.class);
        try (BlobWriter writer = store.create("k")) {
            writer.write(bytes("3"));
            assertThatThrownBy(writer::publish).isInstanceOf(BlobAlreadyExistsException.class);
        }
        try (BlobWriter writer = store.create("other")) {
            writer.write(bytes("abandoned"));
        }
        assertThat(hadoop().listTemporaryFiles()).isEmpty();
    }

    // Publishing onto a directory of other keys: HdfsBlobStoreTest, where the NameNode answers the
    // rename (the local stand-in's FileContext fails it without an answer, so its outcome is
    // unknown).

    @Test
    void aBlobCannotBeAParentDirectory() throws IOException {
        store.putIfAbsent("a", bytes("blob"));
        assertThatThrownBy(() -> store.putIfAbsent("a/b", bytes("x")))
                .isExactlyInstanceOf(BlobStoreException.class)
                .hasMessageContaining("Cannot publish blob a/b: one of its parents is a blob");
        assertThat(store.list("a")).extracting(BlobInfo::key).containsExactly("a");
        assertThat(store.list("a/")).isEmpty();
        assertThat(hadoop().listTemporaryFiles()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "", "/abs", "a//b", "a/", "..", "../x", "a/../b", "./a", "a/./b", ".tmp/x", ".tmp",
                "a\\b", "a:b"
            })
    void rejectsInvalidKeys(String key) {
        for (ThrowingAction action :
                List.<ThrowingAction>of(
                        () -> store.get(key),
                        () -> store.putIfAbsent(key, bytes("x")),
                        () -> store.create(key),
                        () -> store.open(key),
                        () -> store.delete(key))) {
            assertThatThrownBy(action::run)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Cannot use key '" + key + "': the key ")
                    .hasMessageContaining("location=testfs:");
        }
        assertThatThrownBy(() -> store.list("../"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot list blobs under '../'");
    }

    @Test
    void aNewStoreOnTheSameDirectorySeesTheBlobs() throws IOException {
        store.putIfAbsent("state/00000000000000000001", bytes("one"));
        try (HadoopBlobStore reopened = new HadoopBlobStore(testfsUri(root), testfs())) {
            assertThat(reopened.describe()).isEqualTo(store.describe());
            assertThat(reopened.get("state/00000000000000000001"))
                    .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("one")));
            assertThatThrownBy(
                            () -> reopened.putIfAbsent("state/00000000000000000001", bytes("two")))
                    .isInstanceOf(BlobAlreadyExistsException.class);
        }
    }

    @Test
    void encodedUrisAndUnusualCharactersRoundTrip(@TempDir Path dir) throws IOException {
        Path spaced = dir.resolve("with space%20");
        try (HadoopBlobStore s =
                HadoopBlobStore.open(
                        URI.create("testfs:" + spaced.toUri().getRawPath()), testfs())) {
            s.putIfAbsent("a b/c%20d#e", bytes("v"));
            assertThat(s.list("a b/")).extracting(BlobInfo::key).containsExactly("a b/c%20d#e");
            assertThat(s.get("a b/c%20d#e"))
                    .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("v")));
        }
        assertThat(spaced.resolve("a b/c%20d#e")).hasContent("v");
    }

    // ---------------------------------------------------------------------------------------------
    // Schemes

    @ParameterizedTest
    @ValueSource(
            strings = {
                "gs://bucket/persist",
                "abfs://c@acct.dfs.core.windows.net/p",
                "wasb://c@acct.blob.core.windows.net/p",
                "oss://bucket/persist"
            })
    void refusesSchemesWithoutAtomicPutIfAbsent(String uri) {
        String scheme = URI.create(uri).getScheme();
        assertThatThrownBy(() -> new HadoopBlobStore(uri, new Configuration()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot open blob store on scheme '" + scheme + "'")
                .hasMessageContaining("no atomic put-if-absent")
                .hasMessageContaining("an object store's conditional create")
                .hasMessageContaining("Use an s3a://, hdfs:// or local location")
                .hasMessageContaining("'" + HadoopBlobStore.ATOMIC_RENAME_SCHEMES_KEY + "'")
                .hasMessageContaining("root=" + uri);
    }

    @Test
    void theRefusalSaysWhatTheCommonObjectStoresLack() {
        assertThatThrownBy(() -> new HadoopBlobStore("gs://b/p", new Configuration()))
                .hasMessageContaining("its rename copies and deletes")
                .hasMessageContaining("does not declare Hadoop's conditional create");
        assertThatThrownBy(
                        () ->
                                new HadoopBlobStore(
                                        "abfss://c@a.dfs.core.windows.net/p", new Configuration()))
                .hasMessageContaining("makes the file visible, empty, when the stream opens")
                .hasMessageContaining("hierarchical namespace");
        assertThatThrownBy(() -> new HadoopBlobStore("oss://b/p", new Configuration()))
                .hasMessageContaining("No Hadoop filesystem of this scheme declares such a create");
    }

    @Test
    void refusesLocalDirectoriesWhichTheLocalStoreServes(@TempDir Path dir) {
        assertThatThrownBy(() -> HadoopBlobStore.open(dir.toUri(), new Configuration()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot open blob store on scheme 'file' through Hadoop")
                .hasMessageContaining("served by LocalFileBlobStore");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void aSchemeVouchedForInTheConfigurationIsAccepted(@TempDir Path dir) throws IOException {
        String uri = "testfs:" + dir.toAbsolutePath() + "/store";
        Configuration conf = new Configuration();
        conf.setClass("fs.testfs.impl", TestingLocalFileSystem.class, FileSystem.class);
        assertThatThrownBy(() -> new HadoopBlobStore(uri, conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot open blob store on scheme 'testfs'");

        conf.set(HadoopBlobStore.ATOMIC_RENAME_SCHEMES_KEY, " hdfs , TestFS ");
        assertThatThrownBy(() -> new HadoopBlobStore(uri, conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("set 'fs.AbstractFileSystem.testfs.impl'");

        conf.setClass(
                "fs.AbstractFileSystem.testfs.impl",
                TestingLocalFs.class,
                AbstractFileSystem.class);
        try (HadoopBlobStore vouched = new HadoopBlobStore(uri, conf)) {
            assertThat(vouched.describe()).isEqualTo(uri);
            vouched.putIfAbsent("state/00000000000000000001", bytes("one"));
            assertThatThrownBy(
                            () -> vouched.putIfAbsent("state/00000000000000000001", bytes("two")))
                    .isInstanceOf(BlobAlreadyExistsException.class);
            try (BlobWriter writer = vouched.create("state/00000000000000000001")) {
                writer.write(bytes("three"));
                assertThatThrownBy(writer::publish).isInstanceOf(BlobAlreadyExistsException.class);
            }
            assertThat(vouched.get("state/00000000000000000001"))
                    .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("one")));
            assertThat(vouched.list(""))
                    .extracting(BlobInfo::key)
                    .containsExactly("state/00000000000000000001");
            assertThat(vouched.listTemporaryFiles()).isEmpty();
        }
        assertThat(dir.resolve("store/state/00000000000000000001")).hasContent("one");
    }

    @Test
    void renameFailuresAreClassifiedAfterUnwrappingRemoteExceptions() {
        // As the NameNode reports an existing target, wrapped or already unwrapped by DFSClient.
        assertThat(
                        HadoopBlobStore.classifyRenameFailure(
                                new RemoteException(
                                        FileAlreadyExistsException.class.getName(),
                                        "rename destination /k already exists")))
                .isEqualTo(PublishFailure.ALREADY_EXISTS);
        assertThat(HadoopBlobStore.classifyRenameFailure(new FileAlreadyExistsException("exists")))
                .isEqualTo(PublishFailure.ALREADY_EXISTS);
        // The NameNode's answer when the target is a directory: a plain IOException, remotely.
        assertThat(
                        HadoopBlobStore.classifyRenameFailure(
                                new RemoteException(
                                        IOException.class.getName(),
                                        "Source /t and destination /k must both be directories")))
                .isEqualTo(PublishFailure.NOT_APPLIED);
        // Unwrapped by DFSClient: the RemoteException stays as the cause.
        IOException unwrapped =
                new RemoteException(AccessControlException.class.getName(), "denied")
                        .unwrapRemoteException(AccessControlException.class);
        assertThat(unwrapped).isInstanceOf(AccessControlException.class);
        assertThat(HadoopBlobStore.classifyRenameFailure(unwrapped))
                .isEqualTo(PublishFailure.NOT_APPLIED);
        assertThat(HadoopBlobStore.classifyRenameFailure(new FileNotFoundException("src")))
                .isEqualTo(PublishFailure.NOT_APPLIED);
        // No answer: the rename may have happened.
        assertThat(
                        HadoopBlobStore.classifyRenameFailure(
                                new SocketTimeoutException("60000 millis")))
                .isEqualTo(PublishFailure.UNKNOWN);
        assertThat(
                        HadoopBlobStore.classifyRenameFailure(
                                new IOException("Connection reset by peer")))
                .isEqualTo(PublishFailure.UNKNOWN);
    }

    /**
     * A local filesystem under another scheme: stands in for a scheme the user vouches for. Its
     * rename never replaces, atomically (a hard link, then the source unlinked), as HDFS's rename
     * {@code NONE} does, so that racing publishes have one winner here too.
     */
    public static final class TestingLocalFileSystem extends RawLocalFileSystem {
        private static final URI NAME = URI.create("testfs:///");

        @Override
        public boolean rename(org.apache.hadoop.fs.Path src, org.apache.hadoop.fs.Path dst)
                throws IOException {
            Path from = pathToFile(src).toPath();
            Path to = pathToFile(dst).toPath();
            try {
                Files.createLink(to, from);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new FileAlreadyExistsException("rename destination " + dst + " exists");
            } catch (NoSuchFileException e) {
                throw new FileNotFoundException(
                        "rename source or parent missing: " + e.getMessage());
            }
            Files.delete(from);
            return true;
        }

        @Override
        public URI getUri() {
            return NAME;
        }

        @Override
        public String getScheme() {
            return "testfs";
        }
    }

    /** {@link TestingLocalFileSystem} for {@link org.apache.hadoop.fs.FileContext}. */
    public static final class TestingLocalFs extends DelegateToFileSystem {
        public TestingLocalFs(URI uri, Configuration conf) throws IOException, URISyntaxException {
            super(uri, new TestingLocalFileSystem(), conf, "testfs", false);
        }
    }

    private interface ThrowingAction {
        void run() throws IOException;
    }
}
