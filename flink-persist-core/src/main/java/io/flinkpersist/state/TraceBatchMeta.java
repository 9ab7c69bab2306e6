package io.flinkpersist.state;

import io.flinkpersist.DiffSums;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A trace batch as the state records it: the updates of its {@link Description}, with a compaction
 * level, stored as one or more sorted, consolidated runs, each one or more {@linkplain BatchPart
 * parts}: Parquet files with disjoint, ordered key ranges. A batch above level 0 is one run; a
 * level-0 batch may be several (a drain adopts writers' unsealed batches whole, each a run of its
 * own, and writes what it must rewrite as one more), which readers merge as they merge batches.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>I5, I6: see {@link Description}.
 *   <li>{@code level >= 0}; levels are non-increasing from oldest to newest (I7, checked by {@link
 *       CollectionState#validate()}).
 *   <li>Parts: at least one; the batch's key is its first part's; runs are numbered from 0 in the
 *       order of the parts, each starting with a part without lower bound, and within a run the
 *       parts' lower bounds strictly increase; several runs only at level 0; size and count are the
 *       parts' sums. That each part's keys lie in its range is checked where the data is read (I8
 *       per part, ranges by {@code validate}).
 * </ul>
 *
 * @param key the batch's identity: the blob key of its first part
 * @param desc the interval and since of the updates it holds
 * @param level the compaction level (0 for a batch straight from a drain)
 * @param sizeBytes the parts' total length
 * @param updateCount the number of updates
 * @param parts the parts in key order
 */
public record TraceBatchMeta(
        String key,
        Description desc,
        int level,
        long sizeBytes,
        long updateCount,
        List<BatchPart> parts) {

    public TraceBatchMeta {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(desc, "desc");
        parts = List.copyOf(parts);
    }

    /** The sorted runs of {@code batches} ({@link #runs()}), in order. */
    public static List<TraceBatchMeta> runsOf(List<TraceBatchMeta> batches) {
        List<TraceBatchMeta> out = new ArrayList<>(batches.size());
        for (TraceBatchMeta b : batches) {
            out.addAll(b.runs());
        }
        return out;
    }

    /** The number of sorted runs it is stored as. */
    public int runCount() {
        return parts.isEmpty() ? 0 : parts.get(parts.size() - 1).run() + 1;
    }

    /**
     * Each sorted run as a batch of its own, with this batch's description and level: one input of
     * a merge or a read. A batch of one run is its own only run.
     */
    public List<TraceBatchMeta> runs() {
        if (runCount() <= 1) {
            return List.of(this);
        }
        List<TraceBatchMeta> out = new ArrayList<>();
        int from = 0;
        for (int i = 1; i <= parts.size(); i++) {
            if (i == parts.size() || parts.get(i).run() != parts.get(from).run()) {
                List<BatchPart> run = new ArrayList<>();
                for (BatchPart p : parts.subList(from, i)) {
                    run.add(p.inRun(0));
                }
                out.add(ofParts(desc, level, run));
                from = i;
            }
        }
        return out;
    }

    /** A batch of one part, {@code key}. */
    public TraceBatchMeta(
            String key, Description desc, int level, long sizeBytes, long updateCount) {
        this(
                key,
                desc,
                level,
                sizeBytes,
                updateCount,
                List.of(BatchPart.whole(key, sizeBytes, updateCount)));
    }

    /** A batch of {@code parts}, named by its first, with their total size and count. */
    public static TraceBatchMeta ofParts(Description desc, int level, List<BatchPart> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("Cannot describe a trace batch without parts");
        }
        long size = 0;
        long count = 0;
        for (BatchPart p : parts) {
            size += p.sizeBytes();
            count += p.updateCount();
        }
        return new TraceBatchMeta(parts.get(0).key(), desc, level, size, count, parts);
    }

    /**
     * The sum of the diffs of all its parts ({@link DiffSums}): the rows it adds to a snapshot that
     * reads all of it; unknown if any part's is.
     */
    public long diffSum() {
        long sum = 0;
        for (BatchPart p : parts) {
            sum = DiffSums.add(sum, p.diffSum());
        }
        return sum;
    }

    /** Whether the batch is stored as more than one part. */
    public boolean isMultiPart() {
        return parts.size() > 1;
    }

    /** The blob keys of its parts, in key order. */
    public List<String> partKeys() {
        return parts.stream().map(BatchPart::key).toList();
    }

    /**
     * Each part as a batch of its own, with this batch's description and level: what a reader
     * opens, file by file (I6 holds per part).
     */
    public List<TraceBatchMeta> partViews() {
        if (parts.size() == 1) {
            return List.of(this);
        }
        List<TraceBatchMeta> out = new ArrayList<>(parts.size());
        for (BatchPart p : parts) {
            out.add(
                    new TraceBatchMeta(
                            p.key(),
                            desc,
                            level,
                            p.sizeBytes(),
                            p.updateCount(),
                            List.of(
                                    BatchPart.whole(
                                            p.key(),
                                            p.sizeBytes(),
                                            p.updateCount(),
                                            p.diffSum()))));
        }
        return out;
    }

    /**
     * The exclusive upper key bound of part {@code i}: the next part's lower in its run; null for a
     * run's last part.
     */
    public byte[] partUpper(int i) {
        return i + 1 < parts.size() && parts.get(i + 1).run() == parts.get(i).run()
                ? parts.get(i + 1).lower()
                : null;
    }

    public void validate() {
        desc.validate();
        InvariantViolationException.check(
                level >= 0 && sizeBytes > 0 && updateCount >= 0,
                "I5",
                "trace batch must have level >= 0 and a size (key=%s, level=%d, sizeBytes=%d, updateCount=%d)",
                key,
                level,
                sizeBytes,
                updateCount);
        InvariantViolationException.check(
                !parts.isEmpty() && parts.get(0).key().equals(key),
                "I9",
                "trace batch must be named by its first part (key=%s, parts=%s)",
                key,
                partKeys());
        long size = 0;
        long count = 0;
        for (int i = 0; i < parts.size(); i++) {
            BatchPart p = parts.get(i);
            size += p.sizeBytes();
            count += p.updateCount();
            InvariantViolationException.check(
                    p.sizeBytes() > 0 && p.updateCount() >= 0,
                    "I5",
                    "trace batch part must have a size (key=%s, part=%s)",
                    key,
                    p.key());
            int previousRun = i == 0 ? -1 : parts.get(i - 1).run();
            InvariantViolationException.check(
                    p.run() == previousRun || (p.run() == previousRun + 1 && p.lower().length == 0),
                    "I8",
                    "trace batch runs must be numbered in order from 0, each starting with a part without lower bound (key=%s, part %d=%s)",
                    key,
                    i,
                    p);
            if (i > 0 && p.run() == previousRun) {
                InvariantViolationException.check(
                        Arrays.compareUnsigned(parts.get(i - 1).lower(), p.lower()) < 0,
                        "I8",
                        "trace batch parts must be in increasing key order without overlap (key=%s, part %d=%s, part %d=%s)",
                        key,
                        i - 1,
                        parts.get(i - 1),
                        i,
                        p);
            }
        }
        InvariantViolationException.check(
                level == 0 || runCount() == 1,
                "I7",
                "only a level-0 trace batch may hold several sorted runs (key=%s, level=%d, runs=%d)",
                key,
                level,
                runCount());
        InvariantViolationException.check(
                size == sizeBytes && count == updateCount,
                "I5",
                "trace batch size and count must be its parts' sums (key=%s, sizeBytes=%d, parts' bytes=%d, updateCount=%d, parts' updates=%d)",
                key,
                sizeBytes,
                size,
                updateCount,
                count);
    }
}
