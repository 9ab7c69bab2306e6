package io.flinkpersist.table.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Codecs;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.sink.PersistSink;
import io.flinkpersist.sink.internal.SinkSettings;
import io.flinkpersist.sink.internal.WriterResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table sink writer without a cluster: row kinds become diffs, rows are stamped with the commit
 * epoch (or their rowtime), and the epoch starts at the seal or the restored state, moves on at
 * each checkpoint, and never falls behind the seal.
 */
class RowDataSinkWriterTest {

    private static final RowType TYPE =
            RowType.of(
                    new LogicalType[] {
                        DataTypes.INT().notNull().getLogicalType(),
                        DataTypes.STRING().getLogicalType(),
                        DataTypes.TIMESTAMP(3).getLogicalType()
                    },
                    new String[] {"id", "name", "ts"});
    private static final RowLayout EPOCHS = RowLayout.of(TYPE, new int[] {0}, Optional.empty());
    private static final RowLayout ROWTIME = RowLayout.of(TYPE, new int[] {0}, Optional.of("ts"));

    @TempDir Path dir;
    private SinkSettings settings;
    private TestingInnerWriter inner;

    /** Records what the persist writer under test is handed, in order. */
    private static final class TestingInnerWriter
            implements CommittingSinkWriter<Update<byte[], byte[]>, WriterResult> {
        final List<Update<byte[], byte[]>> updates = new ArrayList<>();
        final List<String> events = new ArrayList<>();

        @Override
        public void write(Update<byte[], byte[]> update, Context context) {
            updates.add(update);
            events.add("write@" + update.time());
        }

        @Override
        public void writeWatermark(Watermark watermark) {
            events.add("watermark " + watermark.getTimestamp());
        }

        @Override
        public void flush(boolean endOfInput) {
            events.add("flush " + endOfInput);
        }

        @Override
        public Collection<WriterResult> prepareCommit() {
            events.add("prepareCommit");
            return List.of();
        }

        @Override
        public void close() {
            events.add("close");
        }
    }

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

    @BeforeEach
    void setUp() {
        settings =
                PersistSink.<byte[], byte[]>builder()
                        .location(dir.toString())
                        .collection("rows")
                        .keyCodec(Codecs.bytes())
                        .valueCodec(Codecs.bytes())
                        .build()
                        .settings();
        inner = new TestingInnerWriter();
    }

    private void seal(long t) throws Exception {
        try (PersistCollection c = PersistCollection.open(dir, "rows")) {
            c.seal(t);
        }
    }

    private static GenericRowData row(RowKind kind, int id, String name, long millis) {
        GenericRowData r =
                GenericRowData.of(
                        id, StringData.fromString(name), TimestampData.fromEpochMillis(millis));
        r.setRowKind(kind);
        return r;
    }

    @Test
    void rowKindsBecomeDiffsAndRowsCarryTheirEncodedKeyAndValue() throws Exception {
        try (RowDataSinkWriter writer = new RowDataSinkWriter(inner, EPOCHS, settings, -1, 4)) {
            writer.write(row(RowKind.INSERT, 1, "a", 0), CONTEXT);
            writer.write(row(RowKind.UPDATE_BEFORE, 1, "a", 0), CONTEXT);
            writer.write(row(RowKind.UPDATE_AFTER, 1, "b", 0), CONTEXT);
            writer.write(row(RowKind.DELETE, 1, "b", 0), CONTEXT);
        }
        assertThat(inner.updates).extracting(Update::diff).containsExactly(1L, -1L, 1L, -1L);
        Update<byte[], byte[]> first = inner.updates.get(0);
        assertThat(EPOCHS.decode(first.key(), first.value()))
                .isEqualTo(row(RowKind.INSERT, 1, "a", 0));
        assertThat(inner.updates.get(2).key()).isEqualTo(first.key());
        assertThat(inner.updates.get(2).value()).isNotEqualTo(first.value());
    }

    @Test
    void aFreshWriterStartsAtTheSealAndEachCheckpointSealsItsEpoch() throws Exception {
        seal(5);
        try (RowDataSinkWriter writer = new RowDataSinkWriter(inner, EPOCHS, settings, -1, 4)) {
            assertThat(writer.epoch()).isEqualTo(5);
            writer.write(row(RowKind.INSERT, 1, "a", 0), CONTEXT);
            writer.writeWatermark(
                    new Watermark(1_000_000)); // the pipeline's watermarks are not the table's time
            writer.flush(false);
            writer.prepareCommit();
            assertThat(writer.snapshotState(1)).containsExactly(6L, 6L, 6L, 6L);
            writer.write(row(RowKind.INSERT, 2, "b", 0), CONTEXT);
            writer.prepareCommit();
            assertThat(writer.epoch()).isEqualTo(7);
        }
        assertThat(inner.events)
                .containsExactly(
                        "write@5",
                        "flush false",
                        "watermark 5",
                        "prepareCommit",
                        "write@6",
                        "watermark 6",
                        "prepareCommit",
                        "close");
    }

    @Test
    void theEpochCatchesUpWithASealThatMovedOn() throws Exception {
        try (RowDataSinkWriter writer = new RowDataSinkWriter(inner, EPOCHS, settings, -1, 1)) {
            assertThat(writer.epoch()).isZero();
            seal(40);
            writer.prepareCommit();
            assertThat(writer.epoch()).isEqualTo(40);
        }
    }

    @Test
    void aRestoredWriterStartsAtTheLargerOfItsStateAndTheSeal() throws Exception {
        seal(7);
        try (RowDataSinkWriter writer = new RowDataSinkWriter(inner, EPOCHS, settings, 20, 1)) {
            assertThat(writer.epoch()).isEqualTo(20);
        }
        try (RowDataSinkWriter writer = new RowDataSinkWriter(inner, EPOCHS, settings, 3, 1)) {
            assertThat(writer.epoch()).isEqualTo(7);
        }
    }

    @Test
    void aClosedCollectionCannotBeWritten() throws Exception {
        try (PersistCollection c = PersistCollection.open(dir, "rows")) {
            c.seal(Frontier.closed());
        }
        assertThatThrownBy(() -> new RowDataSinkWriter(inner, EPOCHS, settings, -1, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Cannot write to collection rows: it is closed");
    }

    @Test
    void aRowtimeTableUsesTheRowtimeAndThePipelinesWatermarks() throws Exception {
        try (RowDataSinkWriter writer = new RowDataSinkWriter(inner, ROWTIME, settings, -1, 4)) {
            writer.write(row(RowKind.INSERT, 1, "a", 1_500), CONTEXT);
            writer.writeWatermark(new Watermark(1_499));
            writer.prepareCommit();
            assertThat(writer.snapshotState(1)).isEmpty();
            assertThatThrownBy(() -> writer.write(row(RowKind.INSERT, 2, "b", -1), CONTEXT))
                    .hasMessageContaining("its rowtime column 'ts' is before 1970-01-01 00:00:00");
            GenericRowData noTime = GenericRowData.of(3, StringData.fromString("c"), null);
            assertThatThrownBy(() -> writer.write(noTime, CONTEXT))
                    .hasMessageContaining("its rowtime column 'ts' is null");
        }
        assertThat(inner.events)
                .containsExactly("write@1500", "watermark 1499", "prepareCommit", "close");
    }
}
