package io.flinkpersist.batch;

import java.util.Arrays;
import java.util.Objects;

/**
 * The decoded updates of one row group of a batch file, column by column, as kept by {@link
 * BatchCache}. Batch files are immutable, so a decoded row group never goes stale.
 *
 * <p>Keys and values are slices of the arrays the decoder filled (a page's values share one), kept
 * by reference. Instances are immutable: the column arrays are never handed out, and the arrays a
 * slice lies in must not be modified (as with any {@link UpdateCursor}). They are built in this
 * package; those {@link BatchReader} puts in a {@link BatchCache} passed validation, so their
 * updates satisfy I8 (strictly increasing in {@code (k, v, t)}, non-zero diffs).
 */
public final class DecodedRowGroup {

    /*
     * Heap layout assumed by sizeBytes(): a 64-bit JVM with compressed class pointers and compressed
     * references (the default below a 32 GiB heap), objects aligned to 8 bytes.
     */
    static final int OBJECT_HEADER_BYTES = 12;
    static final int ARRAY_HEADER_BYTES = 16;
    static final int REFERENCE_BYTES = 4;

    /** This object: header, eight array references, two ints, two longs. */
    static final long SHALLOW_BYTES =
            align(OBJECT_HEADER_BYTES + 8L * REFERENCE_BYTES + 4 + 4 + 8 + 8);

    private final int rowGroup;
    private final int fileRowGroupCount;
    private final long firstRow;
    private final byte[][] keyArrays;
    private final int[] keyOffsets;
    private final int[] keyLengths;
    private final byte[][] valueArrays;
    private final int[] valueOffsets;
    private final int[] valueLengths;
    private final long[] times;
    private final long[] diffs;
    private final long sizeBytes;

    private DecodedRowGroup(Builder b) {
        this.rowGroup = b.rowGroup;
        this.fileRowGroupCount = b.fileRowGroupCount;
        this.firstRow = b.firstRow;
        int n = b.size;
        this.keyArrays = Arrays.copyOf(b.keyArrays, n);
        this.keyOffsets = Arrays.copyOf(b.keyOffsets, n);
        this.keyLengths = Arrays.copyOf(b.keyLengths, n);
        this.valueArrays = Arrays.copyOf(b.valueArrays, n);
        this.valueOffsets = Arrays.copyOf(b.valueOffsets, n);
        this.valueLengths = Arrays.copyOf(b.valueLengths, n);
        this.times = Arrays.copyOf(b.times, n);
        this.diffs = Arrays.copyOf(b.diffs, n);
        this.sizeBytes = estimateSize(n, keyArrays, valueArrays);
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
        return times.length;
    }

    /** A copy of key {@code i}, or the array itself when it holds exactly the key. */
    public byte[] key(int i) {
        return HeldUpdate.exact(keyArrays[i], keyOffsets[i], keyLengths[i]);
    }

    /** A copy of value {@code i}, or the array itself when it holds exactly the value. */
    public byte[] value(int i) {
        return HeldUpdate.exact(valueArrays[i], valueOffsets[i], valueLengths[i]);
    }

    public byte[] keyArray(int i) {
        return keyArrays[i];
    }

    public int keyOffset(int i) {
        return keyOffsets[i];
    }

    public int keyLength(int i) {
        return keyLengths[i];
    }

    public byte[] valueArray(int i) {
        return valueArrays[i];
    }

    public int valueOffset(int i) {
        return valueOffsets[i];
    }

    public int valueLength(int i) {
        return valueLengths[i];
    }

    public long time(int i) {
        return times[i];
    }

    public long diff(int i) {
        return diffs[i];
    }

