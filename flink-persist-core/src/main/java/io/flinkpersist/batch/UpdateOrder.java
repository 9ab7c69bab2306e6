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

    /**
     * Compares {@code length} bytes of {@code a} from {@code aOffset} with a slice of {@code b}.
     */
    public static int compareBytes(
            byte[] a, int aOffset, int aLength, byte[] b, int bOffset, int bLength) {
        return Arrays.compareUnsigned(a, aOffset, aOffset + aLength, b, bOffset, bOffset + bLength);
    }

    /** Compares two updates whose keys and values are given as slices. */
    public static int compare(
            byte[] k1,
            int k1Offset,
            int k1Length,
            byte[] v1,
            int v1Offset,
            int v1Length,
            long t1,
            byte[] k2,
            int k2Offset,
            int k2Length,
            byte[] v2,
            int v2Offset,
            int v2Length,
            long t2) {
        int c = compareBytes(k1, k1Offset, k1Length, k2, k2Offset, k2Length);
        if (c != 0) {
            return c;
        }
        c = compareBytes(v1, v1Offset, v1Length, v2, v2Offset, v2Length);
        return c != 0 ? c : Long.compare(t1, t2);
    }

    /** Whether a slice of {@code a} holds the same bytes as a slice of {@code b}. */
    public static boolean equalBytes(
            byte[] a, int aOffset, int aLength, byte[] b, int bOffset, int bLength) {
        return aLength == bLength
                && Arrays.equals(a, aOffset, aOffset + aLength, b, bOffset, bOffset + bLength);
    }
}
