package io.flinkpersist.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.sink.PersistSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A continuous read follows a collection while another job writes it: at every watermark {@code W}
 * the reader's output up to {@code W}, consolidated, equals the writer's input up to {@code W}.
 */
class PersistSourceContinuousITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(6)
                            .build());

    private static final long N = 200_000;
    private static final Map<String, Probe> PROBES = new ConcurrentHashMap<>();

    /** What the checking operator saw, by test id. */
    static final class Probe {
        final AtomicLong checks = new AtomicLong();
        final AtomicLong lastWatermark = new AtomicLong(Long.MIN_VALUE);
        final AtomicReference<String> failure = new AtomicReference<>();
    }

    @TempDir Path dir;
    private final String id = UUID.randomUUID().toString();

    @AfterEach
    void dropProbe() {
        PROBES.remove(id);
    }

    static Update<String, String> generated(long i) {
        return Update.of("key-" + (i % 3_000), "v" + (i % 5), i / 50, i % 4 == 3 ? -1 : 1);
    }

    /** Net diff per (key, value) of the generated updates with time at or below {@code w}. */
    static Map<String, Long> expectedUpTo(long w) {
        Map<String, Long> m = new HashMap<>();
        for (long i = 0; i < N && i / 50 <= w; i++) {
            Update<String, String> u = generated(i);
            m.merge(u.key() + "|" + u.value(), u.diff(), Long::sum);
        }
        m.values().removeIf(d -> d == 0);
        return m;
    }

    /**
     * Keeps the consolidated output and checks it against the writer's input at every watermark.
     */
    static final class CheckAtWatermarks extends AbstractStreamOperator<Void>
            implements OneInputStreamOperator<Update<String, String>, Void> {
        private final String probeId;
        private transient Map<String, Long> byTime;
        private transient TreeMap<Long, Map<String, Long>> received;

        CheckAtWatermarks(String probeId) {
            this.probeId = probeId;
        }

        @Override
        public void open() throws Exception {
            super.open();
            received = new TreeMap<>();
        }

        @Override
        public void processElement(StreamRecord<Update<String, String>> element) {
            Update<String, String> u = element.getValue();
            received.computeIfAbsent(u.time(), t -> new HashMap<>())
                    .merge(u.key() + "|" + u.value(), u.diff(), Long::sum);
        }

        @Override
        public void processWatermark(Watermark mark) throws Exception {
            super.processWatermark(mark);
            long w = mark.getTimestamp();
            Probe probe = PROBES.get(probeId);
            if (probe == null || w == Long.MAX_VALUE) {
                return;
            }
            Map<String, Long> upTo = new HashMap<>();
            for (Map<String, Long> m : received.headMap(w, true).values()) {
                m.forEach((k, d) -> upTo.merge(k, d, Long::sum));
            }
            upTo.values().removeIf(d -> d == 0);
            Map<String, Long> expected = expectedUpTo(w);
            if (!upTo.equals(expected)) {
                Map<String, Long> diff = new TreeMap<>();
                expected.forEach(
                        (k, d) -> {
                            if (!d.equals(upTo.get(k))) diff.put(k, d - upTo.getOrDefault(k, 0L));
                        });
                upTo.forEach(
                        (k, d) -> {
                            if (!expected.containsKey(k)) diff.put(k, -d);
                        });
                probe.failure.compareAndSet(
                        null,
                        "at watermark "
                                + w
                                + ": read "
                                + upTo.size()
                                + " pairs, expected "
                                + expected.size()
                                + ", missing (expected - read) "
                                + (diff.size() > 10
                                        ? diff.size()
                                                + " pairs, e.g. "
                                                + diff.entrySet().iterator().next()
                                        : diff)
                                + ", times received "
                                + received.keySet().stream().limit(3).toList()
                                + "..."
                                + received.lastKey());
            }
            probe.checks.incrementAndGet();
            probe.lastWatermark.set(w);
        }
    }

    private static final class Paced implements MapFunction<Long, Update<String, String>> {
        @Override
        public Update<String, String> map(Long i) throws Exception {
            // At least 3 s per writer however fast the machine, so the reader follows many seals.
            if (i % 100 == 0) {
                Thread.sleep(3);
            }
            return generated(i);
        }
    }

    @Test
    void everyWatermarkFollowsEverythingBelowIt() throws Exception {
        Probe probe = new Probe();
        PROBES.put(id, probe);
        // Neither job may fail: a restart would hide a bug behind a replay.
        Configuration noRestarts = new Configuration();
        noRestarts.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment writerEnv =
                StreamExecutionEnvironment.getExecutionEnvironment(noRestarts);
        writerEnv.setParallelism(2);
        writerEnv.enableCheckpointing(100);
        writerEnv
                .fromSequence(0, N - 1)
                .map(new Paced())
                .returns(new TypeHint<Update<String, String>>() {})
                .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<Update<String, String>>forMonotonousTimestamps()
                                .withTimestampAssigner((u, t) -> u.time()))
                .sinkTo(
                        PersistSink.<String, String>builder()
                                .location(dir.toString())
                                .collection("followed")
                                .keyCodec(Codecs.string())
                                .valueCodec(Codecs.string())
                                .bufferSize(256 << 10)
                                .build());
        JobClient writer = writerEnv.executeAsync("writer");
        // A reader fails on a collection that does not exist yet: start it once the writer created
        // it.
        long created = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!dir.resolve("followed").resolve("state").toFile().isDirectory()
                && System.nanoTime() < created) {
            Thread.sleep(20);
        }

        StreamExecutionEnvironment readerEnv =
                StreamExecutionEnvironment.getExecutionEnvironment(noRestarts);
        readerEnv.setParallelism(2);
        readerEnv.enableCheckpointing(200);
        PersistSource<Update<String, String>> source =
                PersistSource.<String, String>builder()
                        .location(dir.toString())
                        .collection("followed")
                        .keyCodec(Codecs.string())
                        .valueCodec(Codecs.string())
                        .continuous(Duration.ofMillis(100))
                        .producedType(TypeInformation.of(new TypeHint<Update<String, String>>() {}))
                        .build();
        readerEnv
                .fromSource(source, WatermarkStrategy.noWatermarks(), "follow")
                .global()
                .transform("check", TypeInformation.of(Void.class), new CheckAtWatermarks(id))
                .setParallelism(1);
        JobClient reader = readerEnv.executeAsync("reader");

        writer.getJobExecutionResult().get(180, TimeUnit.SECONDS);
        long finalSeal;
        try (PersistCollection c = PersistCollection.open(dir, "followed")) {
            finalSeal = c.state().seal().time();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (probe.lastWatermark.get() < finalSeal - 1
                && probe.failure.get() == null
                && System.nanoTime() < deadline) {
            if (reader.getJobStatus().get().isGloballyTerminalState()) {
                reader.getJobExecutionResult().get(); // throws the reader's failure
            }
            Thread.sleep(100);
        }
        reader.cancel().get(30, TimeUnit.SECONDS);
        // The enumerator releases its lease as the job winds down: let it finish before the
        // directory goes.
        try (PersistCollection c = PersistCollection.open(dir, "followed")) {
            long released = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!c.refresh().leases().isEmpty() && System.nanoTime() < released) {
                Thread.sleep(50);
            }
            assertThat(c.state().leases())
                    .as("reader leases after the job was cancelled")
                    .isEmpty();
        }
        System.out.printf(
                "continuous: %d watermark checks, last watermark %d, final seal %d%n",
                probe.checks.get(), probe.lastWatermark.get(), finalSeal);
        assertThat(probe.failure.get()).isNull();
        assertThat(probe.lastWatermark.get()).isEqualTo(finalSeal - 1);
        assertThat(probe.checks.get()).isGreaterThanOrEqualTo(5);
    }
}
