package io.flinkpersist.batch;

import java.util.Arrays;
import java.util.Objects;

/**
 * The decoded updates of one row group of a batch file, column by column, as kept by {@link
 * BatchCache}. Batch files are immutable, so a decoded row group never goes stale.
 *
 * <p>Each key and value is an array of its own, copied once when the row group was decoded, so the
 * reads the cache serves, often many for one decode, hand them out without copying.
 *
 * <p>Instances are immutable: the arrays are never handed out, and the key and value arrays
 * returned by {@link #key(int)} and {@link #value(int)} must not be modified (as with any {@link
 * UpdateCursor}). They are built in this package; those {@link BatchReader} puts in a {@link
 * BatchCache} passed validation, so their updates satisfy I8 (strictly increasing in {@code (k, v,
 * t)}, non-zero diffs).
 */
public final class DecodedRowGroup {

    /*
     * Heap layout assumed by sizeBytes(): a 64-bit JVM with compressed class pointers and compressed
     * references (the default below a 32 GiB heap), objects aligned to 8 bytes.
     */
    static final int OBJECT_HEADER_BYTES = 12;
    static final int ARRAY_HEADER_BYTES = 16;
    static final int REFERENCE_BYTES = 4;

    /** This object: header, four array references, two ints, two longs. */
    static final long SHALLOW_BYTES =
            align(OBJECT_HEADER_BYTES + 4L * REFERENCE_BYTES + 4 + 4 + 8 + 8);

    private final int rowGroup;
    private final int fileRowGroupCount;
    private final long firstRow;
    private final byte[][] keys;
    private final byte[][] values;
    private final long[] times;
    private final long[] diffs;
    private final long sizeBytes;

    private DecodedRowGroup(Builder b) {
        this.rowGroup = b.rowGroup;
        this.fileRowGroupCount = b.fileRowGroupCount;
        this.firstRow = b.firstRow;
        boolean exact = b.size == b.keys.length;
        this.keys = exact ? b.keys : Arrays.copyOf(b.keys, b.size);
        this.values = exact ? b.values : Arrays.copyOf(b.values, b.size);
        this.times = exact ? b.times : Arrays.copyOf(b.times, b.size);
        this.diffs = exact ? b.diffs : Arrays.copyOf(b.diffs, b.size);
        this.sizeBytes = estimateSize(keys, values);
    }

    /**
     * Starts a row group.
     *
     * @param rowGroup its index in its file, from 0
     * @param fileRowGroupCount the number of row groups of the file, so that a read served wholly
     *     from a cache knows where the file ends without reading its footer
     * @param firstRow the file-wide number (from 0) of its first update, for error messages
     */
    static Builder builder(int rowGroup, int fileRowGroupCount, long firstRow) {
        if (rowGroup < 0 || fileRowGroupCount <= rowGroup || firstRow < 0) {
            throw new IllegalArgumentException(
                    "Cannot build decoded row group: need 0 <= rowGroup < fileRowGroupCount and firstRow >= 0"
                            + " (rowGroup="
                            + rowGroup
                            + ", fileRowGroupCount="
                            + fileRowGroupCount
                            + ", firstRow="
                            + firstRow
                            + ")");
        }
        return new Builder(rowGroup, fileRowGroupCount, firstRow);
    }

    /** The row group's index in its file, from 0. */
    public int rowGroup() {
        return rowGroup;
    }

    /** The number of row groups of the file the row group belongs to. */
    public int fileRowGroupCount() {
        return fileRowGroupCount;
    }

    /** The file-wide number (from 0) of the row group's first update. */
    public long firstRow() {
        return firstRow;
    }

    /** The number of updates. */
    public int size() {
        return keys.length;
    }

    public byte[] key(int i) {
        return keys[i];
    }

    public byte[] value(int i) {
        return values[i];
    }

    public long time(int i) {
        return times[i];
    }

    public long diff(int i) {
        return diffs[i];
    }

    /**
     * An estimate of the heap this row group retains, in bytes: this object, the two reference
     * arrays (16-byte header plus 4 bytes per element), every key and value array (16-byte header
     * plus its length), and the two {@code long[]} (16-byte header plus 8 bytes per element), each
     * rounded up to 8 bytes. A key or value array shared by several rows (Parquet may hand out one
     * array per dictionary entry) is counted once per row, so the estimate errs high.
     */
    public long sizeBytes() {
        return sizeBytes;
    }

