package io.flinkpersist.blob;

/** A blob that was expected to exist is missing. */
public class BlobNotFoundException extends BlobStoreException {
    private final String key;

    public BlobNotFoundException(String key, String location) {
        super("Cannot read blob " + key + ": it does not exist (location=" + location + ")");
        this.key = key;
    }

    public String key() {
        return key;
    }
}
