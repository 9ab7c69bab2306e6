package io.flinkpersist;

import java.nio.charset.StandardCharsets;

/** The built-in {@link Codec}s. */
public final class Codecs {

    private Codecs() {}

    /** Bytes as they are. */
    public static Codec<byte[]> bytes() {
        return BytesCodec.INSTANCE;
    }

    /**
     * Bytes that a layer above has already encoded with the encoding named {@code name}: passed
     * through unchanged, and recorded with the collection as {@code name}, so that the collection
     * knows what its bytes are (the SQL connector uses it for its row encodings).
     */
    public static Codec<byte[]> preEncoded(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(
                    "Invalid encoding name '" + name + "': give the stable name of the encoding");
        }
        return new PreEncodedCodec(name);
    }

    /** UTF-8 strings; storage order is code point order. */
    public static Codec<String> string() {
        return StringCodec.INSTANCE;
    }

    /**
     * Longs as 8 big-endian bytes with the sign bit flipped, so that storage order is numeric order
     * (negative numbers first).
     */
    public static Codec<Long> longOrdered() {
        return LongCodec.INSTANCE;
    }

    private enum BytesCodec implements Codec<byte[]> {
        INSTANCE;

        @Override
        public String codecName() {
            return "bytes";
        }

        @Override
        public byte[] encode(byte[] value) {
            return value;
        }

        @Override
        public byte[] decode(byte[] bytes) {
            return bytes;
        }
    }

    private record PreEncodedCodec(String name) implements Codec<byte[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public String codecName() {
            return name;
        }

        @Override
        public byte[] encode(byte[] value) {
            return value;
        }

        @Override
        public byte[] decode(byte[] bytes) {
            return bytes;
        }
    }

    private enum StringCodec implements Codec<String> {
        INSTANCE;

        @Override
        public String codecName() {
            return "string-utf8";
        }

        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private enum LongCodec implements Codec<Long> {
        INSTANCE;

        @Override
        public String codecName() {
            return "long-ordered";
        }

        @Override
        public byte[] encode(Long value) {
            long v = value ^ Long.MIN_VALUE;
            byte[] out = new byte[8];
            for (int i = 7; i >= 0; i--) {
                out[i] = (byte) v;
                v >>>= 8;
            }
            return out;
        }

        @Override
        public Long decode(byte[] bytes) {
            if (bytes.length != 8) {
                throw new IllegalArgumentException(
                        "Cannot decode long: expected 8 bytes, got " + bytes.length);
            }
            long v = 0;
            for (byte b : bytes) {
                v = (v << 8) | (b & 0xFF);
            }
            return v ^ Long.MIN_VALUE;
        }
    }
}
