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
 *   <li>{@code keyBloomFilterFpp}: the false-positive probability of the bloom filter on the key
 *       column written with each row group (Parquet's split-block bloom filter, which other Parquet
 *       readers understand), default 0.01 (1.2 to 2.4 bytes per row: Parquet sizes a filter to a
 *       power of two; 1.7 per row in a measured file of 1 M rows, 7% of its size); 0 writes none. A
 *       point lookup skips the row groups whose filter rules its key out. A collection writes them
 *       into its trace batches (drains and merges), not into its short-lived unsealed ones.
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
    public static final double DEFAULT_KEY_BLOOM_FILTER_FPP = 0.01;

    private static final BatchWriteOptions DEFAULTS =
            new BatchWriteOptions(
                    Compression.ZSTD,
                    DEFAULT_ROW_GROUP_SIZE_BYTES,
                    DEFAULT_PAGE_SIZE_BYTES,
                    DEFAULT_KEY_BLOOM_FILTER_FPP);

    private final Compression compression;
    private final long rowGroupSizeBytes;
    private final int pageSizeBytes;
    private final double keyBloomFilterFpp;

    private BatchWriteOptions(
            Compression compression,
            long rowGroupSizeBytes,
            int pageSizeBytes,
            double keyBloomFilterFpp) {
        this.compression = compression;
        this.rowGroupSizeBytes = rowGroupSizeBytes;
        this.pageSizeBytes = pageSizeBytes;
        this.keyBloomFilterFpp = keyBloomFilterFpp;
    }

    /** ZSTD, 8 MiB row groups, 1 MiB pages, key bloom filters of 1% false positives. */
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

    /** The key bloom filters' false-positive probability; 0 when none are written. */
    public double keyBloomFilterFpp() {
        return keyBloomFilterFpp;
    }

    public BatchWriteOptions withCompression(Compression compression) {
        Objects.requireNonNull(compression, "compression");
        return new BatchWriteOptions(
                compression, rowGroupSizeBytes, pageSizeBytes, keyBloomFilterFpp);
    }

    /** Sets the target row group size; at least 1 KiB. */
    public BatchWriteOptions withRowGroupSizeBytes(long bytes) {
        if (bytes < 1024) {
            throw new IllegalArgumentException(
                    "Cannot set row group size: it must be at least 1024 bytes; 8 MiB is a good default (rowGroupSizeBytes="
                            + bytes
                            + ")");
        }
        return new BatchWriteOptions(compression, bytes, pageSizeBytes, keyBloomFilterFpp);
    }

    /** Sets the target page size; at least 64 bytes. */
    public BatchWriteOptions withPageSizeBytes(int bytes) {
        if (bytes < 64) {
            throw new IllegalArgumentException(
                    "Cannot set page size: it must be at least 64 bytes; 1 MiB is a good default (pageSizeBytes="
                            + bytes
                            + ")");
        }
        return new BatchWriteOptions(compression, rowGroupSizeBytes, bytes, keyBloomFilterFpp);
    }

    /**
     * Sets the key bloom filters' false-positive probability: in {@code [0, 1)}, 0 for no filters.
     */
    public BatchWriteOptions withKeyBloomFilterFpp(double fpp) {
        if (!(fpp >= 0 && fpp < 1)) {
            throw new IllegalArgumentException(
                    "Cannot set the key bloom filter's false-positive probability: it must be in [0, 1),"
                            + " 0 for no filter; 0.01 is a good default (keyBloomFilterFpp="
                            + fpp
                            + ")");
        }
        return new BatchWriteOptions(compression, rowGroupSizeBytes, pageSizeBytes, fpp);
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
                && Double.compare(keyBloomFilterFpp, other.keyBloomFilterFpp) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(compression, rowGroupSizeBytes, pageSizeBytes, keyBloomFilterFpp);
    }

    @Override
    public String toString() {
        return "BatchWriteOptions(compression="
                + compression
                + ", rowGroupSizeBytes="
                + rowGroupSizeBytes
                + ", pageSizeBytes="
                + pageSizeBytes
                + ", keyBloomFilterFpp="
                + keyBloomFilterFpp
                + ")";
    }
}
