package io.flinkpersist.batch;

import io.flinkpersist.Frontier;
import io.flinkpersist.blob.CorruptBlobException;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.function.Predicate;

/**
 * Cursor combinators: time filters, time advancing, bound checks and concatenation.
 *
 * <p>The time checks, key ranges, time filters and time advancing a read stacks on one batch cursor
 * fold into a single layer ({@link Bounded}) where their order allows, so that each update passes
 * through one wrapper instead of one per combinator. Wrappers hand on their input's slices and
 * promise what their input promises ({@link UpdateCursor#sorted()}, {@link
 * UpdateCursor#consolidated()}) as far as they keep it.
 */
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
        return Bounded.of(in, Bounded.FILTER).keepTimes(t -> from <= t && upper.isBefore(t));
    }

    /**
     * Replaces each time {@code t} by {@code max(t, to)}. The result is still sorted, but may hold
     * equal neighbours: consolidate it with {@link MergingCursor}.
     */
    public static UpdateCursor advanceTimes(UpdateCursor in, long to) {
        if (to == 0) {
            return in;
        }
        return Bounded.of(in, Bounded.ADVANCE).advanceTo(to);
    }

    /**
     * Fails with a {@link CorruptBlobException} naming {@code key} if an update's time breaks
     * {@code allowed}, which the state promises about the batch (I4, I6).
     */
    public static UpdateCursor checkTimes(
            UpdateCursor in, String key, LongPredicate allowed, String promise) {
        return Bounded.of(in, Bounded.CHECK).checkTimes(key, allowed, promise);
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
        return Bounded.of(in, Bounded.KEYS).keyRange(lower, upper);
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

    /** The concatenation of lazily opened cursors, each opened when the previous one ends. */
    public static UpdateCursor concat(List<? extends CursorSupplier> parts) {
        return new Concat(parts.iterator(), null);
    }

    /**
     * The concatenation of lazily opened cursors that together are sorted, as the parts of a batch
     * are: each part must promise to be {@link UpdateCursor#sorted()} (else {@link
     * IllegalStateException}), and each must begin where the one before it ended, else a {@link
     * CorruptBlobException} names the blob key of the part that overlaps the one before it ({@code
     * keys}, one per part). The result promises to be sorted.
     */
    public static UpdateCursor concatSorted(
            List<String> keys, List<? extends CursorSupplier> parts) {
        if (keys.size() != parts.size()) {
            throw new IllegalArgumentException(
                    "Cannot concatenate parts: "
                            + keys.size()
                            + " keys for "
                            + parts.size()
                            + " parts");
        }
        return new Concat(parts.iterator(), List.copyOf(keys));
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
        public byte[] keyArray() {
            return in.keyArray();
        }

        @Override
        public int keyOffset() {
            return in.keyOffset();
        }

        @Override
        public int keyLength() {
            return in.keyLength();
        }

        @Override
        public byte[] valueArray() {
            return in.valueArray();
        }

        @Override
        public int valueOffset() {
            return in.valueOffset();
        }

        @Override
        public int valueLength() {
            return in.valueLength();
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
        public boolean sorted() {
            return in.sorted();
        }

        @Override
        public boolean consolidated() {
            return in.consolidated();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /**
     * One layer for up to four stages, applied to each update in this order: a time check (on the
     * stored time), a key range, a time filter (on the stored time), and advancing the time. The
     * first two and the filter commute, so any order of calls folds; a stage that must see the
     * effect of a later one already set (a filter or check after advancing), or is set already,
     * starts a new layer.
     */
    private static final class Bounded extends Delegating {
        static final int CHECK = 0;
        static final int KEYS = 1;
        static final int FILTER = 2;
        static final int ADVANCE = 3;

        private String checkedKey;
        private LongPredicate allowed;
        private String promise;
        private byte[] lower;
        private byte[] upper;
        private LongPredicate keep;
        private long advanceTo;

        private boolean done;
        private long time;

        private Bounded(UpdateCursor in) {
            super(in);
        }

        /** A layer over {@code in} to which {@code stage} can be added. */
        static Bounded of(UpdateCursor in, int stage) {
            if (in instanceof Bounded b && b.admits(stage)) {
                Bounded copy = new Bounded(b.in);
                copy.checkedKey = b.checkedKey;
                copy.allowed = b.allowed;
                copy.promise = b.promise;
                copy.lower = b.lower;
                copy.upper = b.upper;
                copy.keep = b.keep;
                copy.advanceTo = b.advanceTo;
                return copy;
            }
            return new Bounded(in);
        }

        private boolean admits(int stage) {
            boolean keys = lower != null || upper != null;
            return switch (stage) {
                case CHECK -> allowed == null && !keys && keep == null && advanceTo == 0;
                case KEYS -> !keys && advanceTo == 0;
                case FILTER -> keep == null && advanceTo == 0;
                default -> advanceTo == 0;
            };
        }

        Bounded checkTimes(String key, LongPredicate allowed, String promise) {
            this.checkedKey = key;
            this.allowed = allowed;
            this.promise = promise;
            return this;
        }

        Bounded keyRange(byte[] lower, byte[] upper) {
            this.lower = lower;
            this.upper = upper;
            return this;
        }

        Bounded keepTimes(LongPredicate keep) {
            this.keep = keep;
            return this;
        }

        Bounded advanceTo(long to) {
            this.advanceTo = to;
            return this;
        }

        @Override
        public boolean advance() throws IOException {
            while (!done && in.advance()) {
                long t = in.time();
                if (allowed != null && !allowed.test(t)) {
                    throw new CorruptBlobException(
                            checkedKey,
                            "update time " + t + " breaks what the state records: " + promise);
                }
                if (upper != null
                        && UpdateOrder.compareBytes(
                                        in.keyArray(),
                                        in.keyOffset(),
                                        in.keyLength(),
                                        upper,
                                        0,
                                        upper.length)
                                >= 0) {
                    done = true;
                    return false;
                }
                if (lower != null
                        && UpdateOrder.compareBytes(
                                        in.keyArray(),
                                        in.keyOffset(),
                                        in.keyLength(),
                                        lower,
                                        0,
                                        lower.length)
                                < 0) {
                    continue;
                }
                if (keep != null && !keep.test(t)) {
                    continue;
                }
                time = Math.max(t, advanceTo);
                return true;
            }
            return false;
        }

        @Override
        public long time() {
            in.time(); // fails as the input does when not on an update
            return time;
        }

        /** Advancing times may make neighbours equal: still sorted, no longer consolidated. */
        @Override
        public boolean consolidated() {
            return advanceTo == 0 && in.consolidated();
        }
    }

    private static final class Collapsing extends HeldUpdate {
        private final UpdateCursor in;
        private boolean pending;

        Collapsing(UpdateCursor in) {
            this.in = in;
        }

        @Override
        public boolean advance() throws IOException {
            if (!pending) {
                pending = in.advance();
            }
            while (pending) {
                byte[] k = in.keyArray();
                int kOffset = in.keyOffset();
                int kLength = in.keyLength();
                byte[] v = in.valueArray();
                int vOffset = in.valueOffset();
                int vLength = in.valueLength();
                long t = in.time();
                long sum = 0;
                do {
                    sum += in.diff();
                    t = Math.max(t, in.time());
                    pending = in.advance();
                } while (pending
                        && UpdateOrder.equalBytes(
                                in.keyArray(), in.keyOffset(), in.keyLength(), k, kOffset, kLength)
                        && UpdateOrder.equalBytes(
                                in.valueArray(),
                                in.valueOffset(),
                                in.valueLength(),
                                v,
                                vOffset,
                                vLength));
                if (sum != 0) {
                    hold(k, kOffset, kLength, v, vOffset, vLength, t, sum);
                    return true;
                }
            }
            return false;
        }

        /** One update per (key, value) of a sorted input, none with a zero sum. */
        @Override
        public boolean consolidated() {
            return in.sorted();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static final class Concat implements UpdateCursor {
        private final Iterator<? extends CursorSupplier> parts;

        /** The parts' blob keys when the parts must follow one another; null otherwise. */
        private final List<String> keys;

        private final boolean sorted;
        private UpdateCursor current;

        /** Whether {@link #current} has returned an update yet (when sorted). */
        private boolean started;

        /**
         * Whether another part follows {@link #current}: only then is its last update remembered,
         * so the last part (or an only one) costs nothing per update.
         */
        private boolean followed;

        /** The last update returned, when sorted: slices stay valid, so references suffice. */
        private byte[] lastKey;

        private int lastKeyOffset;
        private int lastKeyLength;
        private byte[] lastValue;
        private int lastValueOffset;
        private int lastValueLength;
        private long lastTime;
        private int lastPart;
        private int partIndex = -1;

        Concat(Iterator<? extends CursorSupplier> parts, List<String> keys) {
            this.parts = parts;
            this.keys = keys;
            this.sorted = keys != null;
        }

        @Override
        public boolean advance() throws IOException {
            while (true) {
                if (current != null) {
                    if (current.advance()) {
                        if (sorted) {
                            if (!started) {
                                started = true;
                                checkFollows();
                            }
                            if (followed) {
                                remember();
                            }
                        }
                        return true;
                    }
                    current.close();
                    current = null;
                }
                if (!parts.hasNext()) {
                    return false;
                }
                UpdateCursor next = parts.next().open();
                partIndex++;
                if (sorted && !next.sorted()) {
                    next.close();
                    throw new IllegalStateException(
                            "Cannot concatenate part "
                                    + keys.get(partIndex)
                                    + " in order: its cursor does not promise to be sorted");
                }
                current = next;
                started = false;
                followed = parts.hasNext();
            }
        }

        private void remember() {
            lastKey = current.keyArray();
            lastKeyOffset = current.keyOffset();
            lastKeyLength = current.keyLength();
            lastValue = current.valueArray();
            lastValueOffset = current.valueOffset();
            lastValueLength = current.valueLength();
            lastTime = current.time();
            lastPart = partIndex;
        }

        /** The first update of a part must not sort before the last one of the parts before. */
        private void checkFollows() throws CorruptBlobException {
            if (lastKey != null) {
                int c =
                        UpdateOrder.compare(
                                current.keyArray(),
                                current.keyOffset(),
                                current.keyLength(),
                                current.valueArray(),
                                current.valueOffset(),
                                current.valueLength(),
                                current.time(),
                                lastKey,
                                lastKeyOffset,
                                lastKeyLength,
                                lastValue,
                                lastValueOffset,
                                lastValueLength,
                                lastTime);
                if (c < 0) {
                    throw new CorruptBlobException(
                            keys.get(partIndex),
                            "the parts of its batch overlap: its first update (key="
                                    + BatchFormat.hex(current.key())
                                    + ") sorts before the last update of part "
                                    + keys.get(lastPart)
                                    + " before it (key="
                                    + BatchFormat.hex(lastKey, lastKeyOffset, lastKeyLength)
                                    + ")");
                }
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
        public byte[] keyArray() {
            return current.keyArray();
        }

        @Override
        public int keyOffset() {
            return current.keyOffset();
        }

        @Override
        public int keyLength() {
            return current.keyLength();
        }

        @Override
        public byte[] valueArray() {
            return current.valueArray();
        }

        @Override
        public int valueOffset() {
            return current.valueOffset();
        }

        @Override
        public int valueLength() {
            return current.valueLength();
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
        public boolean sorted() {
            return sorted;
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
