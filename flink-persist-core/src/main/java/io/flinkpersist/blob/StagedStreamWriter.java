package io.flinkpersist.blob;

import java.io.IOException;
import org.apache.hadoop.fs.FSDataOutputStream;

/**
 * A {@link StagedBlobWriter} that stages into a Hadoop output stream: a temporary file ({@link
 * HadoopBlobStore}) or an upload that the close completes ({@link S3ABlobStore}). A failed write
 * certainly did not publish.
 */
abstract class StagedStreamWriter extends StagedBlobWriter {

    /** Where the bytes go. */
    final FSDataOutputStream out;

    StagedStreamWriter(String key, String location, FSDataOutputStream out) {
        super(key, location);
        this.out = out;
    }

    @Override
    void stage(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw failure("write", e);
        }
    }

    @Override
    void stage(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw failure("write", e);
        }
    }
}
