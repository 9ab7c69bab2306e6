package io.flinkpersist.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the {@link BlobStore} contract against {@link HadoopBlobStore} on a real HDFS (a {@link
 * MiniDFSCluster}: one NameNode, one DataNode, started once for the class), publishing by rename
 * {@code NONE}; each test gets a fresh root on the same cluster.
 */
class HdfsBlobStoreTest extends BlobStoreContractTest {

    private static final AtomicInteger STORES = new AtomicInteger();

    private static MiniDFSCluster cluster;
    private static Configuration conf;
    private static FileSystem fs;

    @BeforeAll
    static void startCluster() throws IOException {
        // A base directory of its own: clusters sharing one reformat each other's storage.
        File baseDir = new File("target/minidfs-" + UUID.randomUUID()).getAbsoluteFile();
        cluster = new MiniDFSCluster.Builder(new Configuration(), baseDir).numDataNodes(1).build();
        cluster.waitActive();
        fs = cluster.getFileSystem();
        conf = new Configuration(fs.getConf());
        // close() polls the NameNode until the DataNode has reported the last block, sleeping 400
        // ms
        // first by default; on one idle DataNode the report is there within milliseconds.
        conf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 10);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.shutdown(true); // also deletes the base directory
        }
    }

    @Override
    protected BlobStore createStore() throws IOException {
        return HadoopBlobStore.open(freshRoot(), conf);
    }

    private static URI freshRoot() {
        return URI.create(fs.getUri() + "/stores/" + STORES.incrementAndGet());
    }

    private HadoopBlobStore hdfs() {
        return (HadoopBlobStore) store;
    }

    private Path pathOf(String key) {
        return new Path(store.describe() + "/" + key);
    }

    @Test
    void publishesByRenameOnHdfs() throws IOException {
        assertThat(store.describe()).startsWith("hdfs://localhost:").contains("/stores/");
        store.putIfAbsent("state/00000000000000000001", bytes("one"));
        assertThat(fs.getFileStatus(pathOf("state/00000000000000000001")).getLen()).isEqualTo(3);
        assertThat(fs.listStatus(hdfs().temporaryDirectory())).isEmpty();
    }

    @Test
    void publishOntoADirectoryFailsAndDoesNotMoveTheTempIntoIt() throws IOException {
        // Plain FileSystem.rename would move the temp file to x/<temp name> and return true.
        store.putIfAbsent("x/y", bytes("nested"));
        try (BlobWriter writer = store.create("x")) {
            writer.write(bytes("usurper"));
            assertThatThrownBy(writer::publish)
                    .isExactlyInstanceOf(BlobStoreException.class)
                    .hasMessageContaining("Cannot publish blob x: the key is a directory");
        }
        assertThat(Arrays.stream(fs.listStatus(pathOf("x"))).map(s -> s.getPath().getName()))
                .containsExactly("y");
        assertContent("x/y", bytes("nested"));
        assertThat(store.list("")).extracting(BlobInfo::key).containsExactly("x/y");
        assertThat(store.get("x")).isEmpty();
        assertThat(store.delete("x")).isFalse();
        assertThatThrownBy(() -> store.open("x")).isInstanceOf(BlobNotFoundException.class);
        assertThat(hdfs().listTemporaryFiles()).isEmpty();
    }

    @Test
    void aBlobCannotBeAParentDirectory() throws IOException {
        store.putIfAbsent("a", bytes("blob"));
        assertThatThrownBy(() -> store.putIfAbsent("a/b", bytes("x")))
                .isExactlyInstanceOf(BlobStoreException.class)
                .hasMessageContaining("Cannot publish blob a/b: one of its parents is a blob");
        assertThat(store.list("")).extracting(BlobInfo::key).containsExactly("a");
        assertThat(hdfs().listTemporaryFiles()).isEmpty();
    }

    @Test
    void temporaryFilesAreNotListedAndDeletingOneFailsItsPublishCleanly() throws IOException {
        try (BlobWriter writer = store.create("batches/x.parquet")) {
            writer.write(new byte[100_000]);
            writer.flush();
            List<BlobInfo> temps = hdfs().listTemporaryFiles();
            assertThat(temps)
                    .singleElement()
                    .satisfies(
                            t -> {
                                assertThat(t.key()).endsWith(".tmp").doesNotContain("/");
                                assertThat(t.lastModifiedMillis())
                                        .isGreaterThan(System.currentTimeMillis() - 60_000);
                            });
            assertThat(store.list("")).isEmpty();
            assertThat(store.list(".")).isEmpty();

            // What garbage collection does to a leftover; here the write is still going on.
            assertThat(hdfs().deleteTemporaryFile(temps.get(0).key())).isTrue();
            assertThat(hdfs().deleteTemporaryFile(temps.get(0).key())).isFalse();
            assertThatThrownBy(writer::publish)
                    .isExactlyInstanceOf(BlobStoreException.class)
                    .hasMessageStartingWith("Cannot publish blob batches/x.parquet");
        }
        assertThat(store.get("batches/x.parquet")).isEmpty();
        assertThat(hdfs().listTemporaryFiles()).isEmpty();
        store.putIfAbsent("batches/x.parquet", bytes("later"));
        assertContent("batches/x.parquet", bytes("later"));
    }

    @Test
    void failedAndAbandonedWritesLeaveNoTemporaryFiles() throws IOException {
        store.putIfAbsent("k", bytes("1"));
        try (BlobWriter writer = store.create("k")) {
            writer.write(bytes("2"));
            assertThatThrownBy(writer::publish).isInstanceOf(BlobAlreadyExistsException.class);
        }
        try (BlobWriter writer = store.create("other")) {
            writer.write(bytes("abandoned"));
        }
        assertThat(hdfs().listTemporaryFiles()).isEmpty();
        assertContent("k", bytes("1"));
    }

    @Test
    void aSchemelessRootUsesTheDefaultFileSystem() throws IOException {
        String path = "/stores/schemeless-" + STORES.incrementAndGet();
        try (HadoopBlobStore schemeless = new HadoopBlobStore(path, conf)) {
            assertThat(schemeless.describe()).isEqualTo(fs.getUri() + path);
            schemeless.putIfAbsent("k", bytes("v"));
        }
        assertThat(fs.getFileStatus(new Path(path, "k")).getLen()).isEqualTo(1);
    }

    @Test
    void aViewfsRootPublishesThroughTheMountedHdfs() throws IOException {
        int n = STORES.incrementAndGet();
        Configuration viewConf = new Configuration(conf);
        viewConf.set(
                "fs.viewfs.mounttable.persist.link./v" + n, fs.getUri() + "/viewfs-target-" + n);
        try (HadoopBlobStore view =
                new HadoopBlobStore("viewfs://persist/v" + n + "/orders", viewConf)) {
            assertThat(view.describe()).isEqualTo("viewfs://persist/v" + n + "/orders");
            view.putIfAbsent("state/00000000000000000001", bytes("one"));
            try (BlobWriter writer = view.create("state/00000000000000000001")) {
                writer.write(bytes("two"));
                assertThatThrownBy(writer::publish).isInstanceOf(BlobAlreadyExistsException.class);
            }
            try (BlobWriter writer = view.create("state")) {
                writer.write(bytes("onto a directory"));
                assertThatThrownBy(writer::publish)
                        .isExactlyInstanceOf(BlobStoreException.class)
                        .hasMessageContaining("the key is a directory");
            }
            assertThat(view.list(""))
                    .extracting(BlobInfo::key)
                    .containsExactly("state/00000000000000000001");
            assertThat(view.listTemporaryFiles()).isEmpty();
        }
        Path onHdfs = new Path("/viewfs-target-" + n + "/orders/state/00000000000000000001");
        assertThat(fs.getFileStatus(onHdfs).getLen()).isEqualTo(3);
    }

    /** Two stores on one root: separate Hadoop clients race through the NameNode. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void storesInSeparateClientsHaveExactlyOneWinnerPerKey() throws Exception {
        URI root = freshRoot();
        Configuration uncached = new Configuration(conf);
        uncached.setBoolean("fs.hdfs.impl.disable.cache", true);
        List<HadoopBlobStore> stores =
                List.of(HadoopBlobStore.open(root, conf), HadoopBlobStore.open(root, uncached));
        int keys = 25;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> wins = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                HadoopBlobStore mine = stores.get(t % 2);
                int thread = t;
                wins.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    int won = 0;
                                    for (int k = 0; k < keys; k++) {
                                        try {
                                            // Streamed, so that the rename (not the early existence
                                            // check) decides.
                                            try (BlobWriter writer = mine.create("race/" + k)) {
                                                writer.write(bytes("thread=" + thread));
                                                writer.publish();
                                            }
                                            won++;
                                        } catch (BlobAlreadyExistsException e) {
                                            // lost the race for this key
                                        }
                                    }
                                    return won;
                                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : wins) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(keys);
            assertThat(stores.get(0).list("race/")).hasSize(keys);
            assertThat(stores.get(1).listTemporaryFiles()).isEmpty();
            for (FileStatus s : fs.listStatus(new Path(root.toString(), "race"))) {
                assertThat(s.isFile()).as("%s is a file", s.getPath()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
