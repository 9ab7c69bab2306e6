package io.flinkpersist.blob;

import java.io.IOException;
import java.util.Objects;

/**
 * The write protocol the file-system stores share: bytes go to a private staging area of the
 * store's own (a temporary file, or an object store's upload); {@link #publish()} makes them
 * durable, closes the staging area and publishes it under the key without ever replacing a blob;
 * closing an unpublished writer discards what was staged. This class keeps the writer's state
 * (open, published or closed; the position) and the order of the steps; a store supplies the steps.
 */
abstract class StagedBlobWriter extends BlobWriter {

    private final String key;
    private final String location;
    private long position;
    private boolean done;

    StagedBlobWriter(String key, String location) {
        this.key = key;
        this.location = location;
    }

    /** The key the blob is published under. */
    final String key() {
        return key;
    }

    /** Writes one byte to the temporary file. */
    abstract void stage(int b) throws IOException;

    /** Writes bytes to the temporary file. */
    abstract void stage(byte[] b, int off, int len) throws IOException;

    /** Flushes what is buffered to the temporary file. */
    abstract void flushStaged() throws IOException;

    /** Makes the temporary file durable and closes it; a failure here certainly did not publish. */
    abstract void syncAndClose() throws IOException;

    /** Publishes the closed temporary file under the key, never replacing a blob. */
    abstract void publishStaged() throws IOException;

    /** Closes and deletes the temporary file, whatever state it is in; never throws. */
    abstract void discard();

    /** A failure that certainly did not apply, naming the key and the store. */
    abstract BlobStoreException failure(String verb, Exception cause);

    @Override
    public final void write(int b) throws IOException {
        checkOpen();
        stage(b);
        position++;
    }

    @Override
    public final void write(byte[] b, int off, int len) throws IOException {
        checkOpen();
        Objects.checkFromIndexSize(off, len, b.length);
        stage(b, off, len);
        position += len;
    }

    @Override
    public final void flush() throws IOException {
        checkOpen();
        flushStaged();
    }

    @Override
    public final long position() {
        return position;
    }

    @Override
    public final void publish() throws IOException {
        checkOpen();
        done = true;
        try {
            syncAndClose();
        } catch (IOException e) {
            discard();
            throw e instanceof BlobStoreException ? e : failure("publish", e);
        }
        publishStaged();
    }

    @Override
    public final void close() {
        if (!done) {
            done = true;
            discard();
        }
    }

    private void checkOpen() throws IOException {
        if (done) {
            throw new IOException(
                    "Cannot write blob "
                            + key
                            + ": the writer is published or closed (location="
                            + location
                            + ")");
        }
    }
}
