package io.flinkpersist.bench.harness;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * What one run measures about its own process: bytes it caused to be written to storage (Linux
 * {@code /proc/self/io} {@code write_bytes}, counted when pages are dirtied, so files written and
 * deleted again during the run count too), the heap used (sampled every 20 ms), and the heap left
 * after each garbage collection (the live set).
 */
final class RunProbe implements AutoCloseable {

    private final AtomicLong peakHeap = new AtomicLong();
    private final AtomicLong peakLiveHeap = new AtomicLong();
    private final List<Runnable> unregister = new ArrayList<>();
    private final Thread sampler;
    private volatile boolean running = true;
    private long startWriteBytes;

    RunProbe() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        sampler =
                new Thread(
                        () -> {
                            while (running) {
                                peakHeap.accumulateAndGet(
                                        memory.getHeapMemoryUsage().getUsed(), Math::max);
                                try {
                                    Thread.sleep(20);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        },
                        "bench-heap-sampler");
        sampler.setDaemon(true);
        Set<String> heapPools = new HashSet<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                NotificationListener listener =
                        (notification, handback) -> {
                            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
                                    .equals(notification.getType())) {
                                return;
                            }
                            GarbageCollectionNotificationInfo info =
                                    GarbageCollectionNotificationInfo.from(
                                            (CompositeData) notification.getUserData());
                            long after = 0;
                            for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                                if (heapPools.contains(e.getKey())) {
                                    after += e.getValue().getUsed();
                                }
                            }
                            peakLiveHeap.accumulateAndGet(after, Math::max);
                        };
                emitter.addNotificationListener(listener, null, null);
                unregister.add(
                        () -> {
                            try {
                                emitter.removeNotificationListener(listener);
                            } catch (ListenerNotFoundException ignored) {
                                // already gone
                            }
                        });
            }
        }
    }

    /** Forces a collection and returns the heap then in use: the baseline before the job. */
    static long settledHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    void start() throws IOException {
        startWriteBytes = writeBytes();
        peakHeap.set(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        peakLiveHeap.set(0);
        sampler.start();
    }

    /** Bytes this process caused to be written to storage since {@link #start()}. */
    long bytesWritten() throws IOException {
        return writeBytes() - startWriteBytes;
    }

    long peakHeapBytes() {
        return peakHeap.get();
    }

    long peakLiveHeapBytes() {
        return peakLiveHeap.get();
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
        unregister.forEach(Runnable::run);
    }

    static long writeBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("write_bytes:")) {
                return Long.parseLong(line.substring("write_bytes:".length()).trim());
            }
        }
        throw new IOException("Cannot read write_bytes: /proc/self/io has no such line");
    }

    /** {@code /proc/loadavg}'s 1-, 5- and 15-minute load averages. */
    static double[] loadAverage() throws IOException {
        String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
        return new double[] {
            Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2])
        };
    }

    /** The bytes of all regular files under {@code dir}. */
    static long directoryBytes(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(
                            p -> {
                                try {
                                    return Files.size(p);
                                } catch (IOException e) {
                                    return 0; // deleted while walking
                                }
                            })
                    .sum();
        }
    }

    /** The number of regular files under {@code dir}. */
    static long fileCount(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).count();
        }
    }
}
