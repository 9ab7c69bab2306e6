package io.flinkpersist.state;

import java.io.IOException;

/**
 * A commit lost the compare-and-set too many times in a row, or found that another committer
 * changed the state so that the transition no longer applies as asked. Re-read the state and decide
 * again.
 */
public class CommitConflictException extends IOException {
    public CommitConflictException(String message) {
        super(message);
    }
}
