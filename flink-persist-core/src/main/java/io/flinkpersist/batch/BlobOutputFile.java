package io.flinkpersist.batch;

import io.flinkpersist.blob.BlobWriter;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.parquet.io.DelegatingPositionOutputStream;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * A Parquet {@link OutputFile} over a {@link BlobWriter}. Closing the Parquet stream only flushes:
 * the owner publishes or discards the blob. After {@link #discard()} writes are dropped, so that
 * closing an abandoned Parquet writer costs no I/O.
 */
final class BlobOutputFile implements OutputFile {

    private final String key;
    private final BlobWriter writer;
    private boolean created;
    private volatile boolean discarding;

    BlobOutputFile(String key, BlobWriter writer) {
        this.key = key;
        this.writer = writer;
    }

    void discard() {
        discarding = true;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
        if (created) {
            throw new IOException(
                    "Cannot create blob " + key + ": the Parquet stream is already open");
        }
        created = true;
        return new DelegatingPositionOutputStream(new Target()) {
            @Override
            public long getPos() throws IOException {
                return writer.position();
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
        return create(blockSizeHint);
    }

    @Override
    public boolean supportsBlockSize() {
        return false;
    }

    @Override
    public long defaultBlockSize() {
        return 0;
    }

    @Override
    public String getPath() {
        return key;
    }

    private final class Target extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            if (!discarding) {
                writer.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (!discarding) {
                writer.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            if (!discarding) {
                writer.flush();
            }
        }

        @Override
        public void close() {}
    }
}
