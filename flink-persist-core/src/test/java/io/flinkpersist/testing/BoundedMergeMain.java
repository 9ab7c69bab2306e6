package io.flinkpersist.testing;

import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.batch.BatchStats;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.BatchWriter;
import io.flinkpersist.blob.LocalFileBlobStore;
import io.flinkpersist.state.CollectionLayout;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Child process of the bounded-memory test, run with a small heap: streams four large unsealed
 * batches to disk, drains them in two pairs (each drain adopts its pair as two runs) and compacts
 * the two trace batches, then prints how much data the last merge read against the heap it had.
 */
public final class BoundedMergeMain {

    /** Bytes of one update before encoding: 16-byte key, 16-byte value, time and diff. */
    public static final int RAW_UPDATE_BYTES = 48;

    /**
     * A merge holds one decoded row group per input run: the drains adopt the four batches whole,
     * so the compaction merges four runs, whose row groups must fit the small heap together.
     */
    private static final BatchWriteOptions OPTIONS =
            BatchWriteOptions.defaults().withRowGroupSizeBytes(4L << 20);

    public static void main(String[] args) throws Exception {
        int perBatch = Integer.parseInt(args[1]);
        LocalFileBlobStore store = new LocalFileBlobStore(Paths.get(args[0]));
        PersistCollection c = PersistCollection.open(store, OPTIONS);
        Random random = new Random(7);
        for (int pair = 0; pair < 2; pair++) {
            long time = pair * 2L;
            NewUnsealedBatch even = writeBatch(store, perBatch, 0, time, random);
            NewUnsealedBatch odd = writeBatch(store, perBatch, 1, time + 1, random);
            c.commitAppend(
                    List.of(even, odd), Optional.of(Frontier.at(time + 2)), Optional.empty());
            if (!c.drain()) {
                throw new AssertionError("drain moved nothing");
            }
            c.evict();
        }
        c.allowCompaction(4);
        if (!c.compact()) {
            throw new AssertionError("nothing compacted");
        }
        CollectionState s = c.state();
        long merged = s.trace().get(0).updateCount();
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.println(
                "MERGED rows="
                        + merged
                        + " rawBytes="
                        + merged * RAW_UPDATE_BYTES
                        + " maxHeap="
                        + Runtime.getRuntime().maxMemory()
                        + " peakHeapUsed="
                        + peak
                        + " traceBatches="
                        + s.trace().size());
        System.out.flush();
    }

    /** Streams a sorted batch of keys {@code 2i + parity}, never holding it in memory. */
    private static NewUnsealedBatch writeBatch(
            LocalFileBlobStore store, int n, int parity, long time, Random random)
            throws Exception {
        String key = CollectionLayout.newBatchKey();
        byte[] k = new byte[16];
        byte[] v = new byte[16];
        try (BatchWriter w = BatchWriter.create(store, key, OPTIONS, Map.of())) {
            for (int i = 0; i < n; i++) {
                ByteBuffer.wrap(k).putLong(2L * i + parity).putLong(random.nextLong());
                random.nextBytes(v);
                w.add(k.clone(), v.clone(), time, 1);
            }
            BatchStats stats = w.finish();
            return new NewUnsealedBatch(key, time, time, stats.sizeBytes(), stats.updateCount());
        }
    }
}