    /** A cursor over the updates, in order; closing it releases nothing. */
    public UpdateCursor cursor() {
        return new UpdateCursor() {
            private int next;
            private int current = -1;

            @Override
            public boolean advance() {
                if (next < keys.length) {
                    current = next++;
                    return true;
                }
                current = -1;
                return false;
            }

            @Override
            public byte[] key() {
                return keys[positioned()];
            }

            @Override
            public byte[] value() {
                return values[positioned()];
            }

            @Override
            public long time() {
                return times[positioned()];
            }

            @Override
            public long diff() {
                return diffs[positioned()];
            }

            /** Validated when decoded. */
            @Override
            public boolean consolidated() {
                return true;
            }

            private int positioned() {
                if (current < 0) {
                    throw new IllegalStateException(
                            "Cannot read update of decoded row group "
                                    + rowGroup
                                    + ": the cursor is not on an update; call advance() first");
                }
                return current;
            }

            @Override
            public void close() {
                current = -1;
                next = keys.length;
            }
        };
    }

    @Override
    public String toString() {
        return "DecodedRowGroup(rowGroup="
                + rowGroup
                + ", fileRowGroupCount="
                + fileRowGroupCount
                + ", firstRow="
                + firstRow
                + ", size="
                + keys.length
                + ", sizeBytes="
                + sizeBytes
                + ")";
    }

    private static long estimateSize(byte[][] keys, byte[][] values) {
        int n = keys.length;
        long bytes = SHALLOW_BYTES;
        bytes += 2 * align(ARRAY_HEADER_BYTES + (long) REFERENCE_BYTES * n);
        bytes += 2 * align(ARRAY_HEADER_BYTES + 8L * n);
        for (int i = 0; i < n; i++) {
            bytes += align(ARRAY_HEADER_BYTES + (long) keys[i].length);
            bytes += align(ARRAY_HEADER_BYTES + (long) values[i].length);
        }
        return bytes;
    }

    static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }

    /**
     * Collects the updates of one row group in order; not thread-safe, not usable after {@link
     * #build()}.
     */
    static final class Builder {
        private static final int INITIAL_CAPACITY = 16;

        private final int rowGroup;
        private final int fileRowGroupCount;
        private final long firstRow;
        private byte[][] keys = new byte[INITIAL_CAPACITY][];
        private byte[][] values = new byte[INITIAL_CAPACITY][];
        private long[] times = new long[INITIAL_CAPACITY];
        private long[] diffs = new long[INITIAL_CAPACITY];
        private int size;

        private Builder(int rowGroup, int fileRowGroupCount, long firstRow) {
            this.rowGroup = rowGroup;
            this.fileRowGroupCount = fileRowGroupCount;
            this.firstRow = firstRow;
        }

        /** Appends an update; the arrays are kept, not copied. */
        Builder add(byte[] key, byte[] value, long time, long diff) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (keys == null) {
                throw new IllegalStateException(
                        "Cannot add update to decoded row group " + rowGroup + ": already built");
            }
            if (size == keys.length) {
                int capacity =
                        Math.max(
                                INITIAL_CAPACITY,
                                (int) Math.min(Integer.MAX_VALUE - 8L, 2L * size));
                if (capacity == size) {
                    throw new IllegalStateException(
                            "Cannot add update to decoded row group "
                                    + rowGroup
                                    + ": it is full (size="
                                    + size
                                    + ")");
                }
                keys = Arrays.copyOf(keys, capacity);
                values = Arrays.copyOf(values, capacity);
                times = Arrays.copyOf(times, capacity);
                diffs = Arrays.copyOf(diffs, capacity);
            }
            keys[size] = key;
            values[size] = value;
            times[size] = time;
            diffs[size] = diff;
            size++;
            return this;
        }

        DecodedRowGroup build() {
            if (keys == null) {
                throw new IllegalStateException(
                        "Cannot build decoded row group " + rowGroup + ": already built");
            }
            DecodedRowGroup built = new DecodedRowGroup(this);
            keys = null;
            values = null;
            times = null;
            diffs = null;
            return built;
        }
    }
}
