package io.flinkpersist.batch;

import java.io.Closeable;
import java.io.IOException;

/**
 * A forward-only stream of updates, usually in {@code (key, value, time)} order (see {@link
 * UpdateOrder}). Start with {@link #advance()}; the accessors describe the current update and stay
 * valid until the next call to {@code advance}. Keys and values must not be modified by the caller.
 */
public interface UpdateCursor extends Closeable {

    /** Moves to the next update; returns false when there is none. */
    boolean advance() throws IOException;

    byte[] key();

    byte[] value();

    long time();

    long diff();

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
            public void close() {}
        };
    }
}
