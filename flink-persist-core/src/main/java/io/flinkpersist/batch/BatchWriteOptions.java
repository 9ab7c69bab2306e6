package io.flinkpersist.batch;

import java.util.Objects;

/**
 * How a {@link BatchWriter} encodes a batch file. Immutable; start from {@link #defaults()} and
 * change values with the {@code with*} methods, which validate their argument.
 *
 * <ul>
 *   <li>{@code compression}: the page codec, default {@link Compression#ZSTD} (smallest files;
 *       {@link Compression#SNAPPY} is about 25% faster to write).
 *   <li>{@code rowGroupSizeBytes}: the target size of a row group, default 8 MiB. A row group is the
 *       unit of reading, so it bounds the memory of a reader.
 *   <li>{@code pageSizeBytes}: the target size of a page, default 1 MiB.
 *   <li>{@code keyValueDictionary}: dictionary encoding for the key and value columns, default off:
 *       for sorted, mostly distinct keys it costs 5–15% CPU and saves little. Time and diff columns
 *       always use Parquet's default (dictionary on).
 * </ul>
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
            new BatchWriteOptions(Compression.ZSTD, DEFAULT_ROW_GROUP_SIZE_BYTES, DEFAULT_PAGE_SIZE_BYTES, false);

    private final Compression compression;
    private final long rowGroupSizeBytes;
    private final int pageSizeBytes;
    private final boolean keyValueDictionary;

    private BatchWriteOptions(
            Compression compression, long rowGroupSizeBytes, int pageSizeBytes, boolean keyValueDictionary) {
        this.compression = compression;
        this.rowGroupSizeBytes = rowGroupSizeBytes;
        this.pageSizeBytes = pageSizeBytes;
        this.keyValueDictionary = keyValueDictionary;
    }

    /** ZSTD, 8 MiB row groups, 1 MiB pages, no dictionary for keys and values. */
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

    public boolean keyValueDictionary() {
        return keyValueDictionary;
    }

    public BatchWriteOptions withCompression(Compression compression) {
        Objects.requireNonNull(compression, "compression");
        return new BatchWriteOptions(compression, rowGroupSizeBytes, pageSizeBytes, keyValueDictionary);
    }

    /** Sets the target row group size; at least 1 KiB. */
    public BatchWriteOptions withRowGroupSizeBytes(long bytes) {
        if (bytes < 1024) {
            throw new IllegalArgumentException(
                    "Cannot set row group size: it must be at least 1024 bytes; 8 MiB is a good default (rowGroupSizeBytes="
                            + bytes
                            + ")");
        }
        return new BatchWriteOptions(compression, bytes, pageSizeBytes, keyValueDictionary);
    }

    /** Sets the target page size; at least 64 bytes. */
    public BatchWriteOptions withPageSizeBytes(int bytes) {
        if (bytes < 64) {
            throw new IllegalArgumentException(
                    "Cannot set page size: it must be at least 64 bytes; 1 MiB is a good default (pageSizeBytes="
                            + bytes
                            + ")");
        }
        return new BatchWriteOptions(compression, rowGroupSizeBytes, bytes, keyValueDictionary);
    }

    public BatchWriteOptions withKeyValueDictionary(boolean enabled) {
        return new BatchWriteOptions(compression, rowGroupSizeBytes, pageSizeBytes, enabled);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof BatchWriteOptions)) {
            return false;
        }
        BatchWriteOptions other = (BatchWriteOptions) o;
        return compression == other.compression
                && rowGroupSizeBytes == other.rowGroupSizeBytes
                && pageSizeBytes == other.pageSizeBytes
                && keyValueDictionary == other.keyValueDictionary;
    }

    @Override
    public int hashCode() {
        return Objects.hash(compression, rowGroupSizeBytes, pageSizeBytes, keyValueDictionary);
    }

    @Override
    public String toString() {
        return "BatchWriteOptions(compression="
                + compression
                + ", rowGroupSizeBytes="
                + rowGroupSizeBytes
                + ", pageSizeBytes="
                + pageSizeBytes
                + ", keyValueDictionary="
                + keyValueDictionary
                + ")";
    }
}
