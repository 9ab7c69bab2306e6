package io.flinkpersist.write;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Rows and bytes this JVM encoded into batch files, per kind of pass: a writer's spill, a trim, a
 * drain, a merge (by the highest level it reads, and whether it also drains). Divided by the
 * updates ingested, the rows say how many times an update was encoded on its way into the trace.
 * The bytes are also kept per thread, which tells how maintenance spread over a job's workers.
 *
 * <p>Process-wide, lock-free counters (a few adds per file written); read by the benchmark harness,
 * which runs a job in a JVM of its own.
 */
public final class PassCounters {

    /** Rows and bytes written by one kind of pass. */
    public record Counts(long files, long rows, long bytes) {}

    private static final Map<String, LongAdder[]> BY_PASS = new ConcurrentHashMap<>();
    private static final Map<String, LongAdder> BYTES_BY_THREAD = new ConcurrentHashMap<>();

    private PassCounters() {}

    /** The pass of a writer spilling its buffer as an unsealed batch. */
    public static final String SPILL = "spill";

    /** The pass rewriting an unsealed batch without its drained updates. */
    public static final String TRIM = "trim";

    /** The pass draining sealed unsealed updates into a level-0 trace batch. */
    public static final String DRAIN = "drain";

    /** The pass of a merge whose highest input level is {@code level}, draining too or not. */
    public static String merge(int level, boolean drains) {
        return "merge L" + level + (drains ? "+drain" : "");
    }

    private static final LongAdder ADOPTED_FILES = new LongAdder();
    private static final LongAdder ADOPTED_ROWS = new LongAdder();

    /**
     * Counts one unsealed batch of {@code rows} updates that a drain adopted into the trace by
     * reference: moved, not encoded again.
     */
    public static void adopt(long rows) {
        ADOPTED_FILES.increment();
        ADOPTED_ROWS.add(rows);
    }

    /** The unsealed batches drains adopted so far, and their rows (no bytes were written). */
    public static Counts adopted() {
        return new Counts(ADOPTED_FILES.sum(), ADOPTED_ROWS.sum(), 0);
    }

    /** Counts one file of {@code pass}, holding {@code rows} updates in {@code bytes}. */
    public static void add(String pass, long rows, long bytes) {
        LongAdder[] c =
                BY_PASS.computeIfAbsent(
                        pass,
                        p -> new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder()});
        c[0].increment();
        c[1].add(rows);
        c[2].add(bytes);
        BYTES_BY_THREAD
                .computeIfAbsent(Thread.currentThread().getName(), t -> new LongAdder())
                .add(bytes);
    }

    /** What each pass wrote so far, by pass name. */
    public static Map<String, Counts> byPass() {
        Map<String, Counts> out = new TreeMap<>();
        BY_PASS.forEach((p, c) -> out.put(p, new Counts(c[0].sum(), c[1].sum(), c[2].sum())));
        return out;
    }

    /** Bytes written so far, by the name of the writing thread. */
    public static Map<String, Long> bytesByThread() {
        Map<String, Long> out = new TreeMap<>();
        BYTES_BY_THREAD.forEach((t, b) -> out.put(t, b.sum()));
        return out;
    }

    /** Forgets everything counted so far. */
    public static void reset() {
        BY_PASS.clear();
        BYTES_BY_THREAD.clear();
        ADOPTED_FILES.reset();
        ADOPTED_ROWS.reset();
    }
}
