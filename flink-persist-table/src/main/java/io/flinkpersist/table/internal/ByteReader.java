package io.flinkpersist.table.internal;

import java.io.ByteArrayOutputStream;
import org.apache.flink.annotation.Internal;

/**
 * Reads what a {@link ByteWriter} wrote; every read checks the bounds and fails naming the codec.
 */
@Internal
final class ByteReader {

    private final byte[] bytes;
    private final String codec;
    private int pos;

    ByteReader(byte[] bytes, String codec) {
        this.bytes = bytes;
        this.codec = codec;
    }

    boolean atEnd() {
        return pos == bytes.length;
    }

    int position() {
        return pos;
    }

    private void need(int n) {
        if (pos + n > bytes.length) {
            throw corrupt("needs " + n + " more bytes at offset " + pos);
        }
    }

    IllegalArgumentException corrupt(String reason) {
        return new IllegalArgumentException(
                "Cannot decode a row with codec "
                        + codec
                        + ": "
                        + reason
                        + " (length="
                        + bytes.length
                        + ")");
    }

    int readByte() {
        need(1);
        return bytes[pos++] & 0xFF;
    }

    short readShort() {
        need(2);
        int v = ((bytes[pos] & 0xFF) << 8) | (bytes[pos + 1] & 0xFF);
        pos += 2;
        return (short) v;
    }

    int readInt() {
        need(4);
        int v =
                ((bytes[pos] & 0xFF) << 24)
                        | ((bytes[pos + 1] & 0xFF) << 16)
                        | ((bytes[pos + 2] & 0xFF) << 8)
                        | (bytes[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    long readLong() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (bytes[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    byte[] readBytes(int n) {
        if (n < 0) {
            throw corrupt("negative length " + n);
        }
        need(n);
        byte[] out = new byte[n];
        System.arraycopy(bytes, pos, out, 0, n);
        pos += n;
        return out;
    }

    /** Moves past {@code n} bytes without copying them. */
    void skip(int n) {
        if (n < 0) {
            throw corrupt("negative length " + n);
        }
        need(n);
        pos += n;
    }

    int readVarInt() {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = readByte();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw corrupt("varint longer than 5 bytes at offset " + pos);
    }

    /** Reads what {@link ByteWriter#writeEscaped} wrote. */
    byte[] readEscaped() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int b = readByte();
            if (b != 0) {
                out.write(b);
                continue;
            }
            int next = readByte();
            if (next == 0x01) {
                return out.toByteArray();
            }
            if (next != 0xFF) {
                throw corrupt(
                        "invalid escape 0x00 0x"
                                + Integer.toHexString(next)
                                + " at offset "
                                + (pos - 2));
            }
            out.write(0);
        }
    }
}
