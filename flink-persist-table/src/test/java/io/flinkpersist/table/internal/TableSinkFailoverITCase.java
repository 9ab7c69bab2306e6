package io.flinkpersist.table.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.sink.PersistSink;
import io.flinkpersist.state.CollectionState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table sink across a failure: a changelog of inserts and deletes, written with commit epochs,
 * fails once halfway and restarts from its last checkpoint (restoring the writers' epochs and
 * replaying the last commit); the collection then holds exactly the changelog's net rows, and no
 * row was late.
 */
class TableSinkFailoverITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    private static final int N = 30_000;
    private static final RowType TYPE =
            RowType.of(
                    new LogicalType[] {
                        DataTypes.INT().getLogicalType(), DataTypes.STRING().getLogicalType()
                    },
                    new String[] {"k", "v"});

    @TempDir Path dir;

    /** Row {@code i}: every fourth retracts the row before it. */
    static GenericRowData row(long i) {
        long source = i % 4 == 3 ? i - 1 : i;
        GenericRowData r =
                GenericRowData.of((int) (source % 700), StringData.fromString("v" + (source % 5)));
        r.setRowKind(i % 4 == 3 ? RowKind.DELETE : RowKind.INSERT);
        return r;
    }

    /**
     * Emits the rows, slowly enough for several checkpoints, and fails once halfway in the first
     * attempt.
     */
    private static final class FailingOnce extends RichMapFunction<Long, RowData> {
        @Override
        public RowData map(Long i) throws Exception {
            if (i % 1000 == 0) {
                Thread.sleep(40);
            }
            if (i == N / 2 && getRuntimeContext().getTaskInfo().getAttemptNumber() == 0) {
                throw new IllegalStateException("Injected failure at row " + i);
            }
            return row(i);
        }
    }

    @Test
    void aRestartedJobWritesExactlyTheNetRows() throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(100);
        RowLayout layout = RowLayout.of(TYPE, new int[0], Optional.empty());
        PersistSink<RowData> sink =
                PersistSink.<byte[], byte[]>builder()
                        .location(dir.toString())
                        .collection("failover")
                        .keyCodec(Codecs.bytes())
                        .valueCodec(Codecs.bytes())
                        .bufferSize(256 << 10)
                        .historyRetention(1_000_000L) // keep times apart, to check each row's
                        .timeFromCommitEpochs()
                        .build(new RowDataSerializer(layout));
        env.fromSequence(0, N - 1)
                .map(new FailingOnce())
                .returns(InternalTypeInfo.of(TYPE))
                .sinkTo(sink);
        env.execute("table sink failover");

        Map<String, Long> expected = new TreeMap<>();
        for (long i = 0; i < N; i++) {
            GenericRowData r = row(i);
            expected.merge(
                    r.getInt(0) + "|" + r.getString(1),
                    r.getRowKind() == RowKind.INSERT ? 1L : -1L,
                    Long::sum);
        }
        expected.values().removeIf(d -> d == 0);

        Map<String, Long> actual = new TreeMap<>();
        try (PersistCollection c = PersistCollection.open(dir, "failover");
                UpdateCursor cursor = c.snapshot().readConsolidated()) {
            CollectionState state = c.state();
            state.validate();
            // Every commit sealed its epoch, the last one included: every row is complete.
            assertThat(state.seal().isClosed()).isFalse();
            assertThat(state.seal().time()).isGreaterThan(2);
            while (cursor.advance()) {
                RowData r = layout.decode(cursor.key(), cursor.value());
                assertThat(cursor.time()).isLessThan(state.seal().time());
                actual.merge(r.getInt(0) + "|" + r.getString(1), cursor.diff(), Long::sum);
            }
        }
        actual.values().removeIf(d -> d == 0);
        assertThat(actual).isEqualTo(expected);
    }
}
