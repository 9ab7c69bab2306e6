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

    /** A listing of {@code prefix} that failed. */
    static BlobStoreException cannotList(String prefix, String location, IOException cause) {
        return new BlobStoreException(
                "Cannot list blobs: "
                        + cause
                        + " (prefix="
                        + prefix
                        + ", location="
                        + location
                        + ")",
                cause);
    }
}
