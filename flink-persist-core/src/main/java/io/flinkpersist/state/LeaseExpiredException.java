package io.flinkpersist.state;

/**
 * A reader's lease is gone: it expired (the reader did not renew it in time) or was released. The
 * blobs it pinned may have been collected; the reader must start over from a new snapshot.
 */
public class LeaseExpiredException extends IllegalStateException {
    public LeaseExpiredException(String message) {
        super(message);
    }
}
