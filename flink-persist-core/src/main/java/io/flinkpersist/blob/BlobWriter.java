package io.flinkpersist.blob;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A streamed write of one new blob. Bytes go to a private place; {@link #publish()} makes the blob
 * visible under its key atomically and durably, failing if the key already exists. {@link #close()}
 * without a successful publish discards the bytes.
 */
public abstract class BlobWriter extends OutputStream {

    /** Number of bytes written so far. */
    public abstract long position() throws IOException;

    /**
     * Flushes, syncs and publishes the blob under its key.
     *
     * @throws BlobAlreadyExistsException if the key exists (nothing is published)
     */
    public abstract void publish() throws IOException;
}
