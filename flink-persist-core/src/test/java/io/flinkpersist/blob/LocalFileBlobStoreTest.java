package io.flinkpersist.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs the {@link BlobStore} contract against {@link LocalFileBlobStore}, plus its own rules. */
class LocalFileBlobStoreTest extends BlobStoreContractTest {

    @TempDir Path root;

    @Override
    protected BlobStore createStore() throws IOException {
        return new LocalFileBlobStore(root);
    }

    private LocalFileBlobStore local() {
        return (LocalFileBlobStore) store;
    }

    @Test
    void usesHardLinksWhereTheFilesystemHasThem() throws IOException {
        assertThat(local().usesHardLinks()).isTrue();
        assertThat(store.describe()).startsWith("file:").contains(root.getFileName().toString());
    }

    @Test
    void createsAMissingRoot(@TempDir Path parent) throws IOException {
        Path nested = parent.resolve("a/b/c");
        LocalFileBlobStore created = new LocalFileBlobStore(nested);
        created.putIfAbsent("k", bytes("v"));
        assertThat(Files.readAllBytes(nested.resolve("k"))).isEqualTo(bytes("v"));
    }

    @Test
    void rejectsARootThatIsAFile(@TempDir Path parent) throws IOException {
        Path file = Files.write(parent.resolve("file"), bytes("x"));
        LocalFileBlobStore onAFile = new LocalFileBlobStore(file);
        assertThatThrownBy(() -> onAFile.putIfAbsent("k", bytes("v")))
                .isInstanceOf(BlobStoreException.class)
                .hasMessageStartingWith("Cannot write to blob store");
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes("x"));
    }

    @Test
    void temporaryFilesAreNotListed() throws IOException {
        try (BlobWriter writer = store.create("batches/x.parquet")) {
            writer.write(bytes("in progress"));
            writer.flush();
            assertThat(local().listTemporaryFiles()).hasSize(1);
            assertThat(
                            local().temporaryDirectory()
                                    .resolve(local().listTemporaryFiles().get(0).key()))
                    .exists();
            assertThat(store.list("")).isEmpty();
            assertThat(store.list(".")).isEmpty();
            writer.publish();
        }
        assertThat(store.list("")).extracting(BlobInfo::key).containsExactly("batches/x.parquet");
        assertThat(local().listTemporaryFiles()).isEmpty();
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
        assertThat(local().listTemporaryFiles()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "", "/abs", "a//b", "a/", "..", "../x", "a/../b", "./a", "a/./b", ".tmp/x", ".tmp",
                "a\\b"
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
                    .hasMessageContaining("location=file:");
        }
        assertThat(root.getParent().resolve("x")).doesNotExist();
    }

    @Test
    void rejectsPrefixesThatEscapeTheRoot() {
        assertThatThrownBy(() -> store.list("../"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot list blobs under '../'");
    }

    @Test
    void aNewStoreOnTheSameDirectorySeesTheBlobs() throws IOException {
        store.putIfAbsent("state/00000000000000000001", bytes("one"));
        try (BlobWriter writer = store.create("batches/x.parquet")) {
            writer.write(new byte[100_000]);
            writer.publish();
        }
        try (LocalFileBlobStore reopened = new LocalFileBlobStore(root)) {
            assertThat(reopened.get("state/00000000000000000001"))
                    .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("one")));
            assertThat(reopened.list(""))
                    .extracting(BlobInfo::key, BlobInfo::sizeBytes)
                    .containsExactly(
                            Tuple.tuple("batches/x.parquet", 100_000L),
                            Tuple.tuple("state/00000000000000000001", 3L));
            assertThatThrownBy(
                            () -> reopened.putIfAbsent("state/00000000000000000001", bytes("two")))
                    .isInstanceOf(BlobAlreadyExistsException.class);
        }
    }

    @Test
    void leftoverTemporaryFilesAreNotListedAndDoNotBlockPublishing() throws IOException {
        // A crash mid-write leaves a temp file; one between link and cleanup leaves a second name.
        Path crashed = local().temporaryDirectory().resolve("0b5f3c1e-crashed.tmp");
        Files.createDirectories(crashed.getParent()); // as the crashed process's first write did
        Files.write(crashed, bytes("half"));
        Files.setLastModifiedTime(crashed, FileTime.fromMillis(0));
        store.putIfAbsent("state/00000000000000000001", bytes("one"));
        Path secondName = local().temporaryDirectory().resolve("linked.tmp");
        Files.createLink(secondName, root.resolve("state/00000000000000000001"));

        assertThat(store.list(""))
                .extracting(BlobInfo::key)
                .containsExactly("state/00000000000000000001");
        store.putIfAbsent("state/00000000000000000002", bytes("two"));
        assertThat(local().listTemporaryFiles())
                .extracting(BlobInfo::key)
                .containsExactly(
                        crashed.getFileName().toString(), secondName.getFileName().toString());
        assertThat(local().listTemporaryFiles().get(0).lastModifiedMillis()).isZero();

        // Garbage collection deletes leftovers without touching published blobs.
        for (BlobInfo leftover : local().listTemporaryFiles()) {
            assertThat(local().deleteTemporaryFile(leftover.key())).isTrue();
        }
        assertThat(local().listTemporaryFiles()).isEmpty();
        assertThatThrownBy(() -> local().deleteTemporaryFile("../state/00000000000000000001"))
                .isInstanceOf(IllegalArgumentException.class);
        assertContent("state/00000000000000000001", bytes("one"));
        assertThat(store.list("")).hasSize(2);
    }

    @Test
    void aKeyCannotBeBothABlobAndADirectory() throws IOException {
        store.putIfAbsent("a", bytes("blob"));
        assertThatThrownBy(() -> store.putIfAbsent("a/b", bytes("x")))
                .isExactlyInstanceOf(BlobStoreException.class)
                .hasMessageContaining("Cannot publish blob a/b: its parent a is a blob");

        store.putIfAbsent("x/y", bytes("nested"));
        assertThatThrownBy(() -> store.putIfAbsent("x", bytes("x")))
                .isExactlyInstanceOf(BlobStoreException.class)
                .hasMessageContaining("the key is a directory");
        try (BlobWriter writer = store.create("x")) {
            assertThatThrownBy(writer::publish).isExactlyInstanceOf(BlobStoreException.class);
        }
        assertThat(store.get("x")).isEmpty();
        assertThat(store.delete("x")).isFalse();
        assertThatThrownBy(() -> store.open("x")).isInstanceOf(BlobNotFoundException.class);
        assertThat(store.get("x/y")).isPresent();
        assertThat(local().listTemporaryFiles()).isEmpty();
    }

    @Test
    void modificationTimeIsThePublishTime() throws IOException {
        long before = System.currentTimeMillis();
        try (BlobWriter writer = store.create("k")) {
            writer.write(bytes("data"));
            writer.flush();
            // As if the bytes had been written long ago.
            Files.setLastModifiedTime(
                    local().temporaryDirectory().resolve(local().listTemporaryFiles().get(0).key()),
                    FileTime.fromMillis(0));
            writer.publish();
        }
        // Filesystems keep coarse timestamps; allow a second of slack.
        assertThat(store.list("k").get(0).lastModifiedMillis()).isGreaterThan(before - 1_000);
    }

    /** The whole contract again, publishing through the move fallback used without hard links. */
    @Nested
    class WithoutHardLinks extends BlobStoreContractTest {
        @TempDir Path fallbackRoot;

        @Override
        protected BlobStore createStore() throws IOException {
            LocalFileBlobStore fallback = new LocalFileBlobStore(fallbackRoot, false);
            assertThat(fallback.usesHardLinks()).isFalse();
            return fallback;
        }
    }

    private interface ThrowingAction {
        void run() throws IOException;
    }
}
