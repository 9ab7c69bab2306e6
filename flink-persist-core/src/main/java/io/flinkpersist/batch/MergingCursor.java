package io.flinkpersist.batch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Merges cursors that are each in non-decreasing {@code (key, value, time)} order into one strictly
 * increasing, consolidated stream: equal triples have their diffs summed and zero sums are dropped.
 *
 * <p>It holds only the current update of each input, so its memory is bounded by the inputs' own
 * buffering (one Parquet row group each), never by the size of the data.
 */
public final class MergingCursor implements UpdateCursor {

    /*
     * The heap holds input slots; each slot caches its input's current update, so that ordering
     * the heap compares arrays instead of calling through the cursor interface.
     */
    private final UpdateCursor[] inputs;
    private final int[] heap;
    private final byte[][] headKeys;
    private final byte[][] headValues;
    private final long[] headTimes;
    private final long[] headDiffs;
    private int live;
    private boolean started;

    private byte[] key;
    private byte[] value;
    private long time;
    private long diff;

    public MergingCursor(List<? extends UpdateCursor> inputs) {
        this.inputs = inputs.toArray(new UpdateCursor[0]);
        int n = this.inputs.length;
        this.heap = new int[n];
        this.headKeys = new byte[n][];
        this.headValues = new byte[n][];
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
        headKeys[slot] = c.key();
        headValues[slot] = c.value();
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
        while (live > 0) {
            int top = heap[0];
            byte[] k = headKeys[top];
            byte[] v = headValues[top];
            long t = headTimes[top];
            long sum = 0;
            // Pop every input positioned on (k, v, t), summing their diffs.
            do {
                int slot = heap[0];
                sum += headDiffs[slot];
                if (inputs[slot].advance()) {
                    load(slot);
                } else {
                    close(slot);
                    heap[0] = heap[--live];
                }
                if (live > 1) {
                    siftDown(0);
                }
            } while (live > 0
                    && headTimes[heap[0]] == t
                    && Arrays.equals(headKeys[heap[0]], k)
                    && Arrays.equals(headValues[heap[0]], v));
            if (sum != 0) {
                key = k;
                value = v;
                time = t;
                diff = sum;
                return true;
            }
        }
        return false;
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
                        headValues[a],
                        headTimes[a],
                        headKeys[b],
                        headValues[b],
                        headTimes[b])
                < 0;
    }

    @Override
    public byte[] key() {
        return key;
    }

    @Override
    public byte[] value() {
        return value;
    }

    @Override
    public long time() {
        return time;
    }

    @Override
    public long diff() {
        return diff;
    }

    @Override
    public void close() throws IOException {
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
