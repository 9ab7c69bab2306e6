package io.flinkpersist.blob;

/**
 * A listed blob.
 *
 * @param key the key relative to the store root
 * @param sizeBytes the blob's length
 * @param lastModifiedMillis when it was published, in epoch milliseconds as the store reports it
 */
public record BlobInfo(String key, long sizeBytes, long lastModifiedMillis) {}
