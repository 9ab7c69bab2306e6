package io.flinkpersist.blob;

import java.net.URI;
import java.nio.file.Path;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/** Opens {@link LocalFileBlobStore}s: plain paths and {@code file:} URIs. */
public final class LocalFileBlobStoreFactory implements BlobStoreFactory {

    @Override
    public Set<String> schemes() {
        return Set.of("file");
    }

    @Override
    public BlobStore open(URI root, Configuration hadoopConf) {
        return new LocalFileBlobStore(Path.of(root));
    }
}
