package io.flinkpersist.batch;

import io.flinkpersist.Frontier;
import io.flinkpersist.blob.CorruptBlobException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.function.Predicate;

/** Cursor combinators: time filters, time advancing, bound checks and concatenation. */
public final class Cursors {

    private Cursors() {}

    /**
     * Keeps the updates with {@code from <= time} and {@code upper.isBefore(time)} (so a closed
     * {@code upper} keeps every time at or after {@code from}).
     */
    public static UpdateCursor filterTimes(UpdateCursor in, long from, Frontier upper) {
        if (from == 0 && upper.isClosed()) {
            return in;
        }
        return new Filtering(in, t -> from <= t && upper.isBefore(t));
    }

    /**
     * Replaces each time {@code t} by {@code max(t, to)}. The result is still sorted, but may hold
     * equal neighbours: consolidate it with {@link MergingCursor}.
     */
    public static UpdateCursor advanceTimes(UpdateCursor in, long to) {
        if (to == 0) {
            return in;
        }
        return new Delegating(in) {
            @Override
            public long time() {
                return Math.max(in.time(), to);
            }
        };
    }

    /**
     * Fails with a {@link CorruptBlobException} naming {@code key} if an update's time breaks
     * {@code allowed}, which the state promises about the batch (I4, I6).
     */
    public static UpdateCursor checkTimes(
            UpdateCursor in, String key, LongPredicate allowed, String promise) {
        return new Delegating(in) {
            @Override
            public boolean advance() throws IOException {
                if (!in.advance()) {
                    return false;
                }
                if (!allowed.test(in.time())) {
                    throw new CorruptBlobException(
                            key,
                            "update time "
                                    + in.time()
                                    + " breaks what the state records: "
                                    + promise);
                }
                return true;
            }
        };
    }

    /**
     * Collapses a consolidated, sorted stream to one update per {@code (key, value)}: the sum of
     * its diffs at the latest of its times; pairs whose diffs cancel are dropped.
     */
    public static UpdateCursor collapseTimes(UpdateCursor in) {
        return new Collapsing(in);
    }

    /**
     * Keeps the updates whose key lies in {@code [lower, upper)} of a key-sorted stream; a null
     * bound is unbounded. Stops reading at the first key at or past {@code upper}.
     */
    public static UpdateCursor keyRange(UpdateCursor in, byte[] lower, byte[] upper) {
        if (lower == null && upper == null) {
            return in;
        }
        return new Delegating(in) {
            private boolean done;

            @Override
            public boolean advance() throws IOException {
                while (!done && in.advance()) {
                    if (upper != null && UpdateOrder.compareBytes(in.key(), upper) >= 0) {
                        done = true;
                        return false;
                    }
                    if (lower == null || UpdateOrder.compareBytes(in.key(), lower) >= 0) {
                        return true;
                    }
                }
                return false;
            }
        };
    }

    /** Keeps the updates whose key {@code keep} accepts, of a stream in any order. */
    public static UpdateCursor filterKeys(UpdateCursor in, Predicate<byte[]> keep) {
        return new Delegating(in) {
            @Override
            public boolean advance() throws IOException {
                while (in.advance()) {
                    if (keep.test(in.key())) {
                        return true;
                    }
                }
                return false;
            }
        };
    }

    private static final class Collapsing implements UpdateCursor {
        private final UpdateCursor in;
        private boolean pending;
        private byte[] key;
        private byte[] value;
        private long time;
        private long diff;

        Collapsing(UpdateCursor in) {
            this.in = in;
        }

        @Override
        public boolean advance() throws IOException {
            if (!pending) {
                pending = in.advance();
            }
            while (pending) {
                byte[] k = in.key();
                byte[] v = in.value();
                long t = in.time();
                long sum = 0;
                while (pending && Arrays.equals(in.key(), k) && Arrays.equals(in.value(), v)) {
                    sum += in.diff();
                    t = Math.max(t, in.time());
                    pending = in.advance();
                }
                if (sum != 0) {
                    key = k;
                    value = v;
                    time = t;
                    diff = sum;
                    return true;
                }
            }
            return false;
        }

        @Override
        public byte[] key() {
            return key;
        }

        @Override
        public byte[] value() {
            return value;
        }

        @Override
        public long time() {
            return time;
        }

        @Override
        public long diff() {
            return diff;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** The concatenation of lazily opened cursors, each opened when the previous one ends. */
    public static UpdateCursor concat(List<? extends CursorSupplier> parts) {
        return new Concat(parts.iterator());
    }

    /** Opens a cursor; may do I/O. */
    @FunctionalInterface
    public interface CursorSupplier {
        UpdateCursor open() throws IOException;
    }

    private abstract static class Delegating implements UpdateCursor {
        final UpdateCursor in;

        Delegating(UpdateCursor in) {
            this.in = in;
        }

        @Override
        public boolean advance() throws IOException {
            return in.advance();
        }

        @Override
        public byte[] key() {
            return in.key();
        }

        @Override
        public byte[] value() {
            return in.value();
        }

        @Override
        public long time() {
            return in.time();
        }

        @Override
        public long diff() {
            return in.diff();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static final class Filtering extends Delegating {
        private final LongPredicate keep;

        Filtering(UpdateCursor in, LongPredicate keep) {
            super(in);
            this.keep = keep;
        }

        @Override
        public boolean advance() throws IOException {
            while (in.advance()) {
                if (keep.test(in.time())) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class Concat implements UpdateCursor {
        private final Iterator<? extends CursorSupplier> parts;
        private UpdateCursor current;

        Concat(Iterator<? extends CursorSupplier> parts) {
            this.parts = parts;
        }

        @Override
        public boolean advance() throws IOException {
            while (true) {
                if (current != null) {
                    if (current.advance()) {
                        return true;
                    }
                    current.close();
                    current = null;
                }
                if (!parts.hasNext()) {
                    return false;
                }
                current = parts.next().open();
            }
        }

        @Override
        public byte[] key() {
            return current.key();
        }

        @Override
        public byte[] value() {
            return current.value();
        }

        @Override
        public long time() {
            return current.time();
        }

        @Override
        public long diff() {
            return current.diff();
        }

        @Override
        public void close() throws IOException {
            if (current != null) {
                current.close();
                current = null;
            }
        }
    }
}
