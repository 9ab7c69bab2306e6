package io.flinkpersist.blob;

/**
 * What a failed publish means for the blob, in the taxonomy of {@link BlobStore}: the class of a
 * store's failure, before the store turns it into an exception.
 */
enum PublishFailure {
    /** The key is taken: nothing was published ({@link BlobAlreadyExistsException}). */
    ALREADY_EXISTS,
    /** The store answered with an error, or nothing was sent: nothing was published. */
    NOT_APPLIED,
    /**
     * No definite answer after the request may have reached the store (a timeout, a lost
     * connection, an interrupt, a conflict): the blob may exist ({@link OutcomeUnknownException}).
     */
    UNKNOWN
}
