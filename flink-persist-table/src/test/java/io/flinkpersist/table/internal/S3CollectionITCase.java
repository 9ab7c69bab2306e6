package io.flinkpersist.table.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.cli.Main;
import io.flinkpersist.sink.PersistSink;
import io.flinkpersist.source.PersistSource;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.testing.TestingS3Server;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A collection on S3, end to end, against a real S3 API server ({@link TestingS3Server}): a job
 * writes 200,000 inserts and deletes through {@link PersistSink} to an {@code s3a://} location
 * while its tasks fail six times (each restart replays from the last checkpoint); then the
 * collection is read back through {@link PersistSource} and through SQL, and both must hold exactly
 * the net rows, nothing lost and nothing doubled; {@code bin/persist validate} on the location
 * exits 0. Every component reaches the server through the Hadoop configuration a deployment uses
 * (the test's {@code core-site.xml}), nothing is passed in code.
 */
class S3CollectionITCase {

    @RegisterExtension static final TestingS3Server.Extension S3 = new TestingS3Server.Extension();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    private static final long N = 200_000;
    private static final String COLLECTION = "updates";

    private static final RowType TYPE =
            RowType.of(
                    new LogicalType[] {
                        DataTypes.BIGINT().notNull().getLogicalType(),
                        DataTypes.STRING().getLogicalType()
                    },
                    new String[] {"k", "v"});

    private static final RowLayout LAYOUT = RowLayout.of(TYPE, new int[] {0}, Optional.empty());

    /**
     * The records at which a task fails, once each: three in each half of the sequence (each of the
     * two source readers reads one half), staggered so that the two halves fail at different
     * moments and every failure is a restart of its own.
     */
    private static final Set<Long> FAILURE_POINTS =
            Set.of(
                    N / 2 * 15 / 100,
                    N / 2 * 45 / 100,
                    N / 2 * 75 / 100,
                    N / 2 + N / 2 * 30 / 100,
                    N / 2 + N / 2 * 60 / 100,
                    N / 2 + N / 2 * 90 / 100);

    /**
     * The failure points passed so far, by run; tasks run in this JVM and find theirs by run id.
     */
    private static final Map<String, Set<Long>> FAILED = new ConcurrentHashMap<>();

    /** The highest task attempt seen, by run: restarts. */
    private static final Map<String, AtomicInteger> ATTEMPTS = new ConcurrentHashMap<>();

    private final String run = UUID.randomUUID().toString();

    @AfterEach
    void forgetRun() {
        FAILED.remove(run);
        ATTEMPTS.remove(run);
    }

    /**
     * Row {@code i}: an insert of key {@code i}, except that every fourth deletes the one before.
     */
    static GenericRowData row(long i) {
        long key = i % 4 == 3 ? i - 1 : i;
        GenericRowData r = GenericRowData.of(key, StringData.fromString("v" + key % 97));
        r.setRowKind(i % 4 == 3 ? RowKind.DELETE : RowKind.INSERT);
        return r;
    }

    /**
     * Emits row {@code i}, slowly enough for checkpoints to pass between failures, and fails at
     * each of the {@link #FAILURE_POINTS} the first time it gets there.
     */
    private static final class FailingRows extends RichMapFunction<Long, RowData> {
        private final String run;

        FailingRows(String run) {
            this.run = run;
        }

        @Override
        public RowData map(Long i) throws Exception {
            if (i % 500 == 0) {
                Thread.sleep(5);
            }
            ATTEMPTS.get(run)
                    .accumulateAndGet(
                            getRuntimeContext().getTaskInfo().getAttemptNumber(), Math::max);
            if (FAILURE_POINTS.contains(i) && FAILED.get(run).add(i)) {
                throw new IllegalStateException("Injected failure at row " + i);
            }
            return row(i);
        }
    }

    @Test
    void aJobWithTaskFailuresWritesExactlyTheNetRowsToS3() throws Exception {
        String location = "s3a://" + S3.server().createBucket() + "/persist";
        FAILED.put(run, ConcurrentHashMap.newKeySet());
        ATTEMPTS.put(run, new AtomicInteger());

        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(50));
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(150));
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, Integer.MAX_VALUE);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        PersistSink<RowData> sink =
                PersistSink.<byte[], byte[]>builder()
                        .location(location)
                        .collection(COLLECTION)
                        .keyCodec(Codecs.preEncoded(LAYOUT.keyCodec().schemaName()))
                        .valueCodec(Codecs.preEncoded(LAYOUT.valueCodec().schemaName()))
                        .bufferSize(512 << 10)
                        .timeFromCommitEpochs()
                        .build(new RowDataSerializer(LAYOUT));
        env.fromSequence(0, N - 1)
                .map(new FailingRows(run))
                .returns(InternalTypeInfo.of(TYPE))
                .sinkTo(sink);
        long start = System.nanoTime();
        env.execute("persist on s3");
        long writeMillis = (System.nanoTime() - start) / 1_000_000;

        Map<String, Long> expected = new HashMap<>();
        for (long i = 0; i < N; i++) {
            GenericRowData r = row(i);
            expected.merge(
                    r.getLong(0) + "|" + r.getString(1),
                    r.getRowKind() == RowKind.INSERT ? 1L : -1L,
                    Long::sum);
        }
        expected.values().removeIf(d -> d == 0);

        Map<String, Long> streamed = readThroughTheSource(location);
        Map<String, Long> selected = readThroughSql(location);
        CollectionState state;
        try (PersistCollection c =
                PersistCollection.openExisting(location, COLLECTION, CollectionConfig.defaults())) {
            state = c.refresh();
            state.validate();
        }
        System.out.printf(
                "S3: %d updates, %d task failures, %d restarts, written in %d ms; %d net rows;"
                        + " state %s%n",
                N,
                FAILED.get(run).size(),
                ATTEMPTS.get(run).get(),
                writeMillis,
                expected.size(),
                state);

        assertThat(FAILED.get(run)).as("task failures injected").hasSize(FAILURE_POINTS.size());
        assertThat(ATTEMPTS.get(run).get()).as("restarts").isGreaterThanOrEqualTo(5);
        assertThat(expected).hasSize((int) (N / 2));
        assertThat(streamed).as("read through PersistSource").isEqualTo(expected);
        assertThat(selected).as("read through SQL").isEqualTo(expected);
        assertThat(state.writers()).as("one sink id, kept across restores").hasSize(1);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit =
                Main.run(
                        new String[] {"validate", "--progress", "off", location, COLLECTION},
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit)
                .as(
                        "bin/persist validate; it printed:%n%s%s",
                        out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8))
                .isZero();
    }

    /** A consolidated snapshot read: net diff per (key, value). */
    private static Map<String, Long> readThroughTheSource(String location) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        PersistSource<Update<byte[], byte[]>> source =
                PersistSource.<byte[], byte[]>builder()
                        .location(location)
                        .collection(COLLECTION)
                        .keyCodec(Codecs.preEncoded(LAYOUT.keyCodec().schemaName()))
                        .valueCodec(Codecs.preEncoded(LAYOUT.valueCodec().schemaName()))
                        .consolidated(true)
                        .build();
        Map<String, Long> net = new HashMap<>();
        try (CloseableIterator<Update<byte[], byte[]>> it =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "read")
                        .executeAndCollect("read from s3")) {
            while (it.hasNext()) {
                Update<byte[], byte[]> u = it.next();
                GenericRowData r = LAYOUT.decode(u.key(), u.value());
                net.merge(r.getLong(0) + "|" + r.getString(1), u.diff(), Long::sum);
            }
        }
        net.values().removeIf(d -> d == 0);
        return net;
    }

    /** {@code SELECT k, v} of a SQL table over the collection: each row once per occurrence. */
    private static Map<String, Long> readThroughSql(String location) throws Exception {
        TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inBatchMode());
        env.executeSql(
                "CREATE TABLE updates (k BIGINT NOT NULL, v STRING, PRIMARY KEY (k) NOT ENFORCED)"
                        + " WITH ('connector' = 'persist', 'location' = '"
                        + location
                        + "', 'collection' = '"
                        + COLLECTION
                        + "')");
        Map<String, Long> rows = new HashMap<>();
        try (CloseableIterator<Row> it = env.executeSql("SELECT k, v FROM updates").collect()) {
            while (it.hasNext()) {
                Row r = it.next();
                assertThat(r.getKind()).isEqualTo(RowKind.INSERT);
                rows.merge(r.getField(0) + "|" + r.getField(1), 1L, Long::sum);
            }
        }
        return rows;
    }
}
