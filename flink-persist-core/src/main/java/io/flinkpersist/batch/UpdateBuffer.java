package io.flinkpersist.batch;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Objects;

/**
 * A writer-side buffer of updates {@code (key, value, time, diff)} in a packed layout: never one
 * object per update. Not thread-safe.
 *
 * <p>Each update is a record of {@value #STRIDE} longs in one {@code long[]}: the first 8 key bytes
 * as a big-endian prefix (with the sign bit flipped so that signed comparison is unsigned byte
 * order, so most comparisons never touch the key bytes), the offset of the key in a {@code byte[]}
 * arena (the value follows the key), the key and value lengths packed into one long, the time and
 * the diff. {@link #sortAndConsolidate()} sorts by moving these records themselves (an introsort:
 * quicksort with a median-of-three or ninther pivot, insertion sort for short ranges and a heapsort
 * fallback), because sorting an index and reading through it costs about four times as much in
 * cache misses. Key and value bytes stay where they are in the arena.
 *
 * <p>Memory is {@link #memoryBytes()}: 40 bytes per update plus its key and value bytes, with
 * amortised doubling growth. Consolidation does not compact the arena; {@link #clear()} does, and
 * keeps the capacity.
 *
 * <h2>Invariants</h2>
 *
 * <p>After {@link #sortAndConsolidate()} and until the next {@link #add}, the contents satisfy I8:
 * strictly increasing in {@code (key, value, time)} order ({@link UpdateOrder}) with no zero diff.
 * {@link #validate()} checks it.
 */
public final class UpdateBuffer {

    private static final int STRIDE = 5;
    private static final int PREFIX = 0;
    private static final int OFFSET = 1;
    private static final int LENGTHS = 2;
    private static final int TIME = 3;
    private static final int DIFF = 4;

    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 16;
    private static final int INSERTION_SORT_MAX = 16;
    private static final int NINTHER_MIN = 128;

    private static final VarHandle LONG_BE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private long[] records;
    private int size;
    private byte[] arena;
    private int arenaUsed;
    private int modifications;
    private boolean consolidated = true;

    /** Scratch records: the pivot of a partition, and a record being moved. */
    private final long[] pivot = new long[STRIDE];

    private final long[] moving = new long[STRIDE];

    /** A buffer with room for 1024 updates and 64 KiB of key and value bytes to start with. */
    public UpdateBuffer() {
        this(1024, 64 << 10);
    }

    public UpdateBuffer(int initialUpdates, int initialArenaBytes) {
        if (initialUpdates < 0
                || initialArenaBytes < 0
                || initialUpdates > MAX_ARRAY_LENGTH / STRIDE) {
            throw new IllegalArgumentException(
                    "Cannot create update buffer: capacities must be non-negative and fit in an array (initialUpdates="
                            + initialUpdates
                            + ", initialArenaBytes="
                            + initialArenaBytes
                            + ")");
        }
        this.records = new long[initialUpdates * STRIDE];
        this.arena = new byte[initialArenaBytes];
    }

