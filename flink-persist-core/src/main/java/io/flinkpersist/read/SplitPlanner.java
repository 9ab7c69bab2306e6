package io.flinkpersist.read;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Assigns weighted units to parts so that the parts' total bytes are nearly equal: longest
 * processing time first (the largest unit goes to the part with the fewest bytes so far), which is
 * within 4/3 of the best possible maximum. Adjacent row groups of one batch that land in the same
 * part are joined into one slice.
 */
public final class SplitPlanner {

    private SplitPlanner() {}

    public static List<SnapshotPart> balance(List<BatchSlice> units, int n, ReadTimes times) {
        List<BatchSlice> sorted = new ArrayList<>(units);
        sorted.sort(
                Comparator.comparingLong(BatchSlice::bytes)
                        .reversed()
                        .thenComparing(BatchSlice::key)
                        .thenComparingInt(BatchSlice::fromRowGroup));
        int parts = Math.max(1, Math.min(n, sorted.size()));
        List<List<BatchSlice>> assigned = new ArrayList<>();
        long[] load = new long[parts];
        PriorityQueue<Integer> leastLoaded =
                new PriorityQueue<>(
                        Comparator.<Integer>comparingLong(i -> load[i]).thenComparingInt(i -> i));
        for (int i = 0; i < parts; i++) {
            assigned.add(new ArrayList<>());
            leastLoaded.add(i);
        }
        for (BatchSlice unit : sorted) {
            int target = leastLoaded.poll();
            assigned.get(target).add(unit);
            load[target] += unit.bytes();
            leastLoaded.add(target);
        }
        List<SnapshotPart> out = new ArrayList<>(parts);
        for (List<BatchSlice> part : assigned) {
            out.add(new SnapshotPart(join(part), times));
        }
        return out;
    }

    /** Orders a part's slices by batch and row group and joins adjacent ones. */
    private static List<BatchSlice> join(List<BatchSlice> slices) {
        List<BatchSlice> sorted = new ArrayList<>(slices);
        sorted.sort(
                Comparator.comparing(BatchSlice::key).thenComparingInt(BatchSlice::fromRowGroup));
        List<BatchSlice> out = new ArrayList<>();
        for (BatchSlice s : sorted) {
            BatchSlice last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null
                    && last.key().equals(s.key())
                    && last.toRowGroup() == s.fromRowGroup()) {
                out.set(
                        out.size() - 1,
                        new BatchSlice(
                                last.trace(),
                                last.unsealed(),
                                last.fromRowGroup(),
                                s.toRowGroup(),
                                last.bytes() + s.bytes()));
            } else {
                out.add(s);
            }
        }
        return out;
    }
}
