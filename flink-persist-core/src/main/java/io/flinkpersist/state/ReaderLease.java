package io.flinkpersist.state;

import io.flinkpersist.Frontier;
import java.util.Objects;

/**
 * A reader's lease on a collection: while it is live, since does not pass {@code sinceHold} and
 * garbage collection keeps every blob of state version {@code pinnedSeqNo} and later. A lease ends
 * when its reader releases it or when {@code expiresAtMillis} passes without a renewal; an expired
 * lease is dropped by the next commit that expires leases.
 *
 * @param id the reader's id, unique per collection
 * @param sinceHold the earliest time the reader still reads as of
 * @param pinnedSeqNo the state version whose blobs the reader may still read
 * @param expiresAtMillis when the lease ends unless renewed, in the injected clock's milliseconds
 */
public record ReaderLease(String id, Frontier sinceHold, long pinnedSeqNo, long expiresAtMillis) {

    public ReaderLease {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sinceHold, "sinceHold");
    }

    public boolean isExpired(long nowMillis) {
        return expiresAtMillis <= nowMillis;
    }
}
