package io.flinkpersist.blob;

import java.io.IOException;
import java.net.URI;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * Opens the blob stores of the location schemes it serves. {@link BlobStores} finds factories with
 * {@link java.util.ServiceLoader} and keys them by scheme, so a new store is one class and one line
 * in {@code META-INF/services/io.flinkpersist.blob.BlobStoreFactory}; a scheme no factory serves
 * goes to {@link HadoopBlobStore}, which opens the ones vouched for in the Hadoop configuration and
 * refuses the rest with the reason.
 */
public interface BlobStoreFactory {

    /**
     * The URI schemes this factory opens, lower case (e.g. {@code hdfs}); a plain path is {@code
     * file}.
     */
    Set<String> schemes();

    /**
     * Opens the store rooted at {@code root}, the location with the collection's name appended.
     * Opening touches nothing: a store prepares its directories on its first write.
     *
     * @param hadoopConf the Hadoop configuration, for stores on Hadoop filesystems
     * @throws IllegalArgumentException if the root is not a valid location for this store
     */
    BlobStore open(URI root, Configuration hadoopConf) throws IOException;
}
