package io.flinkpersist.compaction;

import io.flinkpersist.batch.BatchFooter;
import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.RowGroupInfo;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.MergeRequest;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.Transition;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns a {@link MergePlan} into a {@link MergeRequest} that many workers can carry out, part by
 * part, and a pending request back into the plan it stands for. Pure but for reading footers: the
 * key cuts are chosen from the inputs' row-group key statistics so that parts are about equal in
 * stored bytes.
 */
public final class MergeRequests {

    /**
     * Cuts are made no longer than this: any byte string separates two parts, and a prefix of a key
     * bounds it from below.
     */
    static final int CUT_BYTES = 64;

    private MergeRequests() {}

    /**
     * A request for {@code plan} in up to {@code parts} parts, cut from the key statistics of its
     * inputs (fewer parts when the inputs have fewer distinct row-group keys).
     */
    public static MergeRequest request(BlobStore store, MergePlan plan, int parts)
            throws IOException {
        List<byte[]> cuts = parts <= 1 ? List.of() : chooseCuts(store, plan, parts);
        return new MergeRequest(
                UUID.randomUUID().toString(),
                plan.keys(),
                plan.since(),
                plan.drain().map(d -> new Transition.Drained(d.lower(), d.upper())),
                plan.drain()
                        .map(d -> d.inputs().stream().map(UnsealedBatchMeta::key).toList())
                        .orElse(List.of()),
                cuts);
    }

    /**
     * The plan {@code request} stands for in {@code state}, or empty if it no longer applies: an
     * input is gone, or the drained range no longer starts at the trace upper.
     */
    public static Optional<MergePlan> resolve(CollectionState state, MergeRequest request) {
        Map<String, TraceBatchMeta> trace = new HashMap<>();
        state.trace().forEach(b -> trace.put(b.key(), b));
        List<TraceBatchMeta> run = new ArrayList<>();
        for (String key : request.run()) {
            TraceBatchMeta b = trace.get(key);
            if (b == null) {
                return Optional.empty();
            }
            run.add(b);
        }
        Optional<DrainPlan> drain = Optional.empty();
        if (request.drained().isPresent()) {
            Transition.Drained d = request.drained().get();
            if (!state.traceUpper().equals(d.lower()) || !d.upper().lessEqual(state.seal())) {
                return Optional.empty();
            }
            Map<String, UnsealedBatchMeta> unsealed = new HashMap<>();
            state.unsealed().forEach(b -> unsealed.put(b.key(), b));
            List<UnsealedBatchMeta> inputs = new ArrayList<>();
            for (String key : request.drainInputs()) {
                UnsealedBatchMeta b = unsealed.get(key);
                if (b == null) {
                    return Optional.empty();
                }
                inputs.add(b);
            }
            drain = Optional.of(new DrainPlan(d.lower(), d.upper(), inputs));
        }
        try {
            return Optional.of(new MergePlan(run, request.since(), drain));
        } catch (IllegalArgumentException e) {
            // The run is no longer consecutive, or no longer ends at the drain: stale.
            return Optional.empty();
        }
    }

    /**
     * Up to {@code parts - 1} strictly increasing cuts such that the inputs' row groups, placed by
     * their least key, split into about equal stored bytes.
     */
    static List<byte[]> chooseCuts(BlobStore store, MergePlan plan, int parts) throws IOException {
        record Group(byte[] minKey, long bytes) {}
        List<String> files = new ArrayList<>();
        for (TraceBatchMeta b : plan.run()) {
            files.addAll(b.partKeys());
        }
        plan.drain().ifPresent(d -> d.inputs().forEach(b -> files.add(b.key())));
        List<Group> groups = new ArrayList<>();
        long total = 0;
        for (String file : files) {
            BatchFooter footer = BatchReader.readFooter(store, file);
            for (RowGroupInfo g : footer.rowGroups()) {
                if (g.hasKeyBounds()) {
                    long bytes = Math.max(1, g.compressedBytes());
                    groups.add(new Group(g.minKey(), bytes));
                    total += bytes;
                }
            }
        }
        groups.sort(Comparator.comparing(Group::minKey, Arrays::compareUnsigned));
        List<byte[]> cuts = new ArrayList<>();
        long before = 0;
        int next = 1;
        for (Group g : groups) {
            if (next >= parts) {
                break;
            }
            if (before >= total * next / parts) {
                byte[] cut = Arrays.copyOf(g.minKey(), Math.min(CUT_BYTES, g.minKey().length));
                if (cut.length > 0
                        && (cuts.isEmpty()
                                || Arrays.compareUnsigned(cuts.get(cuts.size() - 1), cut) < 0)) {
                    cuts.add(cut);
                }
                while (next < parts && before >= total * next / parts) {
                    next++;
                }
            }
            before += g.bytes();
        }
        return cuts;
    }
}
