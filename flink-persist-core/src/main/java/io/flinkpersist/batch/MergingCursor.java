package io.flinkpersist.batch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Merges cursors that are each in non-decreasing {@code (key, value, time)} order into one strictly
 * increasing, consolidated stream: equal triples have their diffs summed and zero sums are dropped.
 *
 * <p>It holds only the current update of each input, so its memory is bounded by the inputs' own
 * buffering (one Parquet row group each), never by the size of the data. Keys and values are the
 * inputs' slices, never copied.
 *
 * <p>It does not check its inputs' order: when every input promises it ({@link
 * UpdateCursor#sorted()}), the merge is {@link #consolidated()} by construction and a writer need
 * not check it again; otherwise the writer does.
 */
public final class MergingCursor extends HeldUpdate {

    /*
     * The heap holds input slots; each slot caches its input's current update, so that ordering
     * the heap compares arrays instead of calling through the cursor interface.
     */
    private final UpdateCursor[] inputs;
    private final boolean sortedInputs;
    private final int[] heap;
    private final byte[][] headKeys;
    private final int[] headKeyOffsets;
    private final int[] headKeyLengths;
    private final byte[][] headValues;
    private final int[] headValueOffsets;
    private final int[] headValueLengths;
    private final long[] headTimes;
    private final long[] headDiffs;
    private int live;
    private boolean started;

    /** Inputs that ended while producing the current update, closed on the next advance. */
    private final int[] ended;

    private int endedCount;

    public MergingCursor(List<? extends UpdateCursor> inputs) {
        this.inputs = inputs.toArray(new UpdateCursor[0]);
        int n = this.inputs.length;
        boolean sorted = true;
        for (UpdateCursor c : this.inputs) {
            sorted &= c.sorted();
        }
        this.sortedInputs = sorted;
        this.heap = new int[n];
        this.ended = new int[n];
        this.headKeys = new byte[n][];
        this.headKeyOffsets = new int[n];
        this.headKeyLengths = new int[n];
        this.headValues = new byte[n][];
        this.headValueOffsets = new int[n];
        this.headValueLengths = new int[n];
        this.headTimes = new long[n];
        this.headDiffs = new long[n];
    }

    /** Consolidates a single non-decreasing input. */
    public static MergingCursor of(UpdateCursor input) {
        List<UpdateCursor> one = new ArrayList<>(1);
        one.add(input);
        return new MergingCursor(one);
    }

    private void start() throws IOException {
        started = true;
        live = 0;
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].advance()) {
                load(i);
                heap[live++] = i;
            } else {
                close(i);
            }
        }
        for (int i = live / 2 - 1; i >= 0; i--) {
            siftDown(i);
        }
    }

    private void load(int slot) {
        UpdateCursor c = inputs[slot];
        headKeys[slot] = c.keyArray();
        headKeyOffsets[slot] = c.keyOffset();
        headKeyLengths[slot] = c.keyLength();
        headValues[slot] = c.valueArray();
        headValueOffsets[slot] = c.valueOffset();
        headValueLengths[slot] = c.valueLength();
        headTimes[slot] = c.time();
        headDiffs[slot] = c.diff();
    }

    private void close(int slot) throws IOException {
        UpdateCursor c = inputs[slot];
        inputs[slot] = null;
        headKeys[slot] = null;
        headValues[slot] = null;
        c.close();
    }

    @Override
    public boolean advance() throws IOException {
        if (!started) {
            start();
        }
        closeEnded();
        while (live > 0) {
            int top = heap[0];
            byte[] k = headKeys[top];
            int kOffset = headKeyOffsets[top];
            int kLength = headKeyLengths[top];
            byte[] v = headValues[top];
            int vOffset = headValueOffsets[top];
            int vLength = headValueLengths[top];
            long t = headTimes[top];
            long sum = 0;
            // Pop every input positioned on (k, v, t), summing their diffs. An input that ends is
            // closed only on the next advance: the update being formed may be its last one.
            do {
                int slot = heap[0];
                sum += headDiffs[slot];
                if (inputs[slot].advance()) {
                    load(slot);
                } else {
                    ended[endedCount++] = slot;
                    heap[0] = heap[--live];
                }
                if (live > 1) {
                    siftDown(0);
                }
            } while (live > 0 && isAt(heap[0], k, kOffset, kLength, v, vOffset, vLength, t));
            if (sum != 0) {
                hold(k, kOffset, kLength, v, vOffset, vLength, t, sum);
                return true;
            }
            closeEnded();
        }
        return false;
    }

    private boolean isAt(
            int slot,
            byte[] k,
            int kOffset,
            int kLength,
            byte[] v,
            int vOffset,
            int vLength,
            long t) {
        return headTimes[slot] == t
                && UpdateOrder.equalBytes(
                        headKeys[slot],
                        headKeyOffsets[slot],
                        headKeyLengths[slot],
                        k,
                        kOffset,
                        kLength)
                && UpdateOrder.equalBytes(
                        headValues[slot],
                        headValueOffsets[slot],
                        headValueLengths[slot],
                        v,
                        vOffset,
                        vLength);
    }

    private void closeEnded() throws IOException {
        while (endedCount > 0) {
            close(ended[--endedCount]);
        }
    }

    private void siftDown(int i) {
        int x = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= live) {
                break;
            }
            if (child + 1 < live && less(heap[child + 1], heap[child])) {
                child++;
            }
            if (!less(heap[child], x)) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = x;
    }

    private boolean less(int a, int b) {
        return UpdateOrder.compare(
                        headKeys[a],
                        headKeyOffsets[a],
                        headKeyLengths[a],
                        headValues[a],
                        headValueOffsets[a],
                        headValueLengths[a],
                        headTimes[a],
                        headKeys[b],
                        headKeyOffsets[b],
                        headKeyLengths[b],
                        headValues[b],
                        headValueOffsets[b],
                        headValueLengths[b],
                        headTimes[b])
                < 0;
    }

    /** Whether every input promised to be sorted: then the merge satisfies I8. */
    @Override
    public boolean consolidated() {
        return sortedInputs;
    }

    /** The merge of sorted inputs is sorted; of others, in no promised order. */
    @Override
    public boolean sorted() {
        return sortedInputs;
    }

    @Override
    public void close() throws IOException {
        endedCount = 0;
        IOException first = null;
        for (int i = 0; i < inputs.length; i++) {
            try {
                if (inputs[i] != null) {
                    close(i);
                }
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        live = 0;
        started = true;
        if (first != null) {
            throw first;
        }
    }
}
