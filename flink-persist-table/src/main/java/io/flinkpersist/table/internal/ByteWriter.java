package io.flinkpersist.table.internal;

import java.util.Arrays;
import org.apache.flink.annotation.Internal;

/** A growable byte array that the row codecs write into; reused across rows. */
@Internal
final class ByteWriter {

    private byte[] bytes = new byte[64];
    private int size;

    void reset() {
        size = 0;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    private void ensure(int extra) {
        if (size + extra > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + extra));
        }
    }

    void writeByte(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    void writeShort(short v) {
        ensure(2);
        bytes[size++] = (byte) (v >>> 8);
        bytes[size++] = (byte) v;
    }

    void writeInt(int v) {
        ensure(4);
        bytes[size++] = (byte) (v >>> 24);
        bytes[size++] = (byte) (v >>> 16);
        bytes[size++] = (byte) (v >>> 8);
        bytes[size++] = (byte) v;
    }

    void writeLong(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            bytes[size++] = (byte) (v >>> shift);
        }
    }

    void writeBytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
    }

    /** An unsigned LEB128 varint. */
    void writeVarInt(int v) {
        while ((v & ~0x7F) != 0) {
            writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        writeByte(v);
    }

    /**
     * Bytes followed by {@code 0x00 0x01}, each {@code 0x00} inside written as {@code 0x00 0xFF}:
     * order-preserving and prefix-free.
     */
    void writeEscaped(byte[] b) {
        ensure(b.length + 2);
        for (byte x : b) {
            if (x == 0) {
                writeByte(0x00);
                writeByte(0xFF);
            } else {
                writeByte(x);
            }
        }
        writeByte(0x00);
        writeByte(0x01);
    }
}
