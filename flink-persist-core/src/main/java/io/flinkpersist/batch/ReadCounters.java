package io.flinkpersist.batch;

import java.util.concurrent.atomic.LongAdder;

/**
 * What this JVM read from batch files: files opened (a footer read, for planning or reading) and
 * row groups decoded. They say how much of a collection a read touched, for tests that check what a
 * query skips and for benchmarks; they cost one add per file or row group.
 *
 * <p>Process-wide, lock-free counters.
 */
public final class ReadCounters {

    private static final LongAdder FILES_OPENED = new LongAdder();
    private static final LongAdder ROW_GROUPS_DECODED = new LongAdder();

    private ReadCounters() {}

    /** Batch files opened so far: each open reads the file's footer. */
    public static long filesOpened() {
        return FILES_OPENED.sum();
    }

    /** Row groups decoded so far, whole or the pages of a key range. */
    public static long rowGroupsDecoded() {
        return ROW_GROUPS_DECODED.sum();
    }

    static void fileOpened() {
        FILES_OPENED.increment();
    }

    static void rowGroupDecoded() {
        ROW_GROUPS_DECODED.increment();
    }
}
