package io.flinkpersist.batch;

import java.util.Arrays;
import java.util.Objects;

/**
 * One row group of a batch file, from the footer.
 *
 * @param index the row group's position in the file, from 0
 * @param rowCount the number of updates in the row group
 * @param compressedBytes the stored size of its column chunks
 * @param uncompressedBytes their size before compression
 * @param minKey the least key, from the {@code k} column statistics; null when the writer recorded no
 *     key statistics for the row group (Parquet drops statistics of values over 4 KiB), see {@link
 *     #hasKeyBounds()}
 * @param maxKey the greatest key, null exactly when {@code minKey} is
 */
public record RowGroupInfo(
        int index, long rowCount, long compressedBytes, long uncompressedBytes, byte[] minKey, byte[] maxKey) {

    public RowGroupInfo {
        if ((minKey == null) != (maxKey == null)) {
            throw new IllegalArgumentException(
                    "Cannot create row group info: minKey and maxKey must both be present or both absent (index="
                            + index
                            + ")");
        }
    }

    /** Whether {@link #minKey()} and {@link #maxKey()} are known. */
    public boolean hasKeyBounds() {
        return minKey != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowGroupInfo r
                && index == r.index
                && rowCount == r.rowCount
                && compressedBytes == r.compressedBytes
                && uncompressedBytes == r.uncompressedBytes
                && Arrays.equals(minKey, r.minKey)
                && Arrays.equals(maxKey, r.maxKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, rowCount, compressedBytes, uncompressedBytes, Arrays.hashCode(minKey), Arrays.hashCode(maxKey));
    }

    @Override
    public String toString() {
        return "RowGroupInfo(index="
                + index
                + ", rowCount="
                + rowCount
                + ", compressedBytes="
                + compressedBytes
                + ", uncompressedBytes="
                + uncompressedBytes
                + ", minKey="
                + BatchFormat.hex(minKey)
                + ", maxKey="
                + BatchFormat.hex(maxKey)
                + ")";
    }
}
