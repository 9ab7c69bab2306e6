package io.flinkpersist.batch;

import io.flinkpersist.blob.BlobReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A Parquet {@link InputFile} over a {@link BlobReader}. Failures of the reader itself are wrapped
 * in a {@link StorageFailure} so that they can be told apart from corrupt contents after Parquet
 * has wrapped them (see {@link BatchFormat#decodeFailure}). Closing streams does not close the
 * reader.
 */
public final class BlobInputFile implements InputFile {

    private final BlobReader reader;
    private final long length;

    /** Told the bytes read from the blob. */
    private final LongConsumer counter;

    public BlobInputFile(BlobReader reader) throws IOException {
        this(reader, n -> {});
    }

    /** Tells {@code counter} how many bytes each read took from the blob. */
    BlobInputFile(BlobReader reader, LongConsumer counter) throws IOException {
        this.reader = reader;
        this.length = reader.length();
        this.counter = counter;
    }

    @Override
    public long getLength() {
        return length;
    }

    @Override
    public SeekableInputStream newStream() {
        BlobStream stream = new BlobStream();
        return new DelegatingSeekableInputStream(stream) {
            @Override
            public long getPos() {
                return stream.position;
            }

            @Override
            public void seek(long newPos) throws IOException {
                if (newPos < 0) {
                    throw new IOException(
                            "Cannot seek in blob "
                                    + reader.key()
                                    + ": negative position (position="
                                    + newPos
                                    + ")");
                }
                stream.position = newPos;
            }
        };
    }

    @Override
    public String toString() {
        return reader.key();
    }

    /** An I/O failure of the blob reader (not of the contents); the cause is the original. */
    static final class StorageFailure extends IOException {
        StorageFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private final class BlobStream extends InputStream {
        long position;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n;
            try {
                n = reader.read(position, buffer, offset, len);
            } catch (IOException e) {
                throw new StorageFailure(e);
            }
            if (n > 0) {
                counter.accept(n);
            }
            if (n > 0) {
                position += n;
            }
            return n;
        }

        @Override
        public long skip(long n) {
            long skipped = Math.max(0, Math.min(n, length - position));
            position += skipped;
            return skipped;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, Math.max(0, length - position));
        }

        @Override
        public void close() {}
    }
}
