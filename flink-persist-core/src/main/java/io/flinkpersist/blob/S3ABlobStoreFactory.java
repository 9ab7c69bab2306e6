package io.flinkpersist.blob;

import java.io.IOException;
import java.net.URI;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/** Opens {@link S3ABlobStore}s for {@code s3a://} and {@code s3://} locations. */
public final class S3ABlobStoreFactory implements BlobStoreFactory {

    @Override
    public Set<String> schemes() {
        return S3ABlobStore.SCHEMES;
    }

    @Override
    public BlobStore open(URI root, Configuration hadoopConf) throws IOException {
        return S3ABlobStore.open(root, hadoopConf);
    }
}
