package io.flinkpersist.blob;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The storage SPI under a collection: a flat namespace of immutable blobs addressed by {@code
 * /}-separated keys relative to the store's root.
 *
 * <p>Implementations must give these guarantees; {@code BlobStoreContractTest} checks them:
 *
 * <ul>
 *   <li>{@link #putIfAbsent} and {@link BlobWriter#publish()} are atomic and never replace an
 *       existing blob: exactly one of two racing creators of a key succeeds, the other gets a
 *       {@link BlobAlreadyExistsException}. A reader sees either no blob or the whole blob.
 *   <li>Once a put or publish returns, the blob is durable (it survives a process or machine crash
 *       to the extent the medium allows).
 *   <li>{@link #delete} is idempotent.
 *   <li>{@link #list} returns every published blob under the prefix, never a half-written one.
 * </ul>
 *
 * <p>Errors: a failure that certainly did not apply is a {@link BlobStoreException} (or another
 * {@link IOException}); a failure after which the blob may or may not exist is an {@link
 * OutcomeUnknownException}, after which the caller must never delete what it tried to write.
 */
public interface BlobStore extends Closeable {

    /** Reads a whole blob into memory; meant for small blobs such as state records. */
    Optional<byte[]> get(String key) throws IOException;

    /**
     * Creates {@code key} with {@code data} unless it exists.
     *
     * @throws BlobAlreadyExistsException if the key exists; nothing was written
     */
    void putIfAbsent(String key, byte[] data) throws IOException;

    /**
     * Starts a streamed write of a new blob. Nothing is visible under {@code key} until {@link
     * BlobWriter#publish()} returns; closing an unpublished writer discards what was written.
     */
    BlobWriter create(String key) throws IOException;

    /**
     * Opens a blob for positional reads.
     *
     * @throws BlobNotFoundException if there is no such blob
     */
    BlobReader open(String key) throws IOException;

    /** Deletes a blob; returns whether it existed. Deleting a missing key is not an error. */
    boolean delete(String key) throws IOException;

    /** Lists the published blobs whose keys start with {@code prefix}, sorted by key. */
    List<BlobInfo> list(String prefix) throws IOException;

    /** A human-readable location, used in messages (e.g. {@code file:/data/persist/orders}). */
    String describe();
}
