package io.flinkpersist.blob;

import java.io.IOException;
import java.util.List;

/**
 * A blob store that stages writes in temporary files, which a crash can leave behind. Garbage
 * collection lists them and deletes those older than its grace period.
 */
public interface TemporaryFiles {

    /**
     * The leftover temporary files; {@link BlobInfo#key()} is the name to pass to {@link
     * #deleteTemporaryFile}.
     */
    List<BlobInfo> listTemporaryFiles() throws IOException;

    /** Deletes one temporary file; returns whether it existed. */
    boolean deleteTemporaryFile(String name) throws IOException;
}
