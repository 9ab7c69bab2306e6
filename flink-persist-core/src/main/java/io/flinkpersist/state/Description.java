package io.flinkpersist.state;

import io.flinkpersist.Frontier;
import java.util.Objects;

/**
 * What a trace batch holds: every update with a time in {@code [lower, upper)}, with times before
 * {@code since} advanced to {@code since}.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>I5: {@code lower < upper} (a non-empty interval).
 *   <li>I6: every update's time {@code t} satisfies {@code lower <= t}, and {@code t < upper} if
 *       {@code since < upper}, else {@code t <= since}.
 * </ul>
 */
public record Description(Frontier lower, Frontier upper, Frontier since) {

    public Description {
        Objects.requireNonNull(lower, "lower");
        Objects.requireNonNull(upper, "upper");
        Objects.requireNonNull(since, "since");
    }

    public static Description of(long lower, long upper, long since) {
        return new Description(Frontier.at(lower), Frontier.at(upper), Frontier.at(since));
    }

    /** I5: the interval is non-empty and its lower bound is a time. */
    public void validate() {
        InvariantViolationException.check(
                !lower.isClosed() && lower.lessThan(upper),
                "I5",
                "trace batch interval must be non-empty (lower=%s, upper=%s)",
                lower,
                upper);
    }

    /** I6 for one update time. */
    public boolean admits(long t) {
        if (!lower.lessEqual(t)) {
            return false;
        }
        if (since.lessThan(upper)) {
            return upper.isBefore(t);
        }
        return since.isClosed() || t <= since.time();
    }

    @Override
    public String toString() {
        return "[" + lower + ", " + upper + ") since " + since;
    }
}
