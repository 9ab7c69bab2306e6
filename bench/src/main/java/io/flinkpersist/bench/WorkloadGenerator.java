package io.flinkpersist.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Produces the updates of a {@link Workload} in order, deterministically: the same workload always
 * gives the same stream. Keys and values are pure functions of a key index and of the position of
 * the inserting update (its <em>pair id</em>), so the live pairs can be rebuilt from their ids. Not
 * thread-safe.
 */
public final class WorkloadGenerator {

    private static final long KEY_SALT = 0x6b65792d73616c74L;
    private static final long VALUE_SALT = 0x76616c2d73616c74L;
    private static final long TIME_SALT = 0x74696d652d73616cL;

    private final Workload workload;
    private final SplittableRandom random;
    private final double[] zipfCdf;
    private final int[] live;
    private int liveCount;
    private long next;

    private final byte[] key;
    private final byte[] value;
    private long time;
    private long diff;

    public WorkloadGenerator(Workload workload) {
        this.workload = workload;
        this.random = new SplittableRandom(workload.seed());
        this.zipfCdf =
                workload.skew() == Workload.Skew.ZIPF
                        ? zipfCdf(workload.keys(), workload.zipfExponent())
                        : null;
        this.live = new int[(int) workload.updates()];
        this.key = new byte[workload.keySize()];
        this.value = new byte[workload.valueSize()];
    }

    public Workload workload() {
        return workload;
    }

    /** The position of the next update. */
    public long position() {
        return next;
    }

    public boolean hasNext() {
        return next < workload.updates();
    }

    /**
     * Moves to the next update; {@link #key()}, {@link #value()}, {@link #time()} and {@link
     * #diff()} then describe it (the arrays are reused: copy what you keep).
     */
    public void advance() {
        if (!hasNext()) {
            throw new IllegalStateException(
                    "Cannot advance workload generator: all "
                            + workload.updates()
                            + " updates were produced");
        }
        long i = next++;
        int id;
        if (liveCount > 0 && random.nextDouble() < workload.retractions()) {
            int j = random.nextInt(liveCount);
            id = live[j];
            live[j] = live[--liveCount];
            diff = -1;
        } else {
            id = (int) i;
            live[liveCount++] = id;
            diff = 1;
        }
        keyOf(id, key);
        valueOf(id, value);
        long back =
                workload.outOfOrderness() == 0
                        ? 0
                        : Math.floorMod(mix(i ^ TIME_SALT), workload.outOfOrderness() + 1);
        time = Math.max(0, i - back);
    }

    public byte[] key() {
        return key;
    }

    public byte[] value() {
        return value;
    }

    public long time() {
        return time;
    }

    public long diff() {
        return diff;
    }

    /** The ids of the pairs present now (valid until the next {@link #advance()}). */
    public int[] liveIds() {
        return Arrays.copyOf(live, liveCount);
    }

    public int liveCount() {
        return liveCount;
    }

    /** The key index of pair {@code id}. */
    public int keyIndexOf(int id) {
        long h = mix(id ^ KEY_SALT ^ workload.seed());
        if (zipfCdf == null) {
            return (int) Long.remainderUnsigned(h, workload.keys());
        }
        double u = (h >>> 11) * 0x1.0p-53;
        int at = Arrays.binarySearch(zipfCdf, u);
        return Math.min(workload.keys() - 1, at >= 0 ? at : -at - 1);
    }

    /** Writes the key of pair {@code id} into {@code out} (of the workload's key size). */
    public void keyOf(int id, byte[] out) {
        fill(keyIndexOf(id), KEY_SALT, out);
    }

    /**
     * Writes the value of pair {@code id} into {@code out} (of the workload's value size): unique
     * per id.
     */
    public void valueOf(int id, byte[] out) {
        fill(id, VALUE_SALT ^ workload.seed(), out);
    }

    /**
     * The first 8 bytes are a bijection of {@code n}, so distinct {@code n} give distinct arrays.
     */
    private static void fill(long n, long salt, byte[] out) {
        long h = mix(n + salt);
        for (int b = 0; b < 8; b++) {
            out[b] = (byte) (h >>> (56 - 8 * b));
        }
        long filler = h;
        for (int b = 8; b < out.length; b++) {
            if ((b & 7) == 0) {
                filler = mix(filler + b);
            }
            out[b] = (byte) (filler >>> (56 - 8 * (b & 7)));
        }
    }

    /** The cumulative Zipf distribution over {@code n} ranks with exponent {@code s}. */
    public static double[] zipfCdf(int n, double s) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1.0 / Math.pow(k + 1, s);
            cdf[k] = sum;
        }
        for (int k = 0; k < n; k++) {
            cdf[k] /= sum;
        }
        return cdf;
    }

    /** A 64-bit bijective mixer (the finalizer of SplitMix64). */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
