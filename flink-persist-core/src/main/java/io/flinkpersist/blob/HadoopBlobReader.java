package io.flinkpersist.blob;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Objects;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options.OpenFileOptions;
import org.apache.hadoop.util.functional.FutureIO;

/**
 * Positional reads of a blob on a Hadoop filesystem through {@link FSDataInputStream#read(long,
 * byte[], int, int)}, bounded by the length the store saw when it opened the blob.
 */
record HadoopBlobReader(String key, FSDataInputStream in, long length) implements BlobReader {

    /**
     * Opens the file {@code status} describes for random reads (an object store then reads ranges,
     * not the whole object).
     *
     * @throws BlobNotFoundException if it is gone
     */
    static HadoopBlobReader open(FileSystem fs, FileStatus status, String key, String location)
            throws IOException {
        try {
            FSDataInputStream in =
                    FutureIO.awaitFuture(
                            fs.openFile(status.getPath())
                                    .withFileStatus(status)
                                    .opt(
                                            OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY,
                                            OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY_RANDOM)
                                    .build());
            return new HadoopBlobReader(key, in, status.getLen());
        } catch (IOException e) {
            if (HadoopBlobStore.unwrap(e) instanceof FileNotFoundException) {
                throw new BlobNotFoundException(key, location);
            }
            throw new BlobStoreException(
                    "Cannot open blob " + key + ": " + e + " (location=" + location + ")", e);
        }
    }

    @Override
    public int read(long position, byte[] buffer, int offset, int length) throws IOException {
        if (position < 0) {
            throw new IllegalArgumentException(
                    "Cannot read blob " + key + ": negative position (position=" + position + ")");
        }
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (position >= this.length) {
            return -1;
        }
        if (length == 0) {
            return 0;
        }
        return in.read(position, buffer, offset, (int) Math.min(length, this.length - position));
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
