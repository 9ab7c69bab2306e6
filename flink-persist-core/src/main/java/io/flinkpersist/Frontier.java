package io.flinkpersist;

import java.util.OptionalLong;

/**
 * A frontier over the totally ordered times {@code 0 <= t < Long.MAX_VALUE}: either {@code {t}},
 * meaning every time at or after {@code t} is still open, or closed (the empty antichain), meaning
 * no time is open. Closed is greater than every {@code {t}}.
 *
 * <p>Used for a collection's {@code seal} (times below it are complete) and {@code since} (times
 * below it are indistinguishable from it).
 */
public final class Frontier implements Comparable<Frontier> {

    /** The largest valid time, exclusive: {@code time < MAX_TIME}. */
    public static final long MAX_TIME = Long.MAX_VALUE;

    private static final Frontier MINIMUM = new Frontier(0);
    private static final Frontier CLOSED = new Frontier(MAX_TIME);

    /** {@code MAX_TIME} encodes "closed"; never visible outside this class. */
    private final long time;

    private Frontier(long time) {
        this.time = time;
    }

    /** The frontier {@code {t}}. */
    public static Frontier at(long t) {
        checkTime(t);
        return t == 0 ? MINIMUM : new Frontier(t);
    }

    /** The frontier {@code {0}}: nothing is complete yet. */
    public static Frontier minimum() {
        return MINIMUM;
    }

    /** The empty frontier: every time is complete. */
    public static Frontier closed() {
        return CLOSED;
    }

    /** Checks that {@code t} is a valid update time. */
    public static long checkTime(long t) {
        if (t < 0 || t >= MAX_TIME) {
            throw new IllegalArgumentException(
                    "Invalid time "
                            + t
                            + ": times must satisfy 0 <= time < "
                            + MAX_TIME
                            + " (Long.MAX_VALUE)");
        }
        return t;
    }

    public boolean isClosed() {
        return time == MAX_TIME;
    }

    /** The single element, if not closed. */
    public OptionalLong element() {
        return isClosed() ? OptionalLong.empty() : OptionalLong.of(time);
    }

    /**
     * The single element; fails for a closed frontier.
     *
     * @throws IllegalStateException if closed
     */
    public long time() {
        if (isClosed()) {
            throw new IllegalStateException("Cannot take the time of a closed frontier");
        }
        return time;
    }

    /** Whether {@code t} is at or beyond this frontier, i.e. still open. */
    public boolean lessEqual(long t) {
        return time <= t;
    }

    /** Whether {@code t} is strictly before this frontier, i.e. complete. */
    public boolean isBefore(long t) {
        return t < time;
    }

    /** Whether this frontier is at or before {@code other}. */
    public boolean lessEqual(Frontier other) {
        return time <= other.time;
    }

    /** Whether this frontier is strictly before {@code other}. */
    public boolean lessThan(Frontier other) {
        return time < other.time;
    }

    /**
     * Advances {@code t} by this frontier as a compaction frontier: {@code max(t, since)}. A closed
     * frontier leaves no time to advance to and is rejected.
     */
    public long advance(long t) {
        if (isClosed()) {
            throw new IllegalStateException(
                    "Cannot advance time " + t + " by a closed frontier: no time remains readable");
        }
        return Math.max(t, time);
    }

    public static Frontier max(Frontier a, Frontier b) {
        return a.time >= b.time ? a : b;
    }

    public static Frontier min(Frontier a, Frontier b) {
        return a.time <= b.time ? a : b;
    }

    /**
     * Encodes the frontier as a long for storage: the element, or {@code Long.MAX_VALUE} if closed.
     */
    public long toStorageLong() {
        return time;
    }

    /** Decodes {@link #toStorageLong()}. */
    public static Frontier fromStorageLong(long encoded) {
        if (encoded == MAX_TIME) {
            return CLOSED;
        }
        return at(encoded);
    }

    @Override
    public int compareTo(Frontier o) {
        return Long.compare(time, o.time);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Frontier f && f.time == time;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(time);
    }

    @Override
    public String toString() {
        return isClosed() ? "{}" : "{" + time + "}";
    }
}
