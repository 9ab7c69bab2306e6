package io.flinkpersist.blob;

/** A put-if-absent or publish found its key taken: nothing was written. */
public class BlobAlreadyExistsException extends BlobStoreException {
    private final String key;

    public BlobAlreadyExistsException(String key, String location) {
        super("Cannot create blob " + key + ": it already exists (location=" + location + ")");
        this.key = key;
    }

    public String key() {
        return key;
    }
}
