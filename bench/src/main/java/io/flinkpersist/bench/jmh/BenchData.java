package io.flinkpersist.bench.jmh;

import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.BatchWriter;
import io.flinkpersist.batch.UpdateBuffer;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.bench.Workload;
import io.flinkpersist.bench.WorkloadGenerator;
import io.flinkpersist.blob.BlobStore;
import java.io.IOException;
import java.util.Map;

/**
 * Updates for the benchmarks, from the harness's workload generator (16-byte keys from a space of
 * {@code updates / 10}, 16-byte values, 20% retractions): in arrival order, or sorted and
 * consolidated as a batch holds them.
 */
final class BenchData {

    /** Updates per benchmark operation; every benchmark reports per-update rates. */
    static final int UPDATES = 1_000_000;

    final byte[][] keys;
    final byte[][] values;
    final long[] times;
    final long[] diffs;

    private BenchData(byte[][] keys, byte[][] values, long[] times, long[] diffs) {
        this.keys = keys;
        this.values = values;
        this.times = times;
        this.diffs = diffs;
    }

    static Workload workload(int updates, long seed) {
        return new Workload(
                updates,
                Math.max(1, updates / 10),
                16,
                16,
                0.2,
                Workload.Skew.UNIFORM,
                1.0,
                1000,
                seed);
    }

    /** {@code updates} updates in arrival order. */
    static BenchData arrival(int updates, long seed) {
        WorkloadGenerator g = new WorkloadGenerator(workload(updates, seed));
        byte[][] k = new byte[updates][];
        byte[][] v = new byte[updates][];
        long[] t = new long[updates];
        long[] d = new long[updates];
        for (int i = 0; i < updates; i++) {
            g.advance();
            k[i] = g.key().clone();
            v[i] = g.value().clone();
            t[i] = g.time();
            d[i] = g.diff();
        }
        return new BenchData(k, v, t, d);
    }

    /**
     * The same updates sorted and consolidated (fewer of them: a retraction and its insertion at
     * one time cancel).
     */
    static BenchData sorted(int updates, long seed) throws IOException {
        BenchData a = arrival(updates, seed);
        UpdateBuffer buffer = a.toBuffer();
        buffer.sortAndConsolidate();
        int n = buffer.size();
        byte[][] k = new byte[n][];
        byte[][] v = new byte[n][];
        long[] t = new long[n];
        long[] d = new long[n];
        try (UpdateCursor c = buffer.cursor()) {
            for (int i = 0; c.advance(); i++) {
                k[i] = c.key().clone();
                v[i] = c.value().clone();
                t[i] = c.time();
                d[i] = c.diff();
            }
        }
        return new BenchData(k, v, t, d);
    }

    int size() {
        return keys.length;
    }

    UpdateBuffer toBuffer() {
        UpdateBuffer buffer = new UpdateBuffer(size(), size() * 32);
        fill(buffer);
        return buffer;
    }

    void fill(UpdateBuffer buffer) {
        for (int i = 0; i < keys.length; i++) {
            buffer.add(keys[i], values[i], times[i], diffs[i]);
        }
    }

    /** Writes these (sorted) updates as one batch {@code key}; returns its size in bytes. */
    long writeBatch(BlobStore store, String key, BatchWriteOptions options) throws IOException {
        try (BatchWriter w = BatchWriter.create(store, key, options, Map.of())) {
            for (int i = 0; i < keys.length; i++) {
                w.add(keys[i], values[i], times[i], diffs[i]);
            }
            return w.finish().sizeBytes();
        }
    }
}
