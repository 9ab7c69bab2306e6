package io.flinkpersist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.CorruptBlobException;
import io.flinkpersist.blob.InMemoryBlobStore;
import io.flinkpersist.blob.S3ABlobStore;
import io.flinkpersist.compaction.CompactionPolicy;
import io.flinkpersist.compaction.Maintainer;
import io.flinkpersist.compaction.MergePlan;
import io.flinkpersist.compaction.MergeRequests;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.MergeRequest;
import io.flinkpersist.state.StateLog;
import io.flinkpersist.state.Transition;
import io.flinkpersist.testing.TestingFaultyBlobStore;
import io.flinkpersist.testing.TestingS3Server;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random histories of appends (some late, some beyond the seal), seals, allowCompactions, drains,
 * evicts, trims, compactions (some stale), merge requests carried out part by part by several
 * handles (parts out of order, completions stale and twice), garbage collections and reopens, with
 * merges cut into several key-range parts in most histories, checked after every step against a
 * plain multiset: the state validates, storage holds the same state, the whole snapshot equals the
 * model advanced by since, and the snapshot as of every time in {@code [since, seal)} equals the
 * model as of that time (derived from the whole read every step; read through {@link Snapshot#asOf}
 * for one random time every step and for every time every 20 steps).
 *
 * <p>The faulty variant runs the same histories over a blob store that fails a seeded share of its
 * operations before or after applying them. An operation that fails leaves its outcome to be learnt
 * from storage; an acknowledged one must be there, and an append is never half there.
 *
 * <p>The faulty histories run once more over a real S3 API server, shorter.
 *
 * <p>Replay one history with {@code -Dtest.seed=<seed>}; {@code -Dmodel.steps=<n>} sets its length.
 */
class CollectionModelTest {

    private static final int STEPS = Integer.getInteger("model.steps", 2500);
    private static final int S3_STEPS = Integer.getInteger("model.s3.steps", 150);

    @RegisterExtension static final TestingS3Server.Extension S3 = new TestingS3Server.Extension();

    static Stream<Long> seeds() {
        String fixed = System.getProperty("test.seed");
        if (fixed != null) {
            return Stream.of(Long.parseLong(fixed));
        }
        return Stream.concat(LongStream.rangeClosed(1, 4).boxed(), Stream.of(System.nanoTime()));
    }

    static Stream<Long> faultySeeds() {
        String fixed = System.getProperty("test.seed");
        if (fixed != null) {
            return Stream.of(Long.parseLong(fixed));
        }
        // Fixed by default so that a build is repeatable; -Dtest.randomSeeds=true adds a fresh one.
        return Boolean.getBoolean("test.randomSeeds")
                ? Stream.of(101L, 7L, System.nanoTime())
                : Stream.of(101L, 7L);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomHistoryMatchesModel(long seed) throws IOException {
        System.out.println(
                "CollectionModelTest seed " + seed + " (replay with -Dtest.seed=" + seed + ")");
        InMemoryBlobStore store = new InMemoryBlobStore();
        History h = new History(seed, store, store, null);
        h.run(STEPS);
        System.out.println(
                "  steps with a multi-part trace batch: "
                        + h.multiPartSeen
                        + ", with a batch of several runs: "
                        + h.multiRunSeen
                        + ", requests completed by workers: "
                        + h.requestsInstalled);
        assertThat(h.requestsInstalled).as("requests completed by workers").isPositive();
        assertThat(h.multiRunSeen).as("steps with a trace batch of several runs").isPositive();
        if (seed % 3 != 1) {
            assertThat(h.multiPartSeen).as("steps with a multi-part trace batch").isPositive();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("faultySeeds")
    void randomHistoryOverFaultyStorageMatchesModel(long seed) throws IOException {
        System.out.println(
                "CollectionModelTest faulty seed "
                        + seed
                        + " (replay with -Dtest.seed="
                        + seed
                        + ")");
        InMemoryBlobStore truth = new InMemoryBlobStore();
        TestingFaultyBlobStore faulty = new TestingFaultyBlobStore(truth.sharing(), seed, 0.05);
        History h = new History(seed, truth, faulty, faulty);
        h.run(STEPS);
        System.out.println(
                "  injected failures: "
                        + faulty.injectedFailures()
                        + ", failed operations: "
                        + h.failedOps);
        assertThat(faulty.injectedFailures()).isGreaterThan(STEPS / 10);
    }

    /**
     * The faulty histories over a real S3 API server ({@link TestingS3Server}): the collection
     * lives in a bucket, written through S3A's conditional create, under the same injected faults.
     * One shorter history, as every step is a few dozen HTTP requests ({@code
     * -Dmodel.s3.steps=<n>}).
     */
    static Stream<Long> s3Seeds() {
        String fixed = System.getProperty("test.seed");
        // One history, with small parts (many multi-part merges): each step is many requests.
        return Stream.of(fixed != null ? Long.parseLong(fixed) : 101L);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("s3Seeds")
    void randomHistoryOverFaultyS3MatchesModel(long seed) throws IOException {
        System.out.println(
                "CollectionModelTest S3 seed " + seed + " (replay with -Dtest.seed=" + seed + ")");
        TestingS3Server server = S3.server();
        URI root = URI.create("s3a://" + server.createBucket() + "/model-" + seed);
        Configuration conf = server.hadoopConf();
        try (BlobStore truth = S3ABlobStore.open(root, conf)) {
            TestingFaultyBlobStore faulty =
                    new TestingFaultyBlobStore(S3ABlobStore.open(root, conf), seed, 0.05);
            History h = new History(seed, truth, faulty, faulty);
            h.run(S3_STEPS);
            System.out.println(
                    "  injected failures: "
                            + faulty.injectedFailures()
                            + ", failed operations: "
                            + h.failedOps);
            assertThat(faulty.injectedFailures()).isGreaterThan(S3_STEPS / 10);
        }
    }

    /** One random history. Operations go through {@code ops}; checks read {@code truth}. */
    static final class History {
        private final long seed;
        private final Random random;
        private final BlobStore truth;
        private final BlobStore ops;
        private final TestingFaultyBlobStore faults;
        private final BatchWriteOptions options;
        private final CollectionConfig config;
        private PersistCollection c;

        /** A completion computed earlier, committed again later: must be a harmless no-op. */
        private Transition.CompleteRequest oldCompletion;

        /** The model: net diff per (key, value, time) of every update known to be stored. */
        private final Map<Rec, Long> model = new TreeMap<>(History::compareRec);

        private long seal;
        private long since;
        private int step;
        private String op = "";
        int failedOps;

        History(long seed, BlobStore truth, BlobStore ops, TestingFaultyBlobStore faults)
                throws IOException {
            this.seed = seed;
            this.random = new Random(seed);
            this.truth = truth;
            this.ops = ops;
            this.faults = faults;
            // Tiny row groups, so batches span several.
            this.options = BatchWriteOptions.defaults().withRowGroupSizeBytes(1024);
            // Parts of a few hundred bytes: most merges write several (the first seeds one).
            long partBytes =
                    seed % 3 == 1 ? CollectionConfig.DEFAULT_PART_BYTES : 1500 + seed % 1000;
            this.config =
                    CollectionConfig.defaults().withWriteOptions(options).withPartBytes(partBytes);
            System.out.println("  part size " + partBytes + " bytes");
            this.c = openHandle();
        }

        /** The store a new handle works on: another process's view of the same blobs. */
        private BlobStore handleStore() {
            return ops == truth && truth instanceof InMemoryBlobStore memory
                    ? memory.sharing()
                    : ops;
        }

        private PersistCollection openHandle() throws IOException {
            for (int attempt = 0; ; attempt++) {
                try {
                    return PersistCollection.open(handleStore(), config);
                } catch (IOException e) {
                    if (!TestingFaultyBlobStore.isInjected(e) || attempt > 100) {
                        throw e;
                    }
                }
            }
        }

        void run(int steps) throws IOException {
            for (step = 0; step < steps; step++) {
                try {
                    try {
                        step();
                    } catch (IOException e) {
                        if (faults == null
                                || !TestingFaultyBlobStore.isInjected(e)
                                || e instanceof CorruptBlobException) {
                            throw e;
                        }
                        failedOps++;
                        learnFromStorage();
                    }
                    check();
                } catch (AssertionError | RuntimeException | IOException e) {
                    throw new AssertionError(
                            "seed "
                                    + seed
                                    + ", step "
                                    + step
                                    + " ("
                                    + op
                                    + "), state "
                                    + c.state()
                                    + ": "
                                    + e,
                            e);
                }
            }
        }

        private void step() throws IOException {
            int r = random.nextInt(115);
            if (r >= 100) {
                requestStep(r - 100);
            } else if (r < 30) {
                append();
            } else if (r < 42) {
                seal();
            } else if (r < 52) {
                allowCompaction();
            } else if (r < 62) {
                op = "drain";
                c.drain();
            } else if (r < 68) {
                op = "evict";
                c.evict();
            } else if (r < 74) {
                op = "trim";
                c.trim();
            } else if (r < 82) {
                op = "compact";
                c.compact();
            } else if (r < 85) {
                op = "compactTrace";
                c.compactTrace();
            } else if (r < 88) {
                op = "gc";
                c.collectGarbage();
            } else if (r < 92) {
                op = "maintainUntilIdle";
                c.maintainUntilIdle();
            } else if (r < 96) {
                staleCompaction();
            } else {
                op = "reopen";
                c = openHandle();
            }
        }

        /** The append in flight, whose outcome a failure leaves to be learnt. */
        private List<Rec> pending = List.of();

        private void append() throws IOException {
            int n = 1 + random.nextInt(8);
            List<Rec> recs = new ArrayList<>();
            boolean late = seal > 0 && random.nextInt(10) == 0;
            // With faults, each append's values are unique, so that its presence can be learnt.
            String marker = faults == null ? "" : "@" + step;
            for (int i = 0; i < n; i++) {
                long time = seal + random.nextInt(7);
                long diff = random.nextBoolean() ? 1 + random.nextInt(2) : -1 - random.nextInt(2);
                recs.add(
                        Rec.of(
                                "k" + random.nextInt(8),
                                "v" + random.nextInt(3) + marker,
                                time,
                                diff));
            }
            if (late) {
                recs.set(
                        random.nextInt(n),
                        Rec.of("k0", "v0" + marker, random.nextInt((int) Math.min(seal, 1000)), 1));
                op = "late append " + recs;
                long before = truthState().seqNo();
                assertThatThrownBy(() -> c.append(Rec.updates(recs.toArray(new Rec[0]))))
                        .satisfiesAnyOf(
                                e ->
                                        assertThat(e)
                                                .isInstanceOf(IllegalArgumentException.class)
                                                .hasMessageContaining(
                                                        "before the seal {" + seal + "}"),
                                e -> assertThat(TestingFaultyBlobStore.isInjected(e)).isTrue());
                assertThat(truthState().seqNo()).isEqualTo(before);
                return;
            }
            op = "append " + recs;
            pending = recs;
            c.append(Rec.updates(recs.toArray(new Rec[0])));
            addToModel(recs);
            pending = List.of();
        }

        private void addToModel(List<Rec> recs) {
            for (Rec rec : recs) {
                model.merge(Rec.of(rec.key(), rec.value(), rec.time(), 0), rec.diff(), Long::sum);
            }
            model.values().removeIf(d -> d == 0);
        }

        private void seal() throws IOException {
            if (seal > 0 && random.nextInt(20) == 0) {
                op = "regressing seal";
                long to = random.nextInt((int) Math.min(seal, 1000));
                assertThatThrownBy(() -> c.seal(to))
                        .satisfiesAnyOf(
                                e ->
                                        assertThat(e)
                                                .isInstanceOf(IllegalArgumentException.class)
                                                .hasMessageContaining(
                                                        "before the current seal {" + seal + "}"),
                                e -> assertThat(TestingFaultyBlobStore.isInjected(e)).isTrue());
                return;
            }
            long to = seal + random.nextInt(4);
            op = "seal " + to;
            c.seal(to);
            seal = to;
        }

        private void allowCompaction() throws IOException {
            if (since > 0 && random.nextInt(20) == 0) {
                op = "regressing since";
                long to = random.nextInt((int) Math.min(since, 1000));
                assertThatThrownBy(() -> c.allowCompaction(to))
                        .satisfiesAnyOf(
                                e ->
                                        assertThat(e)
                                                .isInstanceOf(IllegalArgumentException.class)
                                                .hasMessageContaining(
                                                        "before the current since {" + since + "}"),
                                e -> assertThat(TestingFaultyBlobStore.isInjected(e)).isTrue());
                return;
            }
            long next = since + random.nextInt(4);
            if (random.nextInt(10) != 0) {
                next = Math.min(next, Math.max(since, seal));
            }
            if (seal - next > 10) {
                next = seal - random.nextInt(6);
            }
            next = Math.max(since, next);
            op = "allowCompaction " + next;
            c.allowCompaction(next);
            since = next;
        }

        /**
         * Computes a compaction, lets another handle change the trace, then commits the old result.
         */
        private void staleCompaction() throws IOException {
            c.refresh();
            Optional<MergePlan> plan = CompactionPolicy.DEFAULT.pick(c.state());
            if (plan.isEmpty()) {
                op = "stale compaction (nothing to compact)";
                return;
            }
            op = "stale compaction";
            Transition.ApplyMerge result = new Maintainer(ops, options).merge(plan.get());
            PersistCollection other = PersistCollection.open(handleStore(), config);
            boolean raced = random.nextBoolean() && other.compact();
            StateLog.Committed committed = new StateLog(ops).commit(c.refresh(), result);
            assertThat(committed.applied().changed()).isEqualTo(!raced);
            for (String orphan : committed.applied().orphaned()) {
                ops.delete(orphan);
            }
            c.refresh();
        }

        /**
         * A step of the merge-request protocol: request one, let a handle write some parts (in any
         * order), complete a request, or commit a completion computed earlier (stale or repeated).
         */
        private void requestStep(int r) throws IOException {
            PersistCollection other = PersistCollection.open(handleStore(), config);
            if (r < 4) {
                CompactionPolicy policy =
                        random.nextBoolean()
                                ? CompactionPolicy.DEFAULT
                                : new io.flinkpersist.compaction.FinalCompactionPolicy();
                op = "request merge";
                Optional<MergeRequest> req = c.requestMerge(policy);
                op = "request merge " + req;
            } else if (r < 11) {
                int workers = 1 + random.nextInt(4);
                int worker = random.nextInt(workers);
                op = "work on request as " + worker + " of " + workers;
                PersistCollection.RequestWork done = other.workOnRequest(worker, workers, false);
                op += " " + done;
                if (done.completed()) {
                    requestsInstalled++;
                }
            } else if (r < 13) {
                op = "work on every part of the request";
                other.workOnRequest(0, 1, true);
            } else {
                if (oldCompletion != null) {
                    op = "commit an old completion of " + oldCompletion.id();
                    StateLog.Committed committed =
                            new StateLog(ops).commit(c.refresh(), oldCompletion);
                    // Completed, dropped, or stale by now: changes nothing but to forget it.
                    assertThat(committed.applied().retired()).isEmpty();
                    oldCompletion = null;
                } else {
                    c.refresh();
                    if (c.state().requests().isEmpty()) {
                        op = "old completion (no request)";
                        return;
                    }
                    MergeRequest req = c.state().requests().get(0);
                    Optional<MergePlan> plan = MergeRequests.resolve(c.state(), req);
                    if (plan.isEmpty()) {
                        op = "old completion (stale request)";
                        return;
                    }
                    Maintainer m = new Maintainer(ops, options);
                    op = "complete request " + req.id() + " now, and keep it to commit again";
                    for (int j = 0; j < req.partCount(); j++) {
                        m.writePart(req, plan.get(), j);
                    }
                    oldCompletion = m.complete(req, plan.get()).transition();
                    new StateLog(ops).commit(c.refresh(), oldCompletion);
                }
            }
            c.refresh();
        }

        /**
         * Steps with a multi-part trace batch, steps with a level-0 batch of several runs (adopted
         * unsealed batches), and requests that installed a batch.
         */
        int multiPartSeen;

        int multiRunSeen;

        int requestsInstalled;

        private CollectionState truthState() throws IOException {
            return new StateLog(truth).readLatest().orElseThrow();
        }

        /** After a failed operation: learn from storage what it did. */
        private void learnFromStorage() throws IOException {
            CollectionState s = truthState();
            seal = s.seal().time();
            since = s.requestedSince().time();
            if (!pending.isEmpty()) {
                // The failed append is either wholly there or not at all.
                Map<Rec, Long> expected = new TreeMap<>(History::compareRec);
                for (Rec r : pending) {
                    expected.merge(
                            Rec.of(r.key(), r.value(), Math.max(r.time(), s.since().time()), 0),
                            r.diff(),
                            Long::sum);
                }
                expected.values().removeIf(d -> d == 0);
                List<Rec> found = new ArrayList<>();
                String marker =
                        pending.get(0).value().substring(pending.get(0).value().indexOf('@'));
                for (Rec r : Rec.readAll(Snapshot.of(truth, s).readConsolidated())) {
                    if (r.value().endsWith(marker)) {
                        found.add(r);
                    }
                }
                if (!found.isEmpty()) {
                    assertThat(found)
                            .as("a failed append is all there or not at all")
                            .isEqualTo(toList(expected));
                    addToModel(pending);
                } else if (!expected.isEmpty()) {
                    op += " (failed, absent)";
                }
                pending = List.of();
            }
        }

        private void check() throws IOException {
            CollectionState state = truthState();
            state.validate();
            if (state.trace().stream().anyMatch(b -> b.isMultiPart())) {
                multiPartSeen++;
            }
            if (state.trace().stream().anyMatch(b -> b.runCount() > 1)) {
                multiRunSeen++;
            }
            assertThat(state.seal()).isEqualTo(Frontier.at(seal));
            assertThat(state.requestedSince()).isEqualTo(Frontier.at(since));
            assertThat(state.since()).isEqualTo(Frontier.at(since));

            Snapshot snapshot = Snapshot.of(truth, state);
            List<Rec> all = Rec.readAll(snapshot.readConsolidated());
            assertThat(all).isEqualTo(expectedAll());
            // Every time in [since, seal): the snapshot's contents as of t, derived from the whole
            // read...
            for (long t = since; t < seal; t++) {
                assertThat(asOf(all, t)).as("snapshot as of %d", t).isEqualTo(expectedAsOf(t));
            }
            // ...and read through the as-of path: one random time each step, all of them every 20
            // steps.
            if (since < seal) {
                long from =
                        step % 20 == 0
                                ? since
                                : since + random.nextInt((int) Math.min(seal - since, 1000));
                long to = step % 20 == 0 ? seal : from + 1;
                for (long t = from; t < to; t++) {
                    assertThat(Rec.readAll(snapshot.asOf(t).readConsolidated()))
                            .as("asOf(%d) read", t)
                            .isEqualTo(expectedAsOf(t));
                }
            }
        }

        /** Collapses a since-advanced, consolidated read to its contents as of {@code t}. */
        private static List<Rec> asOf(List<Rec> all, long t) {
            Map<Rec, Long> out = new TreeMap<>(History::compareRec);
            for (Rec r : all) {
                if (r.time() <= t) {
                    out.merge(Rec.of(r.key(), r.value(), t, 0), r.diff(), Long::sum);
                }
            }
            return toList(out);
        }

        private List<Rec> expectedAll() {
            Map<Rec, Long> out = new TreeMap<>(History::compareRec);
            model.forEach(
                    (r, d) ->
                            out.merge(
                                    Rec.of(r.key(), r.value(), Math.max(r.time(), since), 0),
                                    d,
                                    Long::sum));
            return toList(out);
        }

        private List<Rec> expectedAsOf(long t) {
            Map<Rec, Long> out = new TreeMap<>(History::compareRec);
            model.forEach(
                    (r, d) -> {
                        if (r.time() <= t) {
                            out.merge(Rec.of(r.key(), r.value(), t, 0), d, Long::sum);
                        }
                    });
            return toList(out);
        }

        private static List<Rec> toList(Map<Rec, Long> m) {
            List<Rec> out = new ArrayList<>();
            m.forEach(
                    (r, d) -> {
                        if (d != 0) {
                            out.add(Rec.of(r.key(), r.value(), r.time(), d));
                        }
                    });
            return out;
        }

        private static int compareRec(Rec a, Rec b) {
            int c = a.key().compareTo(b.key());
            if (c == 0) {
                c = a.value().compareTo(b.value());
            }
            return c != 0 ? c : Long.compare(a.time(), b.time());
        }
    }
}
