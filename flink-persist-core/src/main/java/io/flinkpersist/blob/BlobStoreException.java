package io.flinkpersist.blob;

import java.io.IOException;

/** A blob store operation failed and certainly did not apply; retrying it is safe. */
public class BlobStoreException extends IOException {
    public BlobStoreException(String message) {
        super(message);
    }

    public BlobStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
