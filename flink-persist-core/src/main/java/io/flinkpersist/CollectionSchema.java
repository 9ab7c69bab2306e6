package io.flinkpersist;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What a collection holds: the identity of its key and value encodings, as {@link
 * Codec#codecName()} gives them (for a SQL table, its key and value columns). A collection records
 * its schema when it is created; a writer or reader whose schema differs is refused, since its
 * bytes would be decoded as something they are not.
 *
 * @param keyCodec the key encoding's stable name
 * @param valueCodec the value encoding's stable name
 */
public record CollectionSchema(String keyCodec, String valueCodec) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The longest name, in UTF-8 bytes, a schema may record. */
    public static final int MAX_NAME_BYTES = 64 * 1024;

    public CollectionSchema {
        checkName("key", keyCodec);
        checkName("value", valueCodec);
    }

    /** The schema of a collection written and read through these codecs. */
    public static CollectionSchema of(Codec<?> keyCodec, Codec<?> valueCodec) {
        Objects.requireNonNull(keyCodec, "keyCodec");
        Objects.requireNonNull(valueCodec, "valueCodec");
        return new CollectionSchema(keyCodec.codecName(), valueCodec.codecName());
    }

    private static void checkName(String which, String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(
                    "Invalid "
                            + which
                            + " codec name '"
                            + name
                            + "': Codec.codecName() must return a stable, non-blank name");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException(
                    "Invalid "
                            + which
                            + " codec name: longer than "
                            + MAX_NAME_BYTES
                            + " bytes (starts with '"
                            + name.substring(0, 60)
                            + "')");
        }
    }

    @Override
    public String toString() {
        return "key codec '" + keyCodec + "', value codec '" + valueCodec + "'";
    }
}
