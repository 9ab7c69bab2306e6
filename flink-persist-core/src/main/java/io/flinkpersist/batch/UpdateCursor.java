package io.flinkpersist.batch;

import java.io.Closeable;
import java.io.IOException;

/**
 * A forward-only stream of updates, usually in {@code (key, value, time)} order (see {@link
 * UpdateOrder}). Start with {@link #advance()}; the accessors describe the current update and stay
 * valid until the next call to {@code advance}.
 *
 * <p>Keys and values come two ways. {@link #key()} and {@link #value()} return arrays holding
 * exactly the bytes; a cursor that decodes into shared buffers copies them when asked. The slice
 * accessors ({@link #keyArray()}, {@link #keyOffset()}, {@link #keyLength()}, and the same for
 * values) name the bytes where they lie, without copying: hot paths use those. Either way the bytes
 * never change once handed out, so a caller may hold a key past {@code advance}, but must not
 * modify it.
 */
public interface UpdateCursor extends Closeable {

    /** Moves to the next update; returns false when there is none. */
    boolean advance() throws IOException;

    byte[] key();

    byte[] value();

    long time();

    long diff();

    /** The array holding the current key, from {@link #keyOffset()} for {@link #keyLength()}. */
    default byte[] keyArray() {
        return key();
    }

    default int keyOffset() {
        return 0;
    }

    default int keyLength() {
        return key().length;
    }

    /**
     * The array holding the current value, from {@link #valueOffset()} for {@link #valueLength()}.
     */
    default byte[] valueArray() {
        return value();
    }

    default int valueOffset() {
        return 0;
    }

    default int valueLength() {
        return value().length;
    }

    /**
     * Whether the updates are known, checked or by construction, never to sort before the one
     * before them in {@code (key, value, time)}; equal neighbours are allowed. False unless a
     * cursor promises it.
     */
    default boolean sorted() {
        return consolidated();
    }

    /**
     * Whether the updates are known, checked or by construction, to satisfy I8: strictly increasing
     * in {@code (key, value, time)}, with non-zero diffs. A writer need not check them again. False
     * unless a cursor promises it.
     */
    default boolean consolidated() {
        return false;
    }

    /** A cursor with no updates. */
    static UpdateCursor empty() {
        return new UpdateCursor() {
            @Override
            public boolean advance() {
                return false;
            }

            @Override
            public byte[] key() {
                throw new IllegalStateException("empty cursor");
            }

            @Override
            public byte[] value() {
                throw new IllegalStateException("empty cursor");
            }

            @Override
            public long time() {
                throw new IllegalStateException("empty cursor");
            }

            @Override
            public long diff() {
                throw new IllegalStateException("empty cursor");
            }

            @Override
            public boolean consolidated() {
                return true;
            }

            @Override
            public void close() {}
        };
    }
}
