package io.flinkpersist.bench;

/**
 * An order-independent digest of a multiset of {@code (key, value)} pairs: the count {@code Σ diff}
 * and the sum {@code Σ diff · h(key, value)} (mod 2^64). Both are linear in the diffs, so the
 * digest of a raw changelog equals the digest of its consolidation: three systems storing the same
 * state give the same digest whether they hand back raw updates or consolidated rows.
 */
public final class Fingerprint {

    private long count;
    private long sum;

    public void add(byte[] key, byte[] value, long diff) {
        count += diff;
        sum += diff * hash(key, value);
    }

    public void add(long count, long sum) {
        this.count += count;
        this.sum += sum;
    }

    public long count() {
        return count;
    }

    public long sum() {
        return sum;
    }

    /** A 64-bit hash of a pair (FNV-1a over both, then mixed). */
    public static long hash(byte[] key, byte[] value) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h = (h ^ 0x1ff) * 0x100000001b3L;
        for (byte b : value) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return WorkloadGenerator.mix(h);
    }

    @Override
    public String toString() {
        return "count=" + count + " sum=" + Long.toHexString(sum);
    }
}
