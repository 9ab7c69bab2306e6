package io.flinkpersist.batch;

import java.util.Arrays;

/**
 * The storage order of updates: keys, then values, compared as unsigned bytes lexicographically,
 * then time. Every stored batch is strictly increasing in this order (invariant I8).
 */
public final class UpdateOrder {

    private UpdateOrder() {}

    public static int compareBytes(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    /** Compares {@code (k1, v1)} with {@code (k2, v2)}. */
    public static int compareKeyValue(byte[] k1, byte[] v1, byte[] k2, byte[] v2) {
        int c = Arrays.compareUnsigned(k1, k2);
        return c != 0 ? c : Arrays.compareUnsigned(v1, v2);
    }

    /** Compares {@code (k1, v1, t1)} with {@code (k2, v2, t2)}. */
    public static int compare(byte[] k1, byte[] v1, long t1, byte[] k2, byte[] v2, long t2) {
        int c = compareKeyValue(k1, v1, k2, v2);
        return c != 0 ? c : Long.compare(t1, t2);
    }
}
