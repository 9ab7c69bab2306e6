package io.flinkpersist.batch;

import java.util.Arrays;

/**
 * The base of a cursor that holds its current update in fields, its key and value as slices: a
 * subclass moves with {@link #hold} and may guard the accessors with {@link #checkPositioned()}.
 * {@link #key()} and {@link #value()} copy the slice once per update, and only when asked.
 */
abstract class HeldUpdate implements UpdateCursor {

    private byte[] keyArray;
    private int keyOffset;
    private int keyLength;
    private byte[] valueArray;
    private int valueOffset;
    private int valueLength;
    private long time;
    private long diff;
    private byte[] keyCopy;
    private byte[] valueCopy;

    /** Makes the given update the current one; the slices must never change. */
    final void hold(
            byte[] k,
            int kOffset,
            int kLength,
            byte[] v,
            int vOffset,
            int vLength,
            long t,
            long d) {
        keyArray = k;
        keyOffset = kOffset;
        keyLength = kLength;
        valueArray = v;
        valueOffset = vOffset;
        valueLength = vLength;
        time = t;
        diff = d;
        keyCopy = null;
        valueCopy = null;
    }

    /** Throws if the accessors may not be called now; by default they always may. */
    void checkPositioned() {}

    /** Compares {@code (k, v, t)} with the held update, as {@link UpdateOrder} orders them. */
    final int compareToHeld(
            byte[] k, int kOffset, int kLength, byte[] v, int vOffset, int vLength, long t) {
        return UpdateOrder.compare(
                k,
                kOffset,
                kLength,
                v,
                vOffset,
                vLength,
                t,
                keyArray,
                keyOffset,
                keyLength,
                valueArray,
                valueOffset,
                valueLength,
                time);
    }

    @Override
    public final byte[] key() {
        checkPositioned();
        if (keyCopy == null && keyArray != null) {
            keyCopy = exact(keyArray, keyOffset, keyLength);
        }
        return keyCopy;
    }

    @Override
    public final byte[] value() {
        checkPositioned();
        if (valueCopy == null && valueArray != null) {
            valueCopy = exact(valueArray, valueOffset, valueLength);
        }
        return valueCopy;
    }

    @Override
    public final byte[] keyArray() {
        checkPositioned();
        return keyArray;
    }

    @Override
    public final int keyOffset() {
        return keyOffset;
    }

    @Override
    public final int keyLength() {
        return keyLength;
    }

    @Override
    public final byte[] valueArray() {
        checkPositioned();
        return valueArray;
    }

    @Override
    public final int valueOffset() {
        return valueOffset;
    }

    @Override
    public final int valueLength() {
        return valueLength;
    }

    @Override
    public final long time() {
        checkPositioned();
        return time;
    }

    @Override
    public final long diff() {
        checkPositioned();
        return diff;
    }

    /** A slice as an array of its own; the array itself when it is exactly the slice. */
    static byte[] exact(byte[] array, int offset, int length) {
        return offset == 0 && length == array.length
                ? array
                : Arrays.copyOfRange(array, offset, offset + length);
    }
}
