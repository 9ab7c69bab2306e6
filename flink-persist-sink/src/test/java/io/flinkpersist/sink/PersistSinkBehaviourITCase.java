package io.flinkpersist.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.blob.LocalFileBlobStore;
import io.flinkpersist.state.CollectionLayout;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.StateLog;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the sink seals, how maintenance stays out of the way of commits, and how small the trace
 * stays.
 */
class PersistSinkBehaviourITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    /**
     * Latches the maintenance hook waits on, by test id: the sink is serialized, so it finds them
     * by name.
     */
    private static final Map<String, CountDownLatch[]> LATCHES = new ConcurrentHashMap<>();

    @TempDir Path dir;
    private final String testId = UUID.randomUUID().toString();

    @AfterEach
    void releaseLatches() {
        CountDownLatch[] l = LATCHES.remove(testId);
        if (l != null) {
            l[1].countDown();
        }
    }

    private static List<CollectionState> history(Path collectionDir) throws Exception {
        LocalFileBlobStore store = new LocalFileBlobStore(collectionDir);
        StateLog log = new StateLog(store);
        List<CollectionState> out = new ArrayList<>();
        for (var info : store.list(CollectionLayout.STATE_PREFIX)) {
            out.add(
                    log.readRecord(CollectionLayout.seqNoOf(info.key()).orElseThrow())
                            .orElseThrow());
        }
        return out;
    }

    /** Slows the first half of the sequence down, so that its writer is always the slowest. */
    private static final class Pace implements MapFunction<Long, Update<String, String>> {
        private final long half;

        Pace(long half) {
            this.half = half;
        }

        @Override
        public Update<String, String> map(Long i) throws Exception {
            if (i < half && i % 200 == 0) {
                Thread.sleep(2);
            }
            return Update.of("key-" + i, "v", i / 10, 1);
        }
    }

    @Test
    void sealFollowsTheSlowestWritersWatermark() throws Exception {
        long n = 200_000;
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(100);
        env.fromSequence(0, n - 1)
                .map(new Pace(n / 2))
                .returns(new TypeHint<Update<String, String>>() {})
                .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<Update<String, String>>forMonotonousTimestamps()
                                .withTimestampAssigner((u, t) -> u.time()))
                .sinkTo(sink("seal").build());
        env.execute("seal follows watermarks");

        // The slow writer reads [0, n/2), times [0, n/20): its watermark never passes n/20 - 1, so
        // neither does the seal while it runs. The fast writer, times [n/20, n/10), ends first and
        // then holds nothing back. When both have ended, the last commit seals to the latest of
        // their last watermarks.
        List<Long> seals = new ArrayList<>();
        for (CollectionState s : history(dir.resolve("seal"))) {
            long seal = s.seal().time();
            if (seals.isEmpty() || seals.get(seals.size() - 1) != seal) {
                seals.add(seal);
            }
        }
        System.out.println("seals committed: " + seals);
        assertThat(seals).isSorted();
        assertThat(seals)
                .as("the seal advances step by step with the watermark")
                .hasSizeGreaterThanOrEqualTo(4);
        assertThat(seals.subList(0, seals.size() - 1))
                .as("seals while the slow writer runs")
                .allSatisfy(x -> assertThat(x).isLessThanOrEqualTo(n / 20));
        assertThat(seals.get(seals.size() - 2))
                .as("the slow writer's watermark got far")
                .isGreaterThan(n / 40);
        assertThat(seals.get(seals.size() - 1))
                .as("the last seal, after every input ended")
                .isLessThanOrEqualTo(n / 10);
    }

    @Test
    void commitsGoOnWhileMaintenanceIsBlocked() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        LATCHES.put(testId, new CountDownLatch[] {entered, release});
        String id = testId;
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(100);
        env.fromSequence(0, 400_000 - 1)
                .map(new Pace(400_000))
                .returns(new TypeHint<Update<String, String>>() {})
                .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<Update<String, String>>forMonotonousTimestamps()
                                .withTimestampAssigner((u, t) -> u.time()))
                .sinkTo(
                        sink("blocked")
                                .maxBacklog(100_000)
                                .maintenanceHook(
                                        () -> {
                                            CountDownLatch[] l = LATCHES.get(id);
                                            if (l != null) {
                                                l[0].countDown();
                                                l[1].await();
                                            }
                                        })
                                .build());
        JobClient job = env.executeAsync("maintenance blocked");

        assertThat(entered.await(60, TimeUnit.SECONDS)).as("maintenance started").isTrue();
        Path collectionDir = dir.resolve("blocked");
        PersistCollection reader = PersistCollection.open(new LocalFileBlobStore(collectionDir));
        CollectionState first = reader.refresh();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        CollectionState now = first;
        while (System.nanoTime() < deadline && now.seqNo() < first.seqNo() + 10) {
            Thread.sleep(100);
            now = reader.refresh();
        }
        // Ten more commits, each a completed checkpoint, while no drain or compaction could run.
        assertThat(now.seqNo()).isGreaterThanOrEqualTo(first.seqNo() + 10);
        assertThat(now.trace()).isEmpty();
        assertThat(now.unsealed().size()).isGreaterThan(first.unsealed().size());
        assertThat(now.seal()).isNotEqualTo(first.seal());

        release.countDown();
        job.getJobExecutionResult().get(120, TimeUnit.SECONDS);
        CollectionState end = reader.refresh();
        System.out.println("after release: " + end);
        assertThat(end.trace()).as("maintenance caught up once released").isNotEmpty();
        end.validate();
    }

    @Test
    void longRunningJobKeepsTheTraceLogarithmic() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(50);
        env.fromSequence(0, 300_000 - 1)
                .map(new Pace(300_000))
                .returns(new TypeHint<Update<String, String>>() {})
                .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<Update<String, String>>forMonotonousTimestamps()
                                .withTimestampAssigner((u, t) -> u.time()))
                .sinkTo(sink("long").historyRetention(0L).build());
        env.execute("long running");

        List<CollectionState> history = history(dir.resolve("long"));
        CollectionState end = history.get(history.size() - 1);
        end.validate();
        // While the job runs, the default policy (runs of four batches on one level) keeps the
        // trace within three batches per level, floor(log4(drains so far)) + 1 levels, plus two
        // drained while a merge is on its way. The garbage collection after the input ended prunes
        // the oldest state records; every drain takes at least one state version, so the first
        // remaining record's seqno bounds the drains before it.
        Set<Frontier> uppers = new HashSet<>();
        long drainsBefore = history.get(0).seqNo();
        int largest = 0;
        for (CollectionState s : history) {
            uppers.add(s.traceUpper());
            long drainsSoFar = drainsBefore + uppers.size() - 1;
            int levels = 1;
            for (long d = drainsSoFar; d >= 4; d /= 4) {
                levels++;
            }
            int bound = 3 * levels + 2;
            assertThat(s.trace().size())
                    .as("trace of state %s after %s drains", s.seqNo(), drainsSoFar)
                    .isLessThanOrEqualTo(bound);
            largest = Math.max(largest, s.trace().size());
        }
        long drains = uppers.size() - 1;
        System.out.printf(
                "long: %d states (from seqno %d), %d drains among them, at most %d trace batches, trace levels at the end %s, unsealed %d%n",
                history.size(),
                drainsBefore,
                drains,
                largest,
                end.trace().stream().map(TraceBatchMeta::level).toList(),
                end.unsealed().size());
        // Each drain and merge takes two versions (its request, then its completion), so the
        // retained window of 100 records spans fewer drains than it holds versions.
        assertThat(drains).as("drains among the remaining state records").isGreaterThanOrEqualTo(4);
        assertThat(largest).as("the trace held several batches while the job ran").isGreaterThan(1);
        assertThat(end.since()).isEqualTo(end.seal());
        assertThat(end.trace())
                .as("the end of the input compacts the trace into one batch")
                .hasSize(1);
        Frontier traceUpper = end.traceUpper();
        for (UnsealedBatchMeta b : end.unsealed()) {
            assertThat(traceUpper.isBefore(b.tsUpper()))
                    .as("unsealed batch %s lingers below the trace upper %s", b, traceUpper)
                    .isFalse();
        }
    }

    private PersistSinkBuilder<String, String> sink(String collection) {
        return PersistSink.<String, String>builder()
                .location(dir.toString())
                .collection(collection)
                .keyCodec(Codecs.string())
                .valueCodec(Codecs.string())
                .bufferSize(256 << 10)
                .idleTimeout(Duration.ofSeconds(30));
    }
}
