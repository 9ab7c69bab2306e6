package io.flinkpersist;

/**
 * Sums of diffs, as batches and their parts record them: the sum of every diff a batch holds is the
 * number of rows it adds to a snapshot (retractions count negative), and consolidation never
 * changes it, so sums of whole batches count a snapshot without reading it. A sum can be unknown (a
 * batch written before sums were recorded, or one whose sum overflowed): {@link #UNKNOWN}, which
 * every sum with it stays.
 */
public final class DiffSums {

    /** An unknown sum. */
    public static final long UNKNOWN = Long.MIN_VALUE;

    private DiffSums() {}

    public static boolean isKnown(long sum) {
        return sum != UNKNOWN;
    }

    /** {@code a + b}, or {@link #UNKNOWN} if either is unknown or the sum overflows. */
    public static long add(long a, long b) {
        if (a == UNKNOWN || b == UNKNOWN) {
            return UNKNOWN;
        }
        long sum = a + b;
        // Overflow iff both operands have the sign opposite to the result's.
        if (((a ^ sum) & (b ^ sum)) < 0 || sum == UNKNOWN) {
            return UNKNOWN;
        }
        return sum;
    }
}
