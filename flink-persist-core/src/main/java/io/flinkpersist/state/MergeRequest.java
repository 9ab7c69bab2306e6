package io.flinkpersist.state;

import io.flinkpersist.Frontier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A merge the state asks for and any worker may help carry out: a run of trace batches (possibly
 * none) merged with the unsealed updates of a drained range (possibly none), with times advanced to
 * {@code since}, written as {@code cuts.size() + 1} parts cut at the given keys. Part {@code j}
 * holds the keys in {@code [cuts[j-1], cuts[j])} and is written to {@link #partKey(int)} by
 * whichever worker gets there first (put-if-absent, so two never both publish it); once every part
 * exists, one compare-and-set installs the result and forgets the request.
 *
 * @param id the request's identity, unique within the collection
 * @param run the trace batches merged, oldest first, by key
 * @param since the result's since (for a drain alone, {@code {0}})
 * @param drained the unsealed range merged in, if any
 * @param drainInputs the unsealed batches holding that range, by key
 * @param cuts the strictly increasing key bounds between parts
 * @param firstWorker where the assignment of parts to workers starts ({@link #workerOf}): a planner
 *     continues from where its previous request ended, so parts go round-robin
 */
public record MergeRequest(
        String id,
        List<String> run,
        Frontier since,
        Optional<Transition.Drained> drained,
        List<String> drainInputs,
        List<byte[]> cuts,
        long firstWorker) {

    public MergeRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(drained, "drained");
        run = List.copyOf(run);
        drainInputs = List.copyOf(drainInputs);
        List<byte[]> copied = new ArrayList<>(cuts.size());
        for (byte[] c : cuts) {
            copied.add(c.clone());
        }
        cuts = List.copyOf(copied);
        if (!id.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IllegalArgumentException(
                    "Cannot request a merge: id must be 1 to 64 letters, digits or '-' (id="
                            + id
                            + ")");
        }
        if (run.isEmpty() && drained.isEmpty()) {
            throw new IllegalArgumentException(
                    "Cannot request a merge " + id + " of nothing: no trace batch and no drain");
        }
        for (int i = 0; i < cuts.size(); i++) {
            byte[] c = cuts.get(i);
            if (c.length == 0 || c.length > BatchPart.MAX_LOWER_BYTES) {
                throw new IllegalArgumentException(
                        "Cannot request a merge "
                                + id
                                + ": cut "
                                + i
                                + " must take 1 to "
                                + BatchPart.MAX_LOWER_BYTES
                                + " bytes (length="
                                + c.length
                                + ")");
            }
            if (i > 0 && Arrays.compareUnsigned(cuts.get(i - 1), c) >= 0) {
                throw new IllegalArgumentException(
                        "Cannot request a merge " + id + ": cuts must strictly increase");
            }
        }
    }

    /** The number of parts. */
    public int partCount() {
        return cuts.size() + 1;
    }

    /** The smallest key of part {@code j} (empty: no bound). */
    public byte[] partLower(int j) {
        return j == 0 ? new byte[0] : cuts.get(j - 1).clone();
    }

    /** The exclusive upper key bound of part {@code j}, or null for the last part. */
    public byte[] partUpper(int j) {
        return j == cuts.size() ? null : cuts.get(j).clone();
    }

    /** Where part {@code j} is written: the same key for every worker. */
    public String partKey(int j) {
        if (j < 0 || j >= partCount()) {
            throw new IndexOutOfBoundsException("part " + j + " of " + partCount());
        }
        return partKeyPrefix() + j + ".parquet";
    }

    /**
     * The worker, of {@code workers}, that part {@code j} is assigned to: consecutive parts go to
     * consecutive workers, starting at {@code firstWorker}, so that requests of fewer parts than
     * workers still spread over all of them.
     */
    public int workerOf(int j, int workers) {
        return (int) Math.floorMod(firstWorker + j, (long) workers);
    }

    /** What every part key of this request starts with. */
    public String partKeyPrefix() {
        return CollectionLayout.BATCH_PREFIX + "m-" + id + "-";
    }

    /** Whether the request drains only (no trace batch in its run). */
    public boolean isDrainOnly() {
        return run.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MergeRequest r) || r.cuts.size() != cuts.size()) {
            return false;
        }
        for (int i = 0; i < cuts.size(); i++) {
            if (!Arrays.equals(cuts.get(i), r.cuts.get(i))) {
                return false;
            }
        }
        return id.equals(r.id)
                && run.equals(r.run)
                && since.equals(r.since)
                && drained.equals(r.drained)
                && drainInputs.equals(r.drainInputs)
                && firstWorker == r.firstWorker;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, run, since, drained, drainInputs, cuts.size());
    }

    @Override
    public String toString() {
        return "MergeRequest{id="
                + id
                + ", run="
                + run
                + ", since="
                + since
                + ", drained="
                + drained.map(d -> "[" + d.lower() + ", " + d.upper() + ")").orElse("none")
                + ", parts="
                + partCount()
                + "}";
    }
}
