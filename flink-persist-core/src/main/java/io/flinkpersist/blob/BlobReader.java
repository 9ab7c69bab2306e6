package io.flinkpersist.blob;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;

/** Positional reads of one published blob. Safe for use by one thread at a time. */
public interface BlobReader extends Closeable {

    /** The key this reader was opened on. */
    String key();

    /** The blob's length in bytes. */
    long length() throws IOException;

    /**
     * Reads up to {@code length} bytes at {@code position} into {@code buffer}.
     *
     * @return the number of bytes read, or -1 at the end of the blob
     */
    int read(long position, byte[] buffer, int offset, int length) throws IOException;

    /** Reads exactly {@code length} bytes at {@code position}, failing on a short blob. */
    default void readFully(long position, byte[] buffer, int offset, int length)
            throws IOException {
        int done = 0;
        while (done < length) {
            int n = read(position + done, buffer, offset + done, length - done);
            if (n < 0) {
                throw new EOFException(
                        "Cannot read blob "
                                + key()
                                + ": it ends before the requested range (position="
                                + (position + done)
                                + ", missing="
                                + (length - done)
                                + ")");
            }
            done += n;
        }
    }
}
