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
 * @param minKey a lower bound of the keys: the least key, from the {@code k} column's footer
 *     statistics; where Parquet left those out (it drops binary statistics whose min and max take 4
 *     KiB or more), the least page minimum of the column index, which may be truncated to a prefix
 *     of the least key. Null when neither exists, see {@link #hasKeyBounds()}
 * @param maxKey an upper bound of the keys, from the same source: the greatest key, or a truncated
 *     page maximum at or above it; null exactly when {@code minKey} is
 * @param keyBoundsExact whether the bounds are the least and greatest keys themselves (footer
 *     statistics), not enclosing truncations of them (column index)
 */
public record RowGroupInfo(
        int index,
        long rowCount,
        long compressedBytes,
        long uncompressedBytes,
        byte[] minKey,
        byte[] maxKey,
        boolean keyBoundsExact) {

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
                && Arrays.equals(maxKey, r.maxKey)
                && keyBoundsExact == r.keyBoundsExact;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                index,
                rowCount,
                compressedBytes,
                uncompressedBytes,
                Arrays.hashCode(minKey),
                Arrays.hashCode(maxKey),
                keyBoundsExact);
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
                + (keyBoundsExact || minKey == null ? "" : ", bounds truncated")
                + ")";
    }
}