    /**
     * An estimate of the heap this row group retains, in bytes: this object; the two reference
     * arrays (16-byte header plus 4 bytes per element); the four {@code int[]} and two {@code
     * long[]} columns (16-byte header plus 4 or 8 bytes per element); and every array a key or
     * value lies in (16-byte header plus its length), counted once for a run of rows that share it,
     * as a page's rows do. Each is rounded up to 8 bytes.
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
                if (next < times.length) {
                    current = next++;
                    return true;
                }
                current = -1;
                return false;
            }

            @Override
            public byte[] key() {
                return DecodedRowGroup.this.key(positioned());
            }

            @Override
            public byte[] value() {
                return DecodedRowGroup.this.value(positioned());
            }

            @Override
            public byte[] keyArray() {
                return keyArrays[positioned()];
            }

            @Override
            public int keyOffset() {
                return keyOffsets[current];
            }

            @Override
            public int keyLength() {
                return keyLengths[current];
            }

            @Override
            public byte[] valueArray() {
                return valueArrays[positioned()];
            }

            @Override
            public int valueOffset() {
                return valueOffsets[current];
            }

            @Override
            public int valueLength() {
                return valueLengths[current];
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
                next = times.length;
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
                + times.length
                + ", sizeBytes="
                + sizeBytes
                + ")";
    }

    private static long estimateSize(int n, byte[][] keyArrays, byte[][] valueArrays) {
        long bytes = SHALLOW_BYTES;
        bytes += 2 * align(ARRAY_HEADER_BYTES + (long) REFERENCE_BYTES * n);
        bytes += 4 * align(ARRAY_HEADER_BYTES + 4L * n);
        bytes += 2 * align(ARRAY_HEADER_BYTES + 8L * n);
        return bytes + sharedArrayBytes(keyArrays) + sharedArrayBytes(valueArrays);
    }

    /** The bytes of the distinct arrays of {@code arrays}, a run of equal references once. */
    private static long sharedArrayBytes(byte[][] arrays) {
        long bytes = 0;
        byte[] last = null;
        for (byte[] a : arrays) {
            if (a != last) {
                bytes += align(ARRAY_HEADER_BYTES + (long) a.length);
                last = a;
            }
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
        private byte[][] keyArrays = new byte[INITIAL_CAPACITY][];
        private int[] keyOffsets = new int[INITIAL_CAPACITY];
        private int[] keyLengths = new int[INITIAL_CAPACITY];
        private byte[][] valueArrays = new byte[INITIAL_CAPACITY][];
        private int[] valueOffsets = new int[INITIAL_CAPACITY];
        private int[] valueLengths = new int[INITIAL_CAPACITY];
        private long[] times = new long[INITIAL_CAPACITY];
        private long[] diffs = new long[INITIAL_CAPACITY];
        private int size;
        private boolean built;

        private Builder(int rowGroup, int fileRowGroupCount, long firstRow) {
            this.rowGroup = rowGroup;
            this.fileRowGroupCount = fileRowGroupCount;
            this.firstRow = firstRow;
        }

        /** Appends an update whose key and value are whole arrays; they are kept, not copied. */
        Builder add(byte[] key, byte[] value, long time, long diff) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            return add(key, 0, key.length, value, 0, value.length, time, diff);
        }

        /**
         * Appends an update whose key and value are slices; the arrays are kept, not copied, and
         * must never change.
         */
        Builder add(
                byte[] keyArray,
                int keyOffset,
                int keyLength,
                byte[] valueArray,
                int valueOffset,
                int valueLength,
                long time,
                long diff) {
            Objects.requireNonNull(keyArray, "keyArray");
            Objects.requireNonNull(valueArray, "valueArray");
            if (built) {
                throw new IllegalStateException(
                        "Cannot add update to decoded row group " + rowGroup + ": already built");
            }
            if (size == times.length) {
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
                keyArrays = Arrays.copyOf(keyArrays, capacity);
                keyOffsets = Arrays.copyOf(keyOffsets, capacity);
                keyLengths = Arrays.copyOf(keyLengths, capacity);
                valueArrays = Arrays.copyOf(valueArrays, capacity);
                valueOffsets = Arrays.copyOf(valueOffsets, capacity);
                valueLengths = Arrays.copyOf(valueLengths, capacity);
                times = Arrays.copyOf(times, capacity);
                diffs = Arrays.copyOf(diffs, capacity);
            }
            keyArrays[size] = keyArray;
            keyOffsets[size] = keyOffset;
            keyLengths[size] = keyLength;
            valueArrays[size] = valueArray;
            valueOffsets[size] = valueOffset;
            valueLengths[size] = valueLength;
            times[size] = time;
            diffs[size] = diff;
            size++;
            return this;
        }

        DecodedRowGroup build() {
            if (built) {
                throw new IllegalStateException(
                        "Cannot build decoded row group " + rowGroup + ": already built");
            }
            built = true;
            return new DecodedRowGroup(this);
        }
    }
}
