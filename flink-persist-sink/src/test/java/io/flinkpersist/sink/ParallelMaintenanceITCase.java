package io.flinkpersist.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.sink.internal.SinkSettings;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance grows with the job: at parallelism 4, the bytes that drains and merges write are
 * spread over all four subtasks of the sink's merge work stage, the busiest within 1.5 times the
 * mean; the collection holds exactly what was written, its trace holds multi-part batches, and it
 * validates.
 */
class ParallelMaintenanceITCase {

    private static final int PARALLELISM = 4;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(PARALLELISM + 1)
                            .build());

    private static final long N = 1_000_000;
    private static final long KEYS = 100_000;

    /** Merge bytes written per subtask, by test id (tasks run in this JVM). */
    private static final Map<String, Map<Integer, AtomicLong>> WRITTEN = new ConcurrentHashMap<>();

    @TempDir Path dir;

    private String id;

    @AfterEach
    void forget() {
        WRITTEN.remove(id);
    }

    @Test
    void mergeWorkIsSpreadOverEverySubtask() throws Exception {
        id = UUID.randomUUID().toString();
        String testId = id;
        WRITTEN.put(id, new ConcurrentHashMap<>());
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(200));
        conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, Duration.ofMillis(50));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        PersistSink<Update<String, String>> sink =
                PersistSink.<String, String>builder()
                        .location(dir.toString())
                        .collection("spread")
                        .keyCodec(Codecs.string())
                        .valueCodec(Codecs.string())
                        .bufferSize(256 << 10)
                        .historyRetention(0L)
                        .partBytes(4 << 10)
                        .mergeWorkHook(new Recording(testId))
                        .build();
        env.fromSource(
                        new NumberSequenceSource(0, N - 1),
                        WatermarkStrategy.<Long>forMonotonousTimestamps()
                                .withTimestampAssigner((i, ts) -> i / 100),
                        "sequence")
                .map(i -> Update.of(key(i), value(i), i / 100, 1L))
                .returns(new TypeHint<Update<String, String>>() {})
                .sinkTo(sink);
        env.execute("parallel maintenance");

        Map<Integer, AtomicLong> written = WRITTEN.get(id);
        long total = written.values().stream().mapToLong(AtomicLong::get).sum();
        long busiest = written.values().stream().mapToLong(AtomicLong::get).max().orElse(0);
        double mean = total / (double) PARALLELISM;
        System.out.printf(
                "parallel maintenance: merge bytes by subtask %s, total %d, busiest %.2f x the mean%n",
                written, total, busiest / mean);
        assertThat(written.keySet()).as("subtasks that wrote merge parts").hasSize(PARALLELISM);
        assertThat(busiest / mean).as("busiest subtask over the mean").isLessThanOrEqualTo(1.5);

        try (PersistCollection c = PersistCollection.openExisting(dir, "spread")) {
            CollectionState s = c.state();
            s.validate();
            System.out.println(
                    "  state at the end: "
                            + s
                            + ", trace parts "
                            + s.trace().stream().map(b -> b.parts().size()).toList());
            assertThat(s.requests()).as("no merge left pending").isEmpty();
            assertThat(s.trace()).anyMatch(TraceBatchMeta::isMultiPart);
            Map<String, Long> actual = new HashMap<>();
            try (UpdateCursor u = c.snapshot().readConsolidated()) {
                while (u.advance()) {
                    actual.merge(
                            new String(u.key(), StandardCharsets.UTF_8)
                                    + "="
                                    + new String(u.value(), StandardCharsets.UTF_8),
                            u.diff(),
                            Long::sum);
                }
            }
            assertThat(actual).hasSize((int) N);
            assertThat(actual.values()).containsOnly(1L);
            for (long i = 0; i < N; i += 997) {
                assertThat(actual).containsEntry(key(i) + "=" + value(i), 1L);
            }
        }
    }

    /** Adds each part's bytes to its subtask's total. */
    private static final class Recording implements SinkSettings.MergeWorkHook {
        private static final long serialVersionUID = 1L;
        private final String testId;

        Recording(String testId) {
            this.testId = testId;
        }

        @Override
        public void partWritten(int subtask, String request, int part, long bytes) {
            WRITTEN.get(testId).computeIfAbsent(subtask, s -> new AtomicLong()).addAndGet(bytes);
        }
    }

    private static String key(long i) {
        return "k" + (i % KEYS);
    }

    private static String value(long i) {
        return "v" + (i / KEYS);
    }
}
