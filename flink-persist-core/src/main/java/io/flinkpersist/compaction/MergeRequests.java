package io.flinkpersist.compaction;

import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.MergeRequest;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.Transition;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns a {@link MergePlan} into a {@link MergeRequest} that many workers can carry out, part by
 * part, and a pending request back into the plan it stands for. Pure but for reading footers: the
 * key cuts are chosen from the inputs' page-level key statistics so that parts are about equal in
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
     * inputs (fewer parts when the cuts would not increase), assigned to workers from {@code
     * firstWorker} on.
     */
    public static MergeRequest request(BlobStore store, MergePlan plan, int parts, long firstWorker)
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
                cuts,
                firstWorker);
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
     * Up to {@code parts - 1} strictly increasing cuts splitting the inputs into about equal stored
     * bytes. Each page of every input (from the key column's page index) spreads its bytes evenly
     * over its key range, keys read as numbers from their first bytes after the prefix all inputs
     * share; the cuts are that mixture's quantiles. Pages bound the error: a cut is never off by
     * more than the pages that straddle it.
     */
    static List<byte[]> chooseCuts(BlobStore store, MergePlan plan, int parts) throws IOException {
        List<String> files = new ArrayList<>();
        for (TraceBatchMeta b : plan.run()) {
            files.addAll(b.partKeys());
        }
        if (plan.drain().isPresent()) {
            Maintainer.drainRead(plan).forEach(b -> files.add(b.key()));
        }
        List<BatchReader.KeySample> pages = new ArrayList<>();
        for (String file : files) {
            pages.addAll(BatchReader.readKeySamples(store, file));
        }
        if (pages.isEmpty()) {
            return List.of();
        }
        byte[] prefix = pages.get(0).minKey();
        int shared = prefix.length;
        for (BatchReader.KeySample p : pages) {
            shared = Math.min(shared, commonPrefix(prefix, p.minKey()));
            shared = Math.min(shared, commonPrefix(prefix, p.maxKey()));
        }
        int n = pages.size();
        double[] lo = new double[n];
        double[] hi = new double[n];
        double[] weight = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            lo[i] = position(pages.get(i).minKey(), shared);
            hi[i] = position(pages.get(i).maxKey(), shared);
            weight[i] = pages.get(i).bytes();
            total += weight[i];
        }
        List<byte[]> cuts = new ArrayList<>();
        for (int j = 1; j < parts; j++) {
            double target = total * j / parts;
            double a = 0;
            double b = 1;
            for (int step = 0; step < 60; step++) {
                double mid = (a + b) / 2;
                if (massBelow(mid, lo, hi, weight) < target) {
                    a = mid;
                } else {
                    b = mid;
                }
            }
            byte[] cut = key(Arrays.copyOf(prefix, shared), b);
            if (cuts.isEmpty() || Arrays.compareUnsigned(cuts.get(cuts.size() - 1), cut) < 0) {
                cuts.add(cut);
            }
        }
        return cuts;
    }

    private static int commonPrefix(byte[] a, byte[] b) {
        int m = Arrays.mismatch(a, b);
        return m < 0 ? Math.min(a.length, b.length) : m;
    }

    /** The bytes of a key after {@code skip} as a fraction in [0, 1), to 7 bytes' precision. */
    private static double position(byte[] key, int skip) {
        double x = 0;
        double scale = 1.0 / 256;
        for (int i = skip; i < skip + 7; i++) {
            int b = i < key.length ? key[i] & 0xff : 0;
            x += b * scale;
            scale /= 256;
        }
        return x;
    }

    /** The key {@code prefix} followed by the 7 bytes of fraction {@code x}, trailing zeros cut. */
    private static byte[] key(byte[] prefix, double x) {
        byte[] out = Arrays.copyOf(prefix, Math.min(CUT_BYTES, prefix.length + 7));
        double rest = x;
        int end = prefix.length;
        for (int i = prefix.length; i < out.length; i++) {
            rest *= 256;
            int b = (int) Math.min(255, Math.floor(rest));
            rest -= b;
            out[i] = (byte) b;
            if (b != 0) {
                end = i + 1;
            }
        }
        return Arrays.copyOf(out, Math.max(1, end));
    }

    /** The bytes at positions below {@code x}, each page spreading its bytes over its range. */
    private static double massBelow(double x, double[] lo, double[] hi, double[] weight) {
        double sum = 0;
        for (int i = 0; i < lo.length; i++) {
            if (x >= hi[i]) {
                sum += weight[i];
            } else if (x > lo[i]) {
                sum += weight[i] * (x - lo[i]) / (hi[i] - lo[i]);
            }
        }
        return sum;
    }
}