    /** Copies one update into the buffer. A zero diff is accepted; consolidation drops it. */
    public void add(byte[] key, byte[] value, long time, long diff) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        int keyLength = key.length;
        int valueLength = value.length;
        ensureArena((long) keyLength + valueLength);
        ensureRecords();
        int offset = arenaUsed;
        System.arraycopy(key, 0, arena, offset, keyLength);
        System.arraycopy(value, 0, arena, offset + keyLength, valueLength);
        arenaUsed = offset + keyLength + valueLength;
        int b = size * STRIDE;
        long[] r = records;
        r[b + PREFIX] = prefix(key);
        r[b + OFFSET] = offset;
        r[b + LENGTHS] = ((long) keyLength << 32) | (valueLength & 0xFFFF_FFFFL);
        r[b + TIME] = time;
        r[b + DIFF] = diff;
        size++;
        modifications++;
        consolidated = false;
    }

    /** The number of updates held (after consolidation: of distinct non-zero updates). */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The bytes of the arrays this buffer holds (their capacity, not only the part in use). */
    public long memoryBytes() {
        return 8L * records.length + arena.length;
    }

    /**
     * Bytes the current contents take: 40 per update plus its key and value bytes. A writer spills
     * when this reaches its bound; {@link #memoryBytes()} (the allocation) is at most about twice
     * it.
     */
    public long usedBytes() {
        return 8L * STRIDE * size + arenaUsed;
    }

    /** Empties the buffer, keeping its capacity. */
    public void clear() {
        size = 0;
        arenaUsed = 0;
        modifications++;
        consolidated = true;
    }

    /**
     * Sorts the updates by {@code (key, value, time)} (unsigned bytes, then time; {@link
     * UpdateOrder}), sums the diffs of equal {@code (key, value, time)} and drops zero sums. Diffs
     * are summed with wrapping {@code long} arithmetic.
     */
    public void sortAndConsolidate() {
        modifications++;
        if (size > 1) {
            int depthLimit = 2 * (32 - Integer.numberOfLeadingZeros(size));
            sort(0, size - 1, depthLimit);
        }
        consolidate();
        consolidated = true;
        assert validate();
    }

    /**
     * The least time of the contents; call after {@link #sortAndConsolidate()} for the time of the
     * consolidated contents. Takes time linear in {@link #size()}.
     *
     * @throws IllegalStateException if the buffer is empty
     */
    public long minTime() {
        checkNotEmpty("min time");
        long min = Long.MAX_VALUE;
        for (int b = TIME, end = size * STRIDE; b < end; b += STRIDE) {
            min = Math.min(min, records[b]);
        }
        return min;
    }

    /**
     * The greatest time of the contents; see {@link #minTime()}.
     *
     * @throws IllegalStateException if the buffer is empty
     */
    public long maxTime() {
        checkNotEmpty("max time");
        long max = Long.MIN_VALUE;
        for (int b = TIME, end = size * STRIDE; b < end; b += STRIDE) {
            max = Math.max(max, records[b]);
        }
        return max;
    }

    /**
     * A cursor over the contents in their current order: sorted and consolidated after {@link
     * #sortAndConsolidate()}, insertion order before. Each update gets fresh key and value arrays
     * that stay valid after the cursor moves on. The cursor fails with a {@link
     * ConcurrentModificationException} once the buffer changes.
     */
    public UpdateCursor cursor() {
        return new Cursor();
    }

    /**
     * Checks I8 (strictly increasing {@code (key, value, time)}, no zero diff) if the buffer is
     * consolidated; returns true so that it can run under {@code assert}.
     *
     * @throws IllegalStateException naming the invariant and the offending position
     */
    public boolean validate() {
        if (!consolidated) {
            return true;
        }
        for (int i = 0; i < size; i++) {
            int b = i * STRIDE;
            if (records[b + DIFF] == 0) {
                throw new IllegalStateException(
                        "Cannot validate update buffer: I8 broken, a consolidated update has a zero diff (index="
                                + i
                                + ")");
            }
            if (i > 0 && compare(records, b - STRIDE, records, b) >= 0) {
                throw new IllegalStateException(
                        "Cannot validate update buffer: I8 broken, consolidated updates are not strictly increasing (index="
                                + i
                                + ", size="
                                + size
                                + ")");
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------
    // storage

    /**
     * The first 8 key bytes, big-endian, zero-padded, with the sign bit flipped: signed comparison
     * of prefixes is then unsigned comparison of the bytes.
     */
    private static long prefix(byte[] key) {
        if (key.length >= 8) {
            return (long) LONG_BE.get(key, 0) ^ Long.MIN_VALUE;
        }
        long p = 0;
        for (int i = 0; i < key.length; i++) {
            p = (p << 8) | (key[i] & 0xFF);
        }
        return (key.length == 0 ? 0 : p << (8 * (8 - key.length))) ^ Long.MIN_VALUE;
    }

    private void ensureRecords() {
        long needed = (long) (size + 1) * STRIDE;
        if (needed <= records.length) {
            return;
        }
        long grown = Math.max(2L * records.length, 64L * STRIDE);
        grown = Math.min(grown, (MAX_ARRAY_LENGTH / STRIDE) * STRIDE);
        if (grown < needed) {
            throw new IllegalStateException(
                    "Cannot add update to buffer: it holds the maximum number of updates; flush it first (size="
                            + size
                            + ")");
        }
        records = Arrays.copyOf(records, (int) grown);
    }

    private void ensureArena(long bytes) {
        long needed = arenaUsed + bytes;
        if (needed <= arena.length) {
            return;
        }
        if (needed > MAX_ARRAY_LENGTH) {
            throw new IllegalStateException(
                    "Cannot add update to buffer: key and value bytes would exceed 2 GiB; flush it first (arenaBytes="
                            + arenaUsed
                            + ", updateBytes="
                            + bytes
                            + ")");
        }
        long grown =
                Math.min(Math.max(Math.max(2L * arena.length, needed), 4096), MAX_ARRAY_LENGTH);
        arena = Arrays.copyOf(arena, (int) grown);
    }

    private void checkNotEmpty(String what) {
        if (size == 0) {
            throw new IllegalStateException(
                    "Cannot compute " + what + " of update buffer: it is empty");
        }
    }

    // ------------------------------------------------------------------------------------------
    // order

    /** Compares the records at base offsets {@code i} of {@code a} and {@code j} of {@code b}. */
    private int compare(long[] a, int i, long[] b, int j) {
        // Kept small so that it inlines into the sort loops; ties on the prefix are rarer.
        long pa = a[i + PREFIX];
        long pb = b[j + PREFIX];
        return pa != pb ? (pa < pb ? -1 : 1) : compareAfterPrefix(a, i, b, j);
    }

    private int compareAfterPrefix(long[] a, int i, long[] b, int j) {
        long la = a[i + LENGTHS];
        long lb = b[j + LENGTHS];
        int ka = (int) (la >>> 32);
        int kb = (int) (lb >>> 32);
        int oa = (int) a[i + OFFSET];
        int ob = (int) b[j + OFFSET];
        byte[] m = arena;
        int c;
        // The prefixes are equal, so the first min(8, ka, kb) key bytes are too.
        if (ka > 8 || kb > 8 || ka != kb) {
            int skip = Math.min(8, Math.min(ka, kb));
            c = Arrays.compareUnsigned(m, oa + skip, oa + ka, m, ob + skip, ob + kb);
            if (c != 0) {
                return c;
            }
        }
        c = Arrays.compareUnsigned(m, oa + ka, oa + ka + (int) la, m, ob + kb, ob + kb + (int) lb);
        if (c != 0) {
            return c;
        }
        return Long.compare(a[i + TIME], b[j + TIME]);
    }

    private boolean sameUpdate(int i, int j) {
        long[] r = records;
        if (r[i + PREFIX] != r[j + PREFIX]
                || r[i + LENGTHS] != r[j + LENGTHS]
                || r[i + TIME] != r[j + TIME]) {
            return false;
        }
        long l = r[i + LENGTHS];
        int n = (int) (l >>> 32) + (int) l;
        int oi = (int) r[i + OFFSET];
        int oj = (int) r[j + OFFSET];
        return oi == oj || Arrays.equals(arena, oi, oi + n, arena, oj, oj + n);
    }

    // ------------------------------------------------------------------------------------------
    // sort (indices are record numbers; base offsets are record numbers times STRIDE)

    private void sort(int lo, int hi, int depthLimit) {
        while (hi - lo >= INSERTION_SORT_MAX) {
            if (depthLimit-- == 0) {
                heapSort(lo, hi);
                return;
            }
            int p = choosePivot(lo, hi);
            System.arraycopy(records, p * STRIDE, pivot, 0, STRIDE);
            // Hoare partition around the pivot value: [lo, j] <= pivot <= [j + 1, hi], lo <= j <
            // hi.
            long[] r = records;
            long pp = pivot[PREFIX];
            int i = lo - 1;
            int j = hi + 1;
            while (true) {
                while (true) {
                    long q = r[++i * STRIDE + PREFIX];
                    if (q == pp ? compareAfterPrefix(r, i * STRIDE, pivot, 0) >= 0 : q > pp) {
                        break;
                    }
                }
                while (true) {
                    long q = r[--j * STRIDE + PREFIX];
                    if (q == pp ? compareAfterPrefix(r, j * STRIDE, pivot, 0) <= 0 : q < pp) {
                        break;
                    }
                }
                if (i >= j) {
                    break;
                }
                swap(i, j);
            }
            if (j - lo < hi - j) {
                sort(lo, j, depthLimit);
                lo = j + 1;
            } else {
                sort(j + 1, hi, depthLimit);
                hi = j;
            }
        }
        insertionSort(lo, hi);
    }

    private int choosePivot(int lo, int hi) {
        int mid = (lo + hi) >>> 1;
        if (hi - lo < NINTHER_MIN) {
            return median(lo, mid, hi);
        }
        int s = (hi - lo) / 8;
        return median(
                median(lo, lo + s, lo + 2 * s),
                median(mid - s, mid, mid + s),
                median(hi - 2 * s, hi - s, hi));
    }

    private int median(int a, int b, int c) {
        long[] r = records;
        int ab = compare(r, a * STRIDE, r, b * STRIDE);
        int bc = compare(r, b * STRIDE, r, c * STRIDE);
        if (ab <= 0) {
            if (bc <= 0) {
                return b;
            }
            return compare(r, a * STRIDE, r, c * STRIDE) <= 0 ? c : a;
        }
        if (bc >= 0) {
            return b;
        }
        return compare(r, a * STRIDE, r, c * STRIDE) <= 0 ? a : c;
    }

    private void insertionSort(int lo, int hi) {
        long[] r = records;
        for (int i = lo + 1; i <= hi; i++) {
            int bi = i * STRIDE;
            if (compare(r, bi - STRIDE, r, bi) <= 0) {
                continue;
            }
            System.arraycopy(r, bi, moving, 0, STRIDE);
            int j = i - 1;
            while (j >= lo && compare(r, j * STRIDE, moving, 0) > 0) {
                j--;
            }
            int from = (j + 1) * STRIDE;
            System.arraycopy(r, from, r, from + STRIDE, bi - from);
            System.arraycopy(moving, 0, r, from, STRIDE);
        }
    }

    private void heapSort(int lo, int hi) {
        int n = hi - lo + 1;
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(lo, i, n);
        }
        for (int end = n - 1; end > 0; end--) {
            swap(lo, lo + end);
            siftDown(lo, 0, end);
        }
    }

    private void siftDown(int lo, int i, int n) {
        long[] r = records;
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) {
                return;
            }
            if (child + 1 < n
                    && compare(r, (lo + child) * STRIDE, r, (lo + child + 1) * STRIDE) < 0) {
                child++;
            }
            if (compare(r, (lo + i) * STRIDE, r, (lo + child) * STRIDE) >= 0) {
                return;
            }
            swap(lo + i, lo + child);
            i = child;
        }
    }

    private void swap(int i, int j) {
        long[] r = records;
        int a = i * STRIDE;
        int b = j * STRIDE;
        for (int k = 0; k < STRIDE; k++) {
            long t = r[a + k];
            r[a + k] = r[b + k];
            r[b + k] = t;
        }
    }

    /** Sums the diffs of runs of equal updates into the run's first record; drops zero sums. */
    private void consolidate() {
        long[] r = records;
        int kept = 0; // finished records kept so far; the current run is record number kept
        int run = -1; // base offset of the current run
        for (int in = 0, end = size * STRIDE; in < end; in += STRIDE) {
            if (run >= 0 && sameUpdate(run, in)) {
                r[run + DIFF] += r[in + DIFF];
                continue;
            }
            if (run >= 0 && r[run + DIFF] != 0) {
                kept++;
            }
            run = kept * STRIDE;
            if (run != in) {
                System.arraycopy(r, in, r, run, STRIDE);
            }
        }
        if (run >= 0 && r[run + DIFF] != 0) {
            kept++;
        }
        size = kept;
    }

    // ------------------------------------------------------------------------------------------

    /**
     * Writes every update, in the buffer's order, to {@code writer} straight from the arena: no
     * array per update (the writer copies the bytes into its column buffers and checks I8 as it
     * goes). Sort and consolidate first.
     */
    public void writeTo(BatchWriter writer) throws IOException {
        writeTo(writer, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * As {@link #writeTo(BatchWriter)}, only the updates with times in {@code [fromTime, toTime)}.
     */
    public void writeTo(BatchWriter writer, long fromTime, long toTime) throws IOException {
        int expected = modifications;
        for (int i = 0; i < size; i++) {
            int b = i * STRIDE;
            long t = records[b + TIME];
            if (t < fromTime || t >= toTime) {
                continue;
            }
            long lengths = records[b + LENGTHS];
            int keyLength = (int) (lengths >>> 32);
            int offset = (int) records[b + OFFSET];
            writer.add(
                    arena,
                    offset,
                    keyLength,
                    arena,
                    offset + keyLength,
                    (int) lengths,
                    t,
                    records[b + DIFF]);
        }
        if (modifications != expected) {
            throw new ConcurrentModificationException(
                    "Cannot write update buffer: it was modified while it was written");
        }
    }

    private final class Cursor implements UpdateCursor {
        private final int expectedModifications = modifications;
        private int next;
        private boolean positioned;
        private byte[] key;
        private byte[] value;
        private long time;
        private long diff;

        @Override
        public boolean advance() {
            checkUnchanged();
            if (next >= size) {
                positioned = false;
                key = null;
                value = null;
                return false;
            }
            int b = next * STRIDE;
            long lengths = records[b + LENGTHS];
            int keyLength = (int) (lengths >>> 32);
            int offset = (int) records[b + OFFSET];
            key = Arrays.copyOfRange(arena, offset, offset + keyLength);
            value =
                    Arrays.copyOfRange(
                            arena, offset + keyLength, offset + keyLength + (int) lengths);
            time = records[b + TIME];
            diff = records[b + DIFF];
            positioned = true;
            next++;
            return true;
        }

        @Override
        public byte[] key() {
            checkPositioned();
            return key;
        }

        @Override
        public byte[] value() {
            checkPositioned();
            return value;
        }

        @Override
        public long time() {
            checkPositioned();
            return time;
        }

        @Override
        public long diff() {
            checkPositioned();
            return diff;
        }

        @Override
        public void close() {
            positioned = false;
            next = Integer.MAX_VALUE;
        }

        private void checkUnchanged() {
            if (modifications != expectedModifications) {
                throw new ConcurrentModificationException(
                        "Cannot advance update buffer cursor: the buffer changed after the cursor was opened");
            }
        }

        private void checkPositioned() {
            if (!positioned) {
                throw new IllegalStateException(
                        "Cannot read update from buffer cursor: it is not on an update; call advance() first");
            }
        }
    }
}
