package io.flinkpersist.blob;

import java.io.IOException;

/**
 * A write failed in a way that leaves its outcome unknown: the blob may or may not exist now. Never
 * delete what was being written; re-read to learn the outcome.
 */
public class OutcomeUnknownException extends IOException {
    public OutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
