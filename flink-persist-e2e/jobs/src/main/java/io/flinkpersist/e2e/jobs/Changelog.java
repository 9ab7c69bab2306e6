package io.flinkpersist.e2e.jobs;

import io.flinkpersist.Update;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The seeded changelog the jobs write, as a pure function of the event index, so that any JVM can
 * replay it without the store: in the writing job, in a reading job that checks what it read, and
 * in a plain loop.
 *
 * <p>Event {@code i} is version {@code n = i / keys} of key {@code i % keys}, at time {@code i}.
 * Even versions set a value (an insert, or an update of the previous value); odd versions update
 * the value, or delete the key with probability 1/4. So whether a key holds a value before an
 * event, and which, follows from the event's index alone. An update is two updates of the
 * collection, a retraction of the old value ({@code -1}) and an insert of the new one ({@code +1}).
 * The final state after {@code n} events is every live key with its last value, each with diff
 * {@code +1}.
 */
public final class Changelog implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int keys;
    private final long seed;

    public Changelog(int keys, long seed) {
        if (keys < 1) {
            throw new IllegalArgumentException("Invalid number of keys " + keys + ": must be >= 1");
        }
        this.keys = keys;
        this.seed = seed;
    }

    public int keys() {
        return keys;
    }

    public long seed() {
        return seed;
    }

    /** The event time of event {@code i}: its index. */
    public static long time(long i) {
        return i;
    }

    /** The key of event {@code i}. */
    public String key(long i) {
        return keyName(i % keys);
    }

    /** The value key {@code i % keys} holds before event {@code i}, or null if none. */
    public String oldValue(long i) {
        long version = i / keys;
        return version > 0 && holds(i % keys, version - 1) ? value(i % keys, version - 1) : null;
    }

    /** The value key {@code i % keys} holds after event {@code i}, or null if it was deleted. */
    public String newValue(long i) {
        long version = i / keys;
        return holds(i % keys, version) ? value(i % keys, version) : null;
    }

    /** Hands the collection updates of event {@code i} to {@code out}: a retraction, an insert. */
    public void updates(long i, Consumer<Update<String, String>> out) {
        String key = key(i);
        String old = oldValue(i);
        String now = newValue(i);
        if (old != null) {
            out.accept(Update.retract(key, old, time(i)));
        }
        if (now != null) {
            out.accept(Update.insert(key, now, time(i)));
        }
    }

    /** Whether the key holds a value after its version {@code version}. */
    private boolean holds(long key, long version) {
        return version % 2 == 0 || Math.floorMod(mix(key, version), 4L) != 0;
    }

    private String value(long key, long version) {
        return "v" + version + "-" + Long.toHexString(mix(key, version) >>> 16);
    }

    private static String keyName(long key) {
        String digits = Long.toString(key);
        return "key-" + "0".repeat(Math.max(0, 6 - digits.length())) + digits;
    }

    /** A SplitMix64-style hash of the seed, the key and the version. */
    private long mix(long key, long version) {
        long z = seed ^ splitMix(key + 0x9E3779B97F4A7C15L);
        z = splitMix(z) ^ splitMix(version + 0xBF58476D1CE4E5B9L);
        return splitMix(z);
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The state after events {@code [0, next)}, replayed event by event; {@link #advanceTo} goes on
     * from where it stands. Each event's old value is checked against the state it meets.
     */
    public final class Replay implements Serializable {
        private static final long serialVersionUID = 1L;

        private final Map<String, String> state = new HashMap<>();
        private long next;

        /** Applies the events before {@code end}. */
        public Replay advanceTo(long end) {
            for (; next < end; next++) {
                String key = key(next);
                String old = oldValue(next);
                String now = newValue(next);
                String held = now == null ? state.remove(key) : state.put(key, now);
                if (old == null ? held != null : !old.equals(held)) {
                    throw new IllegalStateException(
                            "The changelog contradicts itself at event "
                                    + next
                                    + ": key "
                                    + key
                                    + " holds "
                                    + held
                                    + ", the event retracts "
                                    + old);
                }
            }
            return this;
        }

        /** Every live key and its value. */
        public Map<String, String> state() {
            return state;
        }

        /** How many events were applied. */
        public long events() {
            return next;
        }
    }

    /** A replay from the first event. */
    public Replay replay() {
        return new Replay();
    }
}
