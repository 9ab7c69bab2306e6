package io.flinkpersist.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Codecs;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.sink.PersistSink;
import io.flinkpersist.sink.UpdateSerializer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commit epochs, the sink's time for inputs without event time: a fresh writer starts at the seal,
 * every checkpoint seals its epoch and moves on to the next one (or the seal, if that is ahead),
 * the pipeline's watermarks do not count, and the epoch survives a restore.
 */
class CommitEpochTest {

    @TempDir Path dir;

    private static final SinkWriter.Context CONTEXT =
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

    /** Writes each string as a key at the writer's commit epoch. */
    private static final UpdateSerializer<String> AT_EPOCH =
            (s, out) ->
                    out.write(
                            s.getBytes(StandardCharsets.UTF_8), new byte[0], out.commitEpoch(), 1);

    private SinkSettings settings(boolean epochs) {
        var builder =
                PersistSink.<byte[], byte[]>builder()
                        .location(dir.toString())
                        .collection("rows")
                        .keyCodec(Codecs.bytes())
                        .valueCodec(Codecs.bytes());
        if (epochs) {
            builder.timeFromCommitEpochs();
        }
        return builder.build(AT_EPOCH).settings();
    }

    private PersistSinkWriter<String> writer(boolean epochs, long restored, int copies)
            throws Exception {
        return new PersistSinkWriter<>(
                settings(epochs),
                AT_EPOCH,
                0,
                UnregisteredMetricsGroup.createSinkWriterMetricGroup(),
                System::currentTimeMillis,
                restored,
                copies);
    }

    private void seal(Frontier f) throws Exception {
        try (PersistCollection c = PersistCollection.open(dir, "rows")) {
            c.seal(f);
        }
    }

    @Test
    void aFreshWriterStartsAtTheSealAndEachCheckpointSealsItsEpoch() throws Exception {
        seal(Frontier.at(5));
        try (PersistSinkWriter<String> w = writer(true, -1, 4)) {
            assertThat(w.epoch()).isEqualTo(5);
            w.write("a", CONTEXT);
            w.writeWatermark(new Watermark(1_000_000)); // not the collection's time
            WriterResult first = w.prepareCommit().iterator().next();
            assertThat(first.sealCandidate()).contains(Frontier.at(6));
            assertThat(first.batches())
                    .singleElement()
                    .satisfies(b -> assertThat(b.tsLower()).isEqualTo(5));
            assertThat(w.snapshotState(1)).containsExactly(6L, 6L, 6L, 6L);
            w.write("b", CONTEXT);
            WriterResult second = w.prepareCommit().iterator().next();
            assertThat(second.sealCandidate()).contains(Frontier.at(7));
            assertThat(second.batches())
                    .singleElement()
                    .satisfies(b -> assertThat(b.tsLower()).isEqualTo(6));
            assertThat(w.epoch()).isEqualTo(7);
        }
    }

    @Test
    void theEpochCatchesUpWithASealThatMovedOn() throws Exception {
        try (PersistSinkWriter<String> w = writer(true, -1, 1)) {
            assertThat(w.epoch()).isZero();
            seal(Frontier.at(40));
            w.prepareCommit();
            assertThat(w.epoch()).isEqualTo(40);
        }
    }

    @Test
    void aRestoredWriterStartsAtTheLargerOfItsStateAndTheSeal() throws Exception {
        seal(Frontier.at(7));
        try (PersistSinkWriter<String> w = writer(true, 20, 1)) {
            assertThat(w.epoch()).isEqualTo(20);
        }
        try (PersistSinkWriter<String> w = writer(true, 3, 1)) {
            assertThat(w.epoch()).isEqualTo(7);
        }
    }

    @Test
    void aClosedCollectionCannotBeWrittenAtCommitEpochs() throws Exception {
        seal(Frontier.closed());
        assertThatThrownBy(() -> writer(true, -1, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Cannot write to collection rows: it is closed");
    }

    @Test
    void withoutCommitEpochsTheWriterHasNoEpochStateAndRefusesToStampOne() throws Exception {
        try (PersistSinkWriter<String> w = writer(false, -1, 4)) {
            assertThatThrownBy(() -> w.write("a", CONTEXT))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("build it with timeFromCommitEpochs()");
            w.writeWatermark(new Watermark(9));
            assertThat(w.prepareCommit().iterator().next().sealCandidate())
                    .isEqualTo(Optional.of(Frontier.at(10)));
            assertThat(w.snapshotState(1)).isEmpty();
        }
    }
}
