package io.flinkpersist.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.state.CollectionState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A job writes a changelog through the sink; the collection holds exactly its net contents. */
class PersistSinkSmokeITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @TempDir Path dir;

    @Test
    void writesTheNetChangelogAndClosesAtTheEndOfInput() throws Exception {
        int n = 200_000;
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(200);
        env.fromSequence(0, n - 1)
                .map(
                        i ->
                                Update.of(
                                        "key-" + (i % 5000),
                                        "v" + (i % 7),
                                        i / 100,
                                        i % 3 == 2 ? -1L : 1L))
                .returns(new TypeHint<Update<String, String>>() {})
                .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<Update<String, String>>forMonotonousTimestamps()
                                .withTimestampAssigner((u, ts) -> u.time()))
                .sinkTo(
                        PersistSink.<String, String>builder()
                                .location(dir.toString())
                                .collection("smoke")
                                .keyCodec(Codecs.string())
                                .valueCodec(Codecs.string())
                                .bufferSize(1 << 20)
                                .historyRetention(0L)
                                .closeOnEndOfInput(true)
                                .build());
        env.execute("persist sink smoke");

        Map<String, Long> expected = new HashMap<>();
        for (long i = 0; i < n; i++) {
            expected.merge("key-" + (i % 5000) + "|v" + (i % 7), i % 3 == 2 ? -1L : 1L, Long::sum);
        }
        expected.values().removeIf(d -> d == 0);
        try (PersistCollection c = PersistCollection.open(dir, "smoke")) {
            CollectionState s = c.state();
            s.validate();
            System.out.println("smoke: " + s);
            Map<String, Long> actual = new HashMap<>();
            try (UpdateCursor cursor = c.snapshot().readConsolidated()) {
                while (cursor.advance()) {
                    actual.merge(
                            new String(cursor.key(), StandardCharsets.UTF_8)
                                    + "|"
                                    + new String(cursor.value(), StandardCharsets.UTF_8),
                            cursor.diff(),
                            Long::sum);
                }
            }
            actual.values().removeIf(d -> d == 0);
            assertThat(actual).isEqualTo(expected);
            // The end of the input closed the collection: every time is complete.
            assertThat(s.seal()).isEqualTo(Frontier.closed());
            // Since followed it to one past the latest time written (a closed since would read
            // nothing), and the end-of-input merge consolidated everything into one batch.
            assertThat(s.since()).isEqualTo(Frontier.at((n - 1) / 100 + 1));
            assertThat(s.trace()).hasSize(1);
            assertThat(s.trace().get(0).updateCount()).isEqualTo(expected.size());
        }
    }
}
