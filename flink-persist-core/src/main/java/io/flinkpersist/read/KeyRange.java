package io.flinkpersist.read;

import io.flinkpersist.batch.UpdateOrder;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The keys {@code [lower, upper)} in storage order; an empty lower bound is the first key, a null
 * upper bound none. A read restricted to key ranges skips every batch, row group and page whose key
 * statistics lie outside all of them.
 *
 * @param lower the first key of the range, inclusive; empty: from the first key
 * @param upper the end of the range, exclusive; null: to the last key
 */
public record KeyRange(byte[] lower, byte[] upper) implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final byte[] FIRST = new byte[0];

    public KeyRange {
        Objects.requireNonNull(lower, "lower");
        if (upper != null && UpdateOrder.compareBytes(lower, upper) > 0) {
            throw new IllegalArgumentException(
                    "Cannot create key range: lower "
                            + hex(lower)
                            + " is after upper "
                            + hex(upper));
        }
    }

    /** Every key. */
    public static KeyRange all() {
        return new KeyRange(FIRST, null);
    }

    /** The keys that start with {@code prefix} (every key, for an empty one). */
    public static KeyRange prefix(byte[] prefix) {
        return new KeyRange(prefix.clone(), Snapshot.prefixEnd(prefix));
    }

    /** Whether the range holds no key. */
    public boolean isEmpty() {
        return upper != null && UpdateOrder.compareBytes(lower, upper) >= 0;
    }

    public boolean contains(byte[] key) {
        return UpdateOrder.compareBytes(key, lower) >= 0
                && (upper == null || UpdateOrder.compareBytes(key, upper) < 0);
    }

    /** Whether some key in {@code [min, max]} (both inclusive) lies in this range. */
    public boolean overlaps(byte[] min, byte[] max) {
        return UpdateOrder.compareBytes(max, lower) >= 0
                && (upper == null || UpdateOrder.compareBytes(min, upper) < 0);
    }

    /** The keys in both this range and {@code [lo, hi)} (null bounds unbounded); maybe empty. */
    public KeyRange intersect(byte[] lo, byte[] hi) {
        byte[] l = lo == null || UpdateOrder.compareBytes(lower, lo) >= 0 ? lower : lo;
        byte[] u;
        if (hi == null) {
            u = upper;
        } else if (upper == null) {
            u = hi;
        } else {
            u = UpdateOrder.compareBytes(upper, hi) <= 0 ? upper : hi;
        }
        if (u != null && UpdateOrder.compareBytes(l, u) > 0) {
            u = l;
        }
        return new KeyRange(l, u);
    }

    /** Whether the range is one key ({@code upper} is {@code lower} followed by a zero byte). */
    public boolean isSingleKey() {
        return upper != null
                && upper.length == lower.length + 1
                && upper[lower.length] == 0
                && Arrays.equals(lower, 0, lower.length, upper, 0, lower.length);
    }

    /** The range of exactly {@code key}. */
    public static KeyRange single(byte[] key) {
        return new KeyRange(key.clone(), Arrays.copyOf(key, key.length + 1));
    }

    /** {@code ranges} without empty ones, sorted and with overlapping or touching ones joined. */
    public static List<KeyRange> normalize(List<KeyRange> ranges) {
        List<KeyRange> sorted = new ArrayList<>();
        for (KeyRange r : ranges) {
            if (!r.isEmpty()) {
                sorted.add(r);
            }
        }
        sorted.sort(Comparator.comparing(KeyRange::lower, UpdateOrder::compareBytes));
        List<KeyRange> out = new ArrayList<>();
        for (KeyRange r : sorted) {
            KeyRange last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null
                    && (last.upper == null || UpdateOrder.compareBytes(r.lower, last.upper) <= 0)) {
                byte[] upper;
                if (last.upper == null || r.upper == null) {
                    upper = null;
                } else {
                    upper =
                            UpdateOrder.compareBytes(r.upper, last.upper) > 0
                                    ? r.upper
                                    : last.upper;
                }
                out.set(out.size() - 1, new KeyRange(last.lower, upper));
            } else {
                out.add(r);
            }
        }
        return List.copyOf(out);
    }

    /** Whether any of the sorted, disjoint {@code ranges} holds {@code key}. */
    public static boolean anyContains(List<KeyRange> ranges, byte[] key) {
        int lo = 0;
        int hi = ranges.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            KeyRange r = ranges.get(mid);
            if (r.upper != null && UpdateOrder.compareBytes(key, r.upper) >= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < ranges.size() && ranges.get(lo).contains(key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyRange r
                && Arrays.equals(lower, r.lower)
                && Arrays.equals(upper, r.upper);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(lower) + Arrays.hashCode(upper);
    }

    @Override
    public String toString() {
        return "[" + hex(lower) + ", " + (upper == null ? "end" : hex(upper)) + ")";
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
