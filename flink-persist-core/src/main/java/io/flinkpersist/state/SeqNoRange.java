package io.flinkpersist.state;

/**
 * The write sequence numbers {@code [start, end)} an unsealed batch covers. Each appended batch
 * takes the next numbers of its collection, so ranges order unsealed batches by when they were
 * written.
 */
public record SeqNoRange(long start, long end) {

    /** Checks that the range is non-empty and non-negative (part of I3). */
    public void validate() {
        InvariantViolationException.check(
                0 <= start && start < end,
                "I3",
                "unsealed SeqNo range must be non-empty (start=%d, end=%d)",
                start,
                end);
    }

    @Override
    public String toString() {
        return "[" + start + ", " + end + ")";
    }
}
