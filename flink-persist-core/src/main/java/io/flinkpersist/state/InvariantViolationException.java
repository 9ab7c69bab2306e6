package io.flinkpersist.state;

/**
 * A broken invariant of DESIGN.md (I1…I11): our bug, or data corrupted outside our control. The
 * message names the invariant and the values that break it.
 */
public class InvariantViolationException extends IllegalStateException {
    private final String invariant;

    public InvariantViolationException(String invariant, String message) {
        super(invariant + " violated: " + message);
        this.invariant = invariant;
    }

    /** The invariant id, e.g. {@code "I5"}. */
    public String invariant() {
        return invariant;
    }

    static void check(boolean condition, String invariant, String message, Object... args) {
        if (!condition) {
            throw new InvariantViolationException(invariant, String.format(message, args));
        }
    }
}
