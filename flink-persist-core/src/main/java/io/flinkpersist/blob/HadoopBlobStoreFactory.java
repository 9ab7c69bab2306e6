package io.flinkpersist.blob;

import java.io.IOException;
import java.net.URI;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * Opens {@link HadoopBlobStore}s for HDFS ({@code hdfs}, {@code viewfs}). {@link BlobStores} also
 * sends it every scheme no factory serves: the store opens those vouched for in the Hadoop
 * configuration and refuses the rest, saying what they lack.
 */
public final class HadoopBlobStoreFactory implements BlobStoreFactory {

    @Override
    public Set<String> schemes() {
        return HadoopBlobStore.RENAME_SCHEMES;
    }

    @Override
    public BlobStore open(URI root, Configuration hadoopConf) throws IOException {
        return HadoopBlobStore.open(root, hadoopConf);
    }
}
