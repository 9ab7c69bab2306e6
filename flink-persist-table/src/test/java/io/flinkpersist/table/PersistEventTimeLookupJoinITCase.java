package io.flinkpersist.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.table.internal.RowLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event-time lookup join: with {@code lookup.as-of-column}, each probe sees the dimension table
 * as of its own time, answered once that time is sealed (one probe's time is sealed only while the
 * job runs). Run twice, and once with a task failure, the answers are the same, and equal to the
 * join of each probe with the table as of its time.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PersistEventTimeLookupJoinITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @TempDir Path dir;

    /** Answers by run and probe id (several per id when a failure replays a probe). */
    static final Map<String, Map<Integer, Set<String>>> ANSWERS = new ConcurrentHashMap<>();

    /** Fails the first time it sees probe 4 in a run that asks for a failure. */
    public static final class FailOnce extends ScalarFunction {
        static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();

        public Integer eval(Integer id, String run) {
            if (run.startsWith("fail") && id == 4) {
                if (FAILURES.computeIfAbsent(run, r -> new AtomicInteger()).getAndIncrement()
                        == 0) {
                    throw new IllegalStateException("Injected failure at probe " + id);
                }
            }
            return id;
        }
    }

    private static final String TABLE =
            "CREATE TABLE rates (currency STRING, rate DOUBLE, valid_at BIGINT,"
                    + " PRIMARY KEY (currency) NOT ENFORCED) WITH ('connector' = 'persist',"
                    + " 'location' = '%s', 'collection' = 'rates', 'lookup.as-of-column' = 'valid_at',"
                    + " 'lookup.refresh-interval' = '50 ms'%s)";

    private static final String PROBES =
            "CREATE TEMPORARY VIEW probes AS SELECT id, currency, t, PROCTIME() AS pt FROM (VALUES"
                    + " (1, 'EUR', CAST(500 AS BIGINT)), (2, 'EUR', CAST(1000 AS BIGINT)),"
                    + " (3, 'EUR', CAST(2999 AS BIGINT)), (4, 'EUR', CAST(3000 AS BIGINT)),"
                    + " (5, 'USD', CAST(2500 AS BIGINT)), (6, 'GBP', CAST(2500 AS BIGINT)),"
                    + " (7, 'EUR', CAST(12000 AS BIGINT))) AS p (id, currency, t)";

    /** The table: EUR 1.00 from 1000, 1.10 from 3000 (and 1.20 from 11000); USD 2.00 from 2000. */
    private void write() throws Exception {
        RowType type =
                (RowType)
                        DataTypes.ROW(
                                        DataTypes.FIELD("currency", DataTypes.STRING()),
                                        DataTypes.FIELD("rate", DataTypes.DOUBLE()),
                                        DataTypes.FIELD("valid_at", DataTypes.BIGINT()))
                                .getLogicalType();
        RowLayout layout = RowLayout.of(type, new int[] {0}, Optional.empty());
        try (PersistCollection c =
                PersistCollection.open(dir.toString(), "rates", CollectionConfig.defaults())) {
            c.append(
                    List.of(
                            update(layout, "EUR", 1.00, 1000, 1000, 1),
                            update(layout, "USD", 2.00, 2000, 2000, 1),
                            update(layout, "EUR", 1.00, 1000, 3000, -1),
                            update(layout, "EUR", 1.10, 3000, 3000, 1),
                            update(layout, "EUR", 1.10, 3000, 11000, -1),
                            update(layout, "EUR", 1.20, 11000, 11000, 1)),
                    io.flinkpersist.Codecs.preEncoded(layout.keyCodec().schemaName()),
                    io.flinkpersist.Codecs.preEncoded(layout.valueCodec().schemaName()));
            c.seal(10_000);
        }
    }

    private static Update<byte[], byte[]> update(
            RowLayout layout, String currency, double rate, long validAt, long time, long diff) {
        GenericRowData row = GenericRowData.of(StringData.fromString(currency), rate, validAt);
        return Update.of(
                layout.keyCodec().encode(row), layout.valueCodec().encode(row), time, diff);
    }

    private Map<Integer, Set<String>> run(String run, boolean async) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(50));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.executeSql(String.format(TABLE, dir, async ? ", 'lookup.async' = 'true'" : ""));
        tables.executeSql(PROBES);
        tables.createTemporarySystemFunction("fail_once", FailOnce.class);
        ANSWERS.put(run, new ConcurrentHashMap<>());
        tables.toDataStream(
                        tables.sqlQuery(
                                "SELECT fail_once(p.id, '"
                                        + run
                                        + "'), r.rate, r.valid_at FROM probes AS p"
                                        + " LEFT JOIN rates FOR SYSTEM_TIME AS OF p.pt AS r"
                                        + " ON r.currency = p.currency AND r.valid_at = p.t"))
                .sinkTo(new Record(run));
        env.execute("event-time lookup join " + run);
        return new TreeMap<>(ANSWERS.remove(run));
    }

    /** Keeps every answer, by probe id. */
    private static final class Record implements Sink<Row> {
        private static final long serialVersionUID = 1L;
        private final String run;

        Record(String run) {
            this.run = run;
        }

        @Override
        public SinkWriter<Row> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(Row row, Context context) {
                    ANSWERS.get(run)
                            .computeIfAbsent((Integer) row.getField(0), id -> new TreeSet<>())
                            .add(row.getField(1) + "@" + row.getField(2));
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    @Test
    void eachProbeSeesTheTableAsOfItsTimeTheSameOnEveryRun() throws Exception {
        write();
        Map<Integer, Set<String>> expected = new TreeMap<>();
        expected.put(1, Set.of("null@null"));
        expected.put(2, Set.of("1.0@1000"));
        expected.put(3, Set.of("1.0@2999"));
        expected.put(4, Set.of("1.1@3000"));
        expected.put(5, Set.of("2.0@2500"));
        expected.put(6, Set.of("null@null"));
        expected.put(7, Set.of("1.2@12000"));
        // Probe 7's time is sealed only after a while, while the jobs wait for it.
        Thread sealer =
                new Thread(
                        () -> {
                            try {
                                Thread.sleep(2_000);
                                try (PersistCollection c =
                                        PersistCollection.openExisting(dir, "rates")) {
                                    c.seal(20_000);
                                }
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        });
        sealer.start();
        assertThat(run("first", false)).isEqualTo(expected);
        sealer.join();
        assertThat(run("second", true)).isEqualTo(expected);
        assertThat(run("fail-sync", false)).isEqualTo(expected);
        assertThat(FailOnce.FAILURES.get("fail-sync").get())
                .as("probe 4 seen by the failing run, once failing")
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void anAsOfTimeBeforeSinceFailsNamingBothTimes() throws Exception {
        write();
        try (PersistCollection c = PersistCollection.openExisting(dir, "rates")) {
            c.seal(20_000);
            c.allowCompaction(2000);
        }
        assertThatThrownBy(() -> run("since", false))
                .rootCause()
                .hasMessageContaining("as of time 500: it is before since {2000}");
    }

    @Test
    void aFullCacheIsRefusedForAnAsOfLookupAtPlanning() throws Exception {
        write();
        StreamTableEnvironment tables =
                StreamTableEnvironment.create(StreamExecutionEnvironment.getExecutionEnvironment());
        tables.executeSql(String.format(TABLE, dir, ", 'lookup.cache' = 'FULL'"));
        tables.executeSql(PROBES);
        assertThatThrownBy(
                        () ->
                                tables.explainSql(
                                        "SELECT r.rate FROM probes AS p"
                                                + " JOIN rates FOR SYSTEM_TIME AS OF p.pt AS r"
                                                + " ON r.currency = p.currency AND r.valid_at = p.t"))
                .hasStackTraceContaining(
                        "a FULL cache holds only the latest state; use lookup.cache NONE or PARTIAL");
    }
}
