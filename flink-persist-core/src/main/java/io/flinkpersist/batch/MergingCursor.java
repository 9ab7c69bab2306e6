package io.flinkpersist.batch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Merges cursors that are each in non-decreasing {@code (key, value, time)} order into one strictly
 * increasing, consolidated stream: equal triples have their diffs summed and zero sums are dropped.
 *
 * <p>It holds only the current update of each input, so its memory is bounded by the inputs' own
 * buffering (one Parquet row group each), never by the size of the data.
 */
public final class MergingCursor implements UpdateCursor {

    private final UpdateCursor[] heap;
    private int live;
    private boolean started;

    private byte[] key;
    private byte[] value;
    private long time;
    private long diff;

    public MergingCursor(List<? extends UpdateCursor> inputs) {
        this.heap = inputs.toArray(new UpdateCursor[0]);
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
        for (int i = 0; i < heap.length; i++) {
            UpdateCursor c = heap[i];
            if (c.advance()) {
                heap[live++] = c;
            } else {
                c.close();
            }
        }
        for (int i = live / 2 - 1; i >= 0; i--) {
            siftDown(i);
        }
    }

    @Override
    public boolean advance() throws IOException {
        if (!started) {
            start();
        }
        while (live > 0) {
            UpdateCursor top = heap[0];
            byte[] k = top.key();
            byte[] v = top.value();
            long t = top.time();
            long sum = 0;
            // Pop every input positioned on (k, v, t), summing their diffs.
            do {
                sum += heap[0].diff();
                UpdateCursor c = heap[0];
                if (c.advance()) {
                    siftDown(0);
                } else {
                    c.close();
                    heap[0] = heap[--live];
                    heap[live] = null;
                    if (live > 0) {
                        siftDown(0);
                    }
                }
            } while (live > 0 && equalsCurrent(heap[0], k, v, t));
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

    private static boolean equalsCurrent(UpdateCursor c, byte[] k, byte[] v, long t) {
        return c.time() == t && java.util.Arrays.equals(c.key(), k) && java.util.Arrays.equals(c.value(), v);
    }

    private void siftDown(int i) {
        UpdateCursor x = heap[i];
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

    private static boolean less(UpdateCursor a, UpdateCursor b) {
        return UpdateOrder.compare(a.key(), a.value(), a.time(), b.key(), b.value(), b.time()) < 0;
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
        int n = started ? live : heap.length;
        for (int i = 0; i < n; i++) {
            try {
                if (heap[i] != null) {
                    heap[i].close();
                }
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
            heap[i] = null;
        }
        live = 0;
        started = true;
        if (first != null) {
            throw first;
        }
    }
}
