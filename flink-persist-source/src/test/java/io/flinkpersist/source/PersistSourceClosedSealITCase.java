package io.flinkpersist.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.sink.PersistSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
 * A continuous read of a collection whose seal closes: it emits every update, then the final
 * watermark, and its job finishes on its own, whether it followed the writer while the seal closed
 * or started after.
 */
class PersistSourceClosedSealITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(6)
                            .build());

    private static final long N = 100_000;
    private static final Map<String, Received> RECEIVED = new ConcurrentHashMap<>();

    /** What the collecting operator saw, by test id. */
    static final class Received {
        final Map<String, Long> pairs = new ConcurrentHashMap<>();
        final List<Long> watermarks = new CopyOnWriteArrayList<>();
    }

    @TempDir Path dir;
    private final String id = UUID.randomUUID().toString();

    @AfterEach
    void drop() {
        RECEIVED.remove(id);
    }

    static Update<String, String> generated(long i) {
        return Update.of("key-" + (i % 3_000), "v" + (i % 5), i / 50, i % 4 == 3 ? -1 : 1);
    }

    static Map<String, Long> expected() {
        Map<String, Long> m = new HashMap<>();
        for (long i = 0; i < N; i++) {
            Update<String, String> u = generated(i);
            m.merge(u.key() + "|" + u.value(), u.diff(), Long::sum);
        }
        m.values().removeIf(d -> d == 0);
        return m;
    }

    /** Sums the diffs of every (key, value) it receives and records the watermarks. */
    static final class Collect extends AbstractStreamOperator<Void>
            implements OneInputStreamOperator<Update<String, String>, Void> {
        private final String receivedId;

        Collect(String receivedId) {
            this.receivedId = receivedId;
        }

        @Override
        public void processElement(StreamRecord<Update<String, String>> element) {
            Update<String, String> u = element.getValue();
            RECEIVED.get(receivedId).pairs.merge(u.key() + "|" + u.value(), u.diff(), Long::sum);
        }

        @Override
        public void processWatermark(Watermark mark) throws Exception {
            super.processWatermark(mark);
            RECEIVED.get(receivedId).watermarks.add(mark.getTimestamp());
        }
    }

    private static final class Paced implements MapFunction<Long, Update<String, String>> {
        @Override
        public Update<String, String> map(Long i) throws Exception {
            // A few seconds per writer, so the reader follows several seals before the close.
            if (i % 100 == 0) {
                Thread.sleep(2);
            }
            return generated(i);
        }
    }

    private static Configuration noRestarts() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return conf;
    }

    private JobClient startWriter() throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(noRestarts());
        env.setParallelism(2);
        env.enableCheckpointing(100);
        env.fromSequence(0, N - 1)
                .map(new Paced())
                .returns(new TypeHint<Update<String, String>>() {})
                .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<Update<String, String>>forMonotonousTimestamps()
                                .withTimestampAssigner((u, t) -> u.time()))
                .sinkTo(
                        PersistSink.<String, String>builder()
                                .location(dir.toString())
                                .collection("closing")
                                .keyCodec(Codecs.string())
                                .valueCodec(Codecs.string())
                                .bufferSize(256 << 10)
                                .closeOnEndOfInput(true)
                                .build());
        return env.executeAsync("writer");
    }

    private JobClient startReader() throws Exception {
        RECEIVED.put(id, new Received());
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(noRestarts());
        env.setParallelism(2);
        env.enableCheckpointing(200);
        PersistSource<Update<String, String>> source =
                PersistSource.<String, String>builder()
                        .location(dir.toString())
                        .collection("closing")
                        .keyCodec(Codecs.string())
                        .valueCodec(Codecs.string())
                        .continuous(Duration.ofMillis(100))
                        .producedType(TypeInformation.of(new TypeHint<Update<String, String>>() {}))
                        .build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "follow")
                .global()
                .transform("collect", TypeInformation.of(Void.class), new Collect(id))
                .setParallelism(1);
        return env.executeAsync("reader");
    }

    private void checkEverythingThenTheFinalWatermark(JobClient reader) throws Exception {
        // The reader's job must end by itself: no cancel.
        reader.getJobExecutionResult().get(120, TimeUnit.SECONDS);
        Received received = RECEIVED.get(id);
        Map<String, Long> read = new HashMap<>(received.pairs);
        read.values().removeIf(d -> d == 0);
        assertThat(read).as("consolidated output of the continuous read").isEqualTo(expected());
        assertThat(received.watermarks).as("watermarks").isNotEmpty().isSorted();
        assertThat(received.watermarks.get(received.watermarks.size() - 1))
                .isEqualTo(Long.MAX_VALUE);
        try (PersistCollection c = PersistCollection.open(dir, "closing")) {
            assertThat(c.state().seal().isClosed()).isTrue();
            assertThat(c.state().leases()).as("reader leases after the job finished").isEmpty();
        }
    }

    @Test
    void followingReadEndsWhenTheWriterClosesTheSeal() throws Exception {
        JobClient writer = startWriter();
        // The reader waits for the collection to exist before it follows it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!dir.resolve("closing").resolve("state").toFile().isDirectory()
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        JobClient reader = startReader();
        writer.getJobExecutionResult().get(180, TimeUnit.SECONDS);
        checkEverythingThenTheFinalWatermark(reader);
        assertThat(RECEIVED.get(id).watermarks.size())
                .as("seals followed before the close")
                .isGreaterThan(2);
    }

    @Test
    void readStartedAfterTheCloseReadsEverythingAndEnds() throws Exception {
        startWriter().getJobExecutionResult().get(180, TimeUnit.SECONDS);
        checkEverythingThenTheFinalWatermark(startReader());
    }
}
