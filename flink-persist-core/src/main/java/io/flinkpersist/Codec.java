package io.flinkpersist;

import java.io.Serializable;

/**
 * Encodes a user type to the bytes the engine stores. Storage order is the unsigned lexicographic
 * order of the encoded bytes; a codec that preserves the type's natural order (like {@link
 * Codecs#longOrdered()}) makes storage order match it.
 *
 * <p>Codecs are shipped inside Flink jobs and must be serializable and stateless.
 *
 * @param <T> the encoded type
 */
public interface Codec<T> extends Serializable {

    /** A stable name, recorded with the collection so that readers can detect a mismatch. */
    String codecName();

    byte[] encode(T value);

    T decode(byte[] bytes);
}
