package io.flinkpersist.batch;

import java.util.Objects;

/**
 * How a {@link BatchWriter} encodes a batch file. Immutable; start from {@link #defaults()} and
 * change values with the {@code with*} methods, which validate their argument.
 *
 * <ul>
 *   <li>{@code compression}: the page codec, default {@link Compression#ZSTD} (smallest files;
 *       {@link Compression#SNAPPY} is about 25% faster to write).
 *   <li>{@code rowGroupSizeBytes}: the target size of a row group, default 8 MiB. A row group is
 *       the unit of reading, so it bounds the memory of a reader.
 *   <li>{@code pageSizeBytes}: the target size of a page, default 1 MiB.
 * </ul>
 *
 * <p>Sizes count the values as Parquet's {@code PLAIN} encoding lays them out before compression (4
 * + length bytes per key and value, 8 per time and diff); every column is {@code PLAIN}, see {@link
 * BatchFileEncoder}.
 *
 * <p>Column statistics and page indexes are always written; the reader relies on the key column's
 * statistics for {@link RowGroupInfo#minKey()} and {@link RowGroupInfo#maxKey()}.
 */
public final class BatchWriteOptions {

    /** The page compression codecs a batch file may use. */
    public enum Compression {
        UNCOMPRESSED,
        SNAPPY,
        ZSTD
    }

    public static final long DEFAULT_ROW_GROUP_SIZE_BYTES = 8L << 20;
    public static final int DEFAULT_PAGE_SIZE_BYTES = 1 << 20;

    private static final BatchWriteOptions DEFAULTS =
            new BatchWriteOptions(
                    Compression.ZSTD, DEFAULT_ROW_GROUP_SIZE_BYTES, DEFAULT_PAGE_SIZE_BYTES);

    private final Compression compression;
    private final long rowGroupSizeBytes;
    private final int pageSizeBytes;

    private BatchWriteOptions(Compression compression, long rowGroupSizeBytes, int pageSizeBytes) {
        this.compression = compression;
        this.rowGroupSizeBytes = rowGroupSizeBytes;
        this.pageSizeBytes = pageSizeBytes;
    }

    /** ZSTD, 8 MiB row groups, 1 MiB pages. */
    public static BatchWriteOptions defaults() {
        return DEFAULTS;
    }

    public Compression compression() {
        return compression;
    }

    public long rowGroupSizeBytes() {
        return rowGroupSizeBytes;
    }

    public int pageSizeBytes() {
        return pageSizeBytes;
    }

    public BatchWriteOptions withCompression(Compression compression) {
        Objects.requireNonNull(compression, "compression");
        return new BatchWriteOptions(compression, rowGroupSizeBytes, pageSizeBytes);
    }

    /** Sets the target row group size; at least 1 KiB. */
    public BatchWriteOptions withRowGroupSizeBytes(long bytes) {
        if (bytes < 1024) {
            throw new IllegalArgumentException(
                    "Cannot set row group size: it must be at least 1024 bytes; 8 MiB is a good default (rowGroupSizeBytes="
                            + bytes
                            + ")");
        }
        return new BatchWriteOptions(compression, bytes, pageSizeBytes);
    }

    /** Sets the target page size; at least 64 bytes. */
    public BatchWriteOptions withPageSizeBytes(int bytes) {
        if (bytes < 64) {
            throw new IllegalArgumentException(
                    "Cannot set page size: it must be at least 64 bytes; 1 MiB is a good default (pageSizeBytes="
                            + bytes
                            + ")");
        }
        return new BatchWriteOptions(compression, rowGroupSizeBytes, bytes);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof BatchWriteOptions)) {
            return false;
        }
        BatchWriteOptions other = (BatchWriteOptions) o;
        return compression == other.compression
                && rowGroupSizeBytes == other.rowGroupSizeBytes
                && pageSizeBytes == other.pageSizeBytes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(compression, rowGroupSizeBytes, pageSizeBytes);
    }

    @Override
    public String toString() {
        return "BatchWriteOptions(compression="
                + compression
                + ", rowGroupSizeBytes="
                + rowGroupSizeBytes
                + ", pageSizeBytes="
                + pageSizeBytes
                + ")";
    }
}
