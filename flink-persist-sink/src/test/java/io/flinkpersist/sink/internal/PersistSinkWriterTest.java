package io.flinkpersist.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.sink.CompactionStrategy;
import io.flinkpersist.sink.LateUpdatePolicy;
import io.flinkpersist.sink.UpdateSerializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistSinkWriterTest {

    @TempDir Path dir;
    private final AtomicLong clock = new AtomicLong(1_000);

    private static final SinkWriter.Context NO_CONTEXT =
            new SinkWriter.Context() {
                @Override
                public long currentWatermark() {
                    return Long.MIN_VALUE;
                }

                @Override
                public Long timestamp() {
                    return null;
                }
            };

    private SinkSettings settings(LateUpdatePolicy late) {
        return new SinkSettings(
                dir.toString(),
                "w",
                CollectionSchema.of(Codecs.string(), Codecs.string()),
                new SinkSettings.Writing(64 << 10, late, Duration.ofSeconds(10), 1000),
                new SinkSettings.Committing(0L, false, false, false),
                new SinkSettings.Maintenance(
                        true,
                        CompactionStrategy.LEVELED,
                        Duration.ofMinutes(5),
                        Duration.ofHours(1)),
                SinkSettings.TestHooks.NONE);
    }

    private PersistSinkWriter<Update<String, String>> writer(LateUpdatePolicy late)
            throws Exception {
        return new PersistSinkWriter<>(
                settings(late),
                UpdateSerializer.ofCodecs(Codecs.string(), Codecs.string()),
                0,
                UnregisteredMetricsGroup.createSinkWriterMetricGroup(),
                clock::get,
                -1,
                1);
    }

    @Test
    void aQuietWriterBecomesIdleAfterTheTimeout() throws Exception {
        PersistSinkWriter<Update<String, String>> w = writer(LateUpdatePolicy.FAIL);
        w.write(Update.of("k", "v", 5, 1), NO_CONTEXT);
        w.writeWatermark(new Watermark(9));
        WriterResult first = w.prepareCommit().iterator().next();
        assertThat(first.idle()).isFalse();
        assertThat(first.sealCandidate()).contains(Frontier.at(10));
        assertThat(first.batches()).hasSize(1);

        clock.addAndGet(9_999);
        assertThat(w.prepareCommit().iterator().next().idle())
                .as("quiet, but not for the whole timeout")
                .isFalse();
        clock.addAndGet(1);
        WriterResult idle = w.prepareCommit().iterator().next();
        assertThat(idle.idle()).isTrue();
        assertThat(idle.batches()).isEmpty();

        w.writeWatermark(new Watermark(20));
        assertThat(w.prepareCommit().iterator().next().idle()).as("a watermark wakes it").isFalse();
        w.close();
    }

    @Test
    void lateUpdatesFailDropOrAdvance() throws Exception {
        try (PersistCollection c = PersistCollection.open(dir, "w")) {
            c.seal(10);
        }
        PersistSinkWriter<Update<String, String>> failing = writer(LateUpdatePolicy.FAIL);
        assertThatThrownBy(() -> failing.write(Update.of("k", "v", 7, 1), NO_CONTEXT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "Cannot write update at time 7 to collection w: it is before the seal {10}")
                .hasMessageContaining("sink.late-updates");
        failing.close();

        PersistSinkWriter<Update<String, String>> dropping = writer(LateUpdatePolicy.DROP);
        dropping.write(Update.of("k", "v", 7, 1), NO_CONTEXT);
        dropping.write(Update.of("k", "v", 12, 1), NO_CONTEXT);
        WriterResult dropped = dropping.prepareCommit().iterator().next();
        assertThat(dropped.batches())
                .singleElement()
                .satisfies(b -> assertThat(b.tsLower()).isEqualTo(12));
        dropping.close();

        PersistSinkWriter<Update<String, String>> advancing = writer(LateUpdatePolicy.ADVANCE);
        advancing.write(Update.of("k", "v", 7, 1), NO_CONTEXT);
        WriterResult advanced = advancing.prepareCommit().iterator().next();
        assertThat(advanced.batches())
                .singleElement()
                .satisfies(b -> assertThat(b.tsLower()).isEqualTo(10));
        advancing.close();
    }

    @Test
    void theEndOfInputSealsUpToTheLastRealWatermarkWithoutClosing() throws Exception {
        PersistSinkWriter<Update<String, String>> w = writer(LateUpdatePolicy.FAIL);
        w.write(Update.of("k", "v", 5, 1), NO_CONTEXT);
        w.writeWatermark(new Watermark(9));
        assertThat(w.prepareCommit().iterator().next().sealCandidate()).contains(Frontier.at(10));
        // Between checkpoints: more updates, a later watermark, then the input ends.
        w.write(Update.of("k", "v", 30, 1), NO_CONTEXT);
        w.write(Update.of("k", "v", 60, 1), NO_CONTEXT);
        w.writeWatermark(new Watermark(40));
        w.writeWatermark(new Watermark(Long.MAX_VALUE));
        w.flush(true);
        WriterResult last = w.prepareCommit().iterator().next();
        assertThat(last.sealCandidate())
                .as("sealed to the last real watermark, not closed")
                .contains(Frontier.at(41));
        assertThat(last.batches()).hasSize(1);
        w.close();
    }

    @Test
    void theWritersOwnReportedWatermarkBoundsLateness() throws Exception {
        PersistSinkWriter<Update<String, String>> w = writer(LateUpdatePolicy.FAIL);
        w.writeWatermark(new Watermark(99));
        w.prepareCommit();
        // The coordinator may seal up to 100 on this writer's word: 99 is late from now on.
        assertThatThrownBy(() -> w.write(Update.of("k", "v", 99, 1), NO_CONTEXT))
                .hasMessageStartingWith(
                        "Cannot write update at time 99 to collection w: it is before the seal {100}");
        w.close();
    }
}
