package io.flinkpersist.e2e;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * HDFS for one test class: a NameNode and a DataNode ({@link MiniDFSCluster}) in the test JVM, in
 * their own base directory, reached by the cluster's processes at {@code hdfs://localhost:<port>}.
 */
final class Hdfs implements AutoCloseable {

    private final MiniDFSCluster cluster;

    Hdfs(Path baseDir) throws IOException {
        Configuration conf = new Configuration();
        cluster =
                new MiniDFSCluster.Builder(conf, baseDir.toFile())
                        .numDataNodes(1)
                        .format(true)
                        .build();
        cluster.waitActive();
    }

    /** {@code hdfs://localhost:<port>}, no trailing slash. */
    String uri() {
        return "hdfs://localhost:" + cluster.getNameNodePort();
    }

    FileSystem fileSystem() throws IOException {
        return cluster.getFileSystem();
    }

    @Override
    public void close() {
        cluster.shutdown(true);
    }
}
