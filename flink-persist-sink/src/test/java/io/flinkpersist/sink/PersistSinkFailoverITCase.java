package io.flinkpersist.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.sink.internal.SinkSettings;
import io.flinkpersist.state.CollectionState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once under task failures: a job writes a changelog with retractions through the sink
 * while failures are injected at seeded random points, both before the sink (a map throws at chosen
 * record indices) and between a completed checkpoint and its commit (the sink's commit hook throws
 * before the compare-and-set), and in the writers' merge work (after a merge part is written, and
 * between the last part and the install; the writer's task then fails). The job restarts from its
 * checkpoints each time; afterwards the collection must hold exactly the net changelog — nothing
 * lost, nothing doubled — its state must be valid, its seal must have advanced, and maintenance
 * must have run.
 *
 * <p>The input is a pure function of the record index, read from a {@link NumberSequenceSource},
 * whose readers checkpoint their exact position: a restored job replays exactly the records after
 * the checkpoint. Event time is {@code index / TIME_DIVISOR}, with monotonous watermarks per
 * reader; records after a checkpoint's barrier are therefore never before the seal that checkpoint
 * commits, so the default {@link LateUpdatePolicy#FAIL} must never fire.
 *
 * <p>The seed is printed; replay a run with {@code -Dtest.seed=<seed>}.
 */
class PersistSinkFailoverITCase {

    private static final int PARALLELISM = 3;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(PARALLELISM + 1)
                            .build());

    /** Number of updates the job writes. */
    private static final long N = 1_200_000;

    /** Event time of record {@code i} is {@code i / TIME_DIVISOR}. */
    private static final long TIME_DIVISOR = 100;

    /**
     * Records come in pairs: an insert, then a retraction of the insert {@code LAG} pairs back (or
     * a duplicate).
     */
    private static final long LAG = 1_000;

    private static final long KEYS = 20_000;
    private static final long VALUES_PER_KEY = 8;

    private static final int MAP_FAILURES = 6;
    private static final int COMMIT_FAILURES = 6;

    /** Failures in the writers' merge work: after a part is written, and before an install. */
    private static final int PART_FAILURES = 2;

    private static final int INSTALL_FAILURES = 2;

    /**
     * The fault plans of running tests, by plan id. Tasks run in this JVM (MiniCluster) and find
     * their test's plan through the id shipped in the job graph; each test removes its own plan.
     */
    private static final Map<String, FaultPlan> PLANS = new ConcurrentHashMap<>();

    /** The plans of {@link #anEndedWriterHoldsNothingBackAfterARestore}, by plan id. */
    private static final Map<String, EndedWriterPlan> ENDED_PLANS = new ConcurrentHashMap<>();

    @TempDir Path dir;

    private String planId;

    @AfterEach
    void removePlan() {
        if (planId != null) {
            PLANS.remove(planId);
            ENDED_PLANS.remove(planId);
        }
    }

    @Test
    void exactlyOnceWithRetractionsAcrossInjectedFailures() throws Exception {
        long seed = Long.getLong("test.seed", System.nanoTime());
        System.out.println(
                "PersistSinkFailoverITCase seed: "
                        + seed
                        + " (replay with -Dtest.seed="
                        + seed
                        + ")");
        FaultPlan plan = FaultPlan.random(new Random(seed));
        System.out.println(
                "fault plan: map failures at record indices "
                        + plan.mapTargets
                        + ", commit failures at commit calls "
                        + plan.commitCallsToFail
                        + ", merge failures after parts "
                        + plan.partsToFail
                        + " and before installs "
                        + plan.installsToFail);
        planId = UUID.randomUUID().toString();
        PLANS.put(planId, plan);
        String id = planId;

        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 60);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(50));
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(150));
        // Only the injected failures should restart the job, never a checkpoint that merely failed.
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, Integer.MAX_VALUE);
        conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, Duration.ofMillis(50));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);

        PersistSink<Update<String, String>> sink =
                PersistSink.<String, String>builder()
                        .location(dir.toString())
                        .collection("failover")
                        .keyCodec(Codecs.string())
                        .valueCodec(Codecs.string())
                        .bufferSize(64 << 10)
                        .commitHook(checkpointId -> PLANS.get(id).beforeCommit(checkpointId))
                        .maintenanceHook(() -> PLANS.get(id).maintenanceRounds.incrementAndGet())
                        .partBytes(32 << 10)
                        .mergeWorkHook(new FailingMergeWork(id))
                        .build();
        env.fromSource(
                        new NumberSequenceSource(0, N - 1),
                        WatermarkStrategy.<Long>forMonotonousTimestamps()
                                .withTimestampAssigner((i, ts) -> time(i)),
                        "sequence")
                .map(new FailingGenerator(id))
                .returns(new TypeHint<Update<String, String>>() {})
                .sinkTo(sink);

        long start = System.nanoTime();
        env.execute("persist sink failover");
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        Map<String, Long> expected = expectedNet(N);
        try (PersistCollection c = PersistCollection.open(dir, "failover")) {
            CollectionState s = c.state();
            s.validate();
            Map<String, Long> actual = new HashMap<>();
            long rows = readNet(c, actual);
            long batchFiles;
            try (Stream<Path> files = Files.walk(dir)) {
                batchFiles = files.filter(p -> p.toString().endsWith(".parquet")).count();
            }
            System.out.printf(
                    "failover: %d updates, %d+%d+%d+%d failures injected (map+commit+part+install), %d parts and %d installs,"
                            + " %d restarts, %d commit calls,"
                            + " %d maintenance rounds, %d batch files, %d consolidated rows, %d net pairs, %d ms%n  state: %s%n",
                    N,
                    plan.mapFailures.get(),
                    plan.commitFailures.get(),
                    plan.partFailures.get(),
                    plan.installFailures.get(),
                    plan.parts.get(),
                    plan.installs.get(),
                    plan.maxAttempt.get(),
                    plan.commitCalls.get(),
                    plan.maintenanceRounds.get(),
                    batchFiles,
                    rows,
                    expected.size(),
                    elapsedMillis,
                    s);

            assertThat(plan.mapFailures.get()).as("map failures injected").isEqualTo(MAP_FAILURES);
            assertThat(plan.commitFailures.get())
                    .as("commit failures injected")
                    .isEqualTo(COMMIT_FAILURES);
            assertThat(plan.partFailures.get())
                    .as("part failures injected")
                    .isEqualTo(PART_FAILURES);
            assertThat(plan.installFailures.get())
                    .as("install failures injected")
                    .isEqualTo(INSTALL_FAILURES);
            assertThat(plan.mapFailures.get() + plan.commitFailures.get())
                    .as("failures injected")
                    .isGreaterThanOrEqualTo(10);
            assertThat(plan.maxAttempt.get()).as("restarts").isGreaterThan(0);

            assertThat(actual.size()).as("distinct (key, value) pairs").isEqualTo(expected.size());
            assertThat(actual).isEqualTo(expected);

            assertThat(s.seal()).isNotEqualTo(Frontier.minimum());
            assertThat(s.seal().isClosed())
                    .as("end of input must not close the collection")
                    .isFalse();
            assertThat(s.seal().time()).isGreaterThan(0);
            assertThat(s.writers()).as("one sink id, kept across restores").hasSize(1);
            assertThat(plan.maintenanceRounds.get()).as("maintenance rounds").isGreaterThan(0);
            assertThat(s.trace()).as("trace batches written by maintenance").isNotEmpty();
        }
    }

    /**
     * A writer whose input ended stops holding the seal back — also after a restore from a
     * checkpoint taken after it ended. One writer gets the first half of the sequence quickly and
     * ends; the other is slowed down and fails once, about a second after the first ended (after
     * several checkpoints taken with the first writer finished). The coordinator keeps no state
     * about ended writers, so after the restore it must learn again that the first writer ended;
     * the seal must still follow the second writer to near the end of its input.
     */
    @Test
    void anEndedWriterHoldsNothingBackAfterARestore() throws Exception {
        long n = 200_000;
        EndedWriterPlan plan = new EndedWriterPlan();
        planId = UUID.randomUUID().toString();
        ENDED_PLANS.put(planId, plan);
        String id = planId;

        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(50));
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(100));
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, Integer.MAX_VALUE);
        conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, Duration.ofMillis(20));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.fromSource(
                        new NumberSequenceSource(0, n - 1),
                        WatermarkStrategy.<Long>forMonotonousTimestamps()
                                .withTimestampAssigner((i, ts) -> time(i)),
                        "sequence")
                .map(new SlowSecondHalf(id, n / 2))
                .returns(new TypeHint<Update<String, String>>() {})
                .sinkTo(
                        PersistSink.<String, String>builder()
                                .location(dir.toString())
                                .collection("ended")
                                .keyCodec(Codecs.string())
                                .valueCodec(Codecs.string())
                                .bufferSize(64 << 10)
                                .build());
        env.execute("persist sink: ended writer and restore");

        try (PersistCollection c = PersistCollection.open(dir, "ended")) {
            CollectionState s = c.state();
            s.validate();
            Map<String, Long> actual = new HashMap<>();
            readNet(c, actual);
            System.out.printf(
                    "ended writer: failed at record %d (attempt %d), state: %s%n",
                    plan.failedAt.get(), plan.maxAttempt.get(), s);
            assertThat(actual).isEqualTo(expectedNet(n));
            assertThat(plan.maxAttempt.get()).as("restarts").isEqualTo(1);
            // The failure came early enough that a seal stuck at its restore would show.
            assertThat(plan.failedAt.get()).isBetween(n / 2, n - n / 10);
            assertThat(s.seal().time())
                    .as(
                            "the seal follows the running writer after a restore, though the other ended before it (failed at time %d)",
                            time(plan.failedAt.get()))
                    .isGreaterThanOrEqualTo(time(n - n / 20));
        }
    }

    // ------------------------------------------------------------------ the changelog

    static long time(long i) {
        return i / TIME_DIVISOR;
    }

    private static String key(long pair) {
        return "key-" + (pair % KEYS);
    }

    private static String value(long pair) {
        return "v" + (pair / KEYS % VALUES_PER_KEY);
    }

    /**
     * Record {@code i}, a pure function of the index. Even records insert the (key, value) of pair
     * {@code i / 2}. Odd records retract the insert {@code LAG} pairs back — for three pairs in
     * four — or else insert their pair once more. Since {@code KEYS} and {@code LAG} are multiples
     * of 4, a (key, value) is either always retracted (net zero, apart from the last {@code LAG}
     * pairs) or always doubled; each key has several values.
     */
    static Update<String, String> update(long i) {
        long pair = i / 2;
        long t = time(i);
        if (i % 2 == 0) {
            return Update.of(key(pair), value(pair), t, 1L);
        }
        if (pair % 4 != 0 && pair >= LAG) {
            long earlier = pair - LAG;
            return Update.of(key(earlier), value(earlier), t, -1L);
        }
        return Update.of(key(pair), value(pair), t, 1L);
    }

    /**
     * Reads the consolidated snapshot into {@code net} with times collapsed; returns the rows read.
     */
    private static long readNet(PersistCollection c, Map<String, Long> net) throws IOException {
        long rows = 0;
        try (UpdateCursor cursor = c.snapshot().readConsolidated()) {
            while (cursor.advance()) {
                rows++;
                net.merge(
                        new String(cursor.key(), StandardCharsets.UTF_8)
                                + "|"
                                + new String(cursor.value(), StandardCharsets.UTF_8),
                        cursor.diff(),
                        Long::sum);
            }
        }
        net.values().removeIf(d -> d == 0);
        return rows;
    }

    /**
     * The net multiset of (key, value) pairs, computed from the generator without Flink or persist.
     */
    private static Map<String, Long> expectedNet(long n) {
        Map<String, Long> net = new HashMap<>();
        for (long i = 0; i < n; i++) {
            Update<String, String> u = update(i);
            net.merge(u.key() + "|" + u.value(), u.diff(), Long::sum);
        }
        net.values().removeIf(d -> d == 0);
        assertThat(net.values())
                .as("the changelog only retracts earlier inserts")
                .allMatch(d -> d > 0);
        return net;
    }

    // ------------------------------------------------------------------ failure injection

    /** Where to fail, and what was injected. Shared by the test and its tasks (same JVM). */
    static final class FaultPlan {
        /** Record indices at which the map throws, each once. */
        final Set<Long> mapTargets = new ConcurrentSkipListSet<>();

        /** 1-based numbers of the commit-hook calls that throw. */
        final Set<Long> commitCallsToFail = new ConcurrentSkipListSet<>();

        final AtomicLong commitCalls = new AtomicLong();
        final AtomicInteger mapFailures = new AtomicInteger();
        final AtomicInteger commitFailures = new AtomicInteger();
        final AtomicInteger maxAttempt = new AtomicInteger();
        final AtomicLong maintenanceRounds = new AtomicLong();

        /** 1-based numbers of the parts written, and of the installs, after which work fails. */
        final Set<Long> partsToFail = new ConcurrentSkipListSet<>();

        final Set<Long> installsToFail = new ConcurrentSkipListSet<>();
        final AtomicLong parts = new AtomicLong();
        final AtomicLong installs = new AtomicLong();
        final AtomicInteger partFailures = new AtomicInteger();
        final AtomicInteger installFailures = new AtomicInteger();

        static FaultPlan random(Random random) {
            FaultPlan plan = new FaultPlan();
            // Map failures at distinct points of progress (each reader reads about a third of the
            // indices, all at about the same pace), so that each one restarts the job on its own.
            double from = 0.03;
            double slot = 0.9 / MAP_FAILURES;
            long share = N / PARALLELISM;
            for (int k = 0; k < MAP_FAILURES; k++) {
                double progress = from + slot * k + random.nextDouble() * slot * 0.8;
                int reader = random.nextInt(PARALLELISM);
                plan.mapTargets.add(reader * share + (long) (progress * share));
            }
            // Merge work: a run writes over a hundred parts and installs dozens of merges.
            plan.partsToFail.add(3L + random.nextInt(8));
            plan.partsToFail.add(15L + random.nextInt(10));
            plan.installsToFail.add(2L + random.nextInt(3));
            plan.installsToFail.add(6L + random.nextInt(4));
            // Commit failures within the first 25 commit calls: a fast run makes fewer than 40.
            long call = 2 + random.nextInt(4);
            for (int k = 0; k < COMMIT_FAILURES; k++) {
                plan.commitCallsToFail.add(call);
                call += 2 + random.nextInt(3);
            }
            return plan;
        }

        void beforeCommit(long checkpointId) throws IOException {
            long call = commitCalls.incrementAndGet();
            if (commitCallsToFail.remove(call)) {
                commitFailures.incrementAndGet();
                throw new IOException(
                        "Injected failure before the commit of checkpoint "
                                + checkpointId
                                + " (commit call "
                                + call
                                + ")");
            }
        }

        void afterPart(int subtask) throws IOException {
            long n = parts.incrementAndGet();
            if (partsToFail.remove(n)) {
                partFailures.incrementAndGet();
                throw new IOException(
                        "Injected failure in subtask " + subtask + " after merge part " + n);
            }
        }

        void beforeInstall(int subtask) throws IOException {
            long n = installs.incrementAndGet();
            if (installsToFail.remove(n)) {
                installFailures.incrementAndGet();
                throw new IOException(
                        "Injected failure in subtask "
                                + subtask
                                + " with every part of merge "
                                + n
                                + " written, before its install");
            }
        }

        void beforeRecord(long index) {
            if (mapTargets.remove(index)) {
                mapFailures.incrementAndGet();
                throw new IllegalStateException("Injected failure in the map at record " + index);
            }
        }
    }

    /** Fails the merge work where the plan says. */
    private static final class FailingMergeWork implements SinkSettings.MergeWorkHook {
        private static final long serialVersionUID = 1L;
        private final String planId;

        FailingMergeWork(String planId) {
            this.planId = planId;
        }

        @Override
        public void partWritten(int subtask, String request, int part, long bytes)
                throws IOException {
            PLANS.get(planId).afterPart(subtask);
        }

        @Override
        public void beforeComplete(int subtask, String request) throws IOException {
            PLANS.get(planId).beforeInstall(subtask);
        }
    }

    private static final class FailingGenerator
            extends RichMapFunction<Long, Update<String, String>> {
        private static final long serialVersionUID = 1L;

        private final String planId;
        private transient FaultPlan plan;

        FailingGenerator(String planId) {
            this.planId = planId;
        }

        @Override
        public void open(OpenContext openContext) {
            plan = PLANS.get(planId);
            plan.maxAttempt.accumulateAndGet(
                    getRuntimeContext().getTaskInfo().getAttemptNumber(), Math::max);
        }

        @Override
        public Update<String, String> map(Long index) {
            plan.beforeRecord(index);
            return update(index);
        }
    }

    /** What {@link SlowSecondHalf} saw. */
    static final class EndedWriterPlan {
        /** When the map reading the first half closed after its input ended (0: not yet). */
        final AtomicLong firstHalfEndedMillis = new AtomicLong();

        final AtomicLong failedAt = new AtomicLong(-1);
        final AtomicInteger maxAttempt = new AtomicInteger();
    }

    /**
     * The first half of the sequence runs at full speed; the second half sleeps 1 ms every 20
     * records and, on its first attempt, fails once a second after the subtask reading the first
     * half ended.
     */
    private static final class SlowSecondHalf
            extends RichMapFunction<Long, Update<String, String>> {
        private static final long serialVersionUID = 1L;

        private final String planId;
        private final long half;
        private transient EndedWriterPlan plan;
        private transient int attempt;
        private transient long lastIndex;

        SlowSecondHalf(String planId, long half) {
            this.planId = planId;
            this.half = half;
        }

        @Override
        public void open(OpenContext openContext) {
            plan = ENDED_PLANS.get(planId);
            lastIndex = -1;
            attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
            plan.maxAttempt.accumulateAndGet(attempt, Math::max);
        }

        @Override
        public Update<String, String> map(Long index) throws InterruptedException {
            lastIndex = index;
            if (index >= half) {
                if (index % 20 == 0) {
                    Thread.sleep(1);
                }
                long ended = plan.firstHalfEndedMillis.get();
                if (attempt == 0
                        && ended > 0
                        && System.currentTimeMillis() - ended > 1_000
                        && plan.failedAt.compareAndSet(-1, index)) {
                    throw new IllegalStateException(
                            "Injected failure at record " + index + " after the first half ended");
                }
            }
            return update(index);
        }

        @Override
        public void close() {
            if (attempt == 0 && 0 <= lastIndex && lastIndex < half && plan.failedAt.get() < 0) {
                plan.firstHalfEndedMillis.compareAndSet(0, System.currentTimeMillis());
            }
        }
    }
}
