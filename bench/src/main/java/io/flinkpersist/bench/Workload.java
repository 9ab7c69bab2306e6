package io.flinkpersist.bench;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The parameters of one benchmark workload: a stream of {@code updates} differential updates {@code
 * ((key, value), time, diff)} over {@code keys} distinct keys.
 *
 * <p>Update {@code i} is, with probability {@code retractions}, the retraction ({@code diff = -1})
 * of a pair still present, chosen uniformly among them; otherwise the insertion ({@code diff = +1})
 * of a new pair whose key is drawn from the key distribution ({@code uniform} or Zipf with {@code
 * zipfExponent}) and whose value is unique. The collection is therefore always a set of {@code
 * (key, value)} pairs, which a primary-key table on {@code (key, value)} holds as well. Update
 * {@code i} has time {@code i - j} for a pseudo-random {@code j} in {@code [0, outOfOrderness]}, so
 * watermarks trailing the largest time by {@code outOfOrderness} never make an update late.
 *
 * @param updates the number of updates
 * @param keys the number of distinct keys
 * @param keySize bytes per key (at least 8)
 * @param valueSize bytes per value (at least 8)
 * @param retractions the share of updates that are retractions, in {@code [0, 1)}
 * @param skew the key distribution
 * @param zipfExponent the Zipf exponent when {@code skew} is {@link Skew#ZIPF}
 * @param outOfOrderness the largest distance of an update's time below its position
 * @param seed the seed of every pseudo-random choice
 */
public record Workload(
        long updates,
        int keys,
        int keySize,
        int valueSize,
        double retractions,
        Skew skew,
        double zipfExponent,
        long outOfOrderness,
        long seed)
        implements Serializable {

    /** How keys are drawn for insertions. */
    public enum Skew {
        UNIFORM,
        ZIPF
    }

    public Workload {
        require(
                updates > 0 && updates < Integer.MAX_VALUE,
                "updates must be in [1, 2^31 - 1) (was " + updates + ")");
        require(keys > 0, "keys must be positive (was " + keys + ")");
        require(keySize >= 8, "the key size must be at least 8 bytes (was " + keySize + ")");
        require(valueSize >= 8, "the value size must be at least 8 bytes (was " + valueSize + ")");
        require(
                retractions >= 0 && retractions < 1,
                "the retraction share must be in [0, 1) (was " + retractions + ")");
        require(skew != null, "the skew must be uniform or zipf");
        require(zipfExponent > 0, "the Zipf exponent must be positive (was " + zipfExponent + ")");
        require(
                outOfOrderness >= 0,
                "the out-of-orderness must not be negative (was " + outOfOrderness + ")");
    }

    /**
     * The default workload: 10 M updates, 1 M keys, 16-byte keys and values, 20%
     * retractions, uniform.
     */
    public static Workload defaults() {
        return new Workload(10_000_000, 1_000_000, 16, 16, 0.2, Skew.UNIFORM, 1.0, 1000, 42);
    }

    /**
     * Bytes of the updates as the engine encodes them in its columns: key, value, 8-byte time and
     * diff.
     */
    public long encodedInputBytes() {
        return updates * (keySize + valueSize + 16L);
    }

    /**
     * Reads {@code --updates N --keys K --key-size B --value-size B --retractions F --skew
     * uniform|zipf --zipf-exponent S --out-of-orderness T --seed X} from {@code options}, the rest
     * from {@link #defaults()}.
     */
    public static Workload fromOptions(Map<String, String> options) {
        Workload d = defaults();
        return new Workload(
                Long.parseLong(options.getOrDefault("updates", Long.toString(d.updates))),
                Integer.parseInt(options.getOrDefault("keys", Integer.toString(d.keys))),
                Integer.parseInt(options.getOrDefault("key-size", Integer.toString(d.keySize))),
                Integer.parseInt(options.getOrDefault("value-size", Integer.toString(d.valueSize))),
                Double.parseDouble(
                        options.getOrDefault("retractions", Double.toString(d.retractions))),
                Skew.valueOf(options.getOrDefault("skew", "uniform").toUpperCase(Locale.ROOT)),
                Double.parseDouble(
                        options.getOrDefault("zipf-exponent", Double.toString(d.zipfExponent))),
                Long.parseLong(
                        options.getOrDefault("out-of-orderness", Long.toString(d.outOfOrderness))),
                Long.parseLong(options.getOrDefault("seed", Long.toString(d.seed))));
    }

    /** The options that reproduce this workload. */
    public Map<String, String> toOptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("updates", Long.toString(updates));
        m.put("keys", Integer.toString(keys));
        m.put("key-size", Integer.toString(keySize));
        m.put("value-size", Integer.toString(valueSize));
        m.put("retractions", Double.toString(retractions));
        m.put("skew", skew.name().toLowerCase(Locale.ROOT));
        m.put("zipf-exponent", Double.toString(zipfExponent));
        m.put("out-of-orderness", Long.toString(outOfOrderness));
        m.put("seed", Long.toString(seed));
        return m;
    }

    /** One line for reports. */
    public String describe() {
        return String.format(
                Locale.ROOT,
                "%,d updates, %,d keys (%s%s), %d-byte keys, %d-byte values, %.0f%% retractions, out-of-orderness %d",
                updates,
                keys,
                skew.name().toLowerCase(Locale.ROOT),
                skew == Skew.ZIPF ? " s=" + zipfExponent : "",
                keySize,
                valueSize,
                retractions * 100,
                outOfOrderness);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("Invalid workload: " + message);
        }
    }
}
