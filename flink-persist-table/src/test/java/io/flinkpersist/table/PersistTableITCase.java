package io.flinkpersist.table;

import static io.flinkpersist.table.TableTestSupport.awaitNoReaders;
import static io.flinkpersist.table.TableTestSupport.batch;
import static io.flinkpersist.table.TableTestSupport.collect;
import static io.flinkpersist.table.TableTestSupport.messages;
import static io.flinkpersist.table.TableTestSupport.multiset;
import static io.flinkpersist.table.TableTestSupport.streaming;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.table.internal.RowFieldsCodec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.ExplainDetail;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQL round trips on a MiniCluster: an aggregation whose changelog has updates and deletes is
 * written with {@code INSERT INTO} a persist table and read back, in batch and in streaming mode,
 * as exactly the rows the query gives when run directly; rowtime tables store the rowtime and read
 * as of a time; bad options and types fail naming what is wrong.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PersistTableITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @TempDir Path dir;

    /**
     * 4000 orders of 500 customers; customer {@code k} places about {@code 0.032 k} of them, so
     * counts spread from 0 to 16. A customer appears in the per-customer result at its third order,
     * is updated with each further one, and leaves it at its eighth.
     */
    private static final String ORDERS =
            "CREATE TEMPORARY TABLE orders ("
                    + " id BIGINT,"
                    + " customer AS CONCAT('c-', CAST(CAST(FLOOR(SQRT(CAST(MOD(id * 7919, 250000) AS DOUBLE))) AS INT) AS STRING)),"
                    + " amount AS CAST(MOD(id * 37, 1000) AS DECIMAL(10, 2)) / 10"
                    + ") WITH ("
                    + " 'connector' = 'datagen', 'rows-per-second' = '4000', 'number-of-rows' = '4000',"
                    + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4000')";

    private static final String PER_CUSTOMER =
            "SELECT customer, COUNT(*) AS orders, CAST(SUM(amount) AS DECIMAL(38, 2)) AS total, MAX(id) AS last_id"
                    + " FROM orders GROUP BY customer HAVING COUNT(*) BETWEEN 3 AND 7";

    /** How many customers have each number of orders: counts rise and fall as customers move up. */
    private static final String HISTOGRAM =
            "SELECT orders, COUNT(*) AS customers FROM (SELECT customer, COUNT(*) AS orders FROM orders GROUP BY customer)"
                    + " GROUP BY orders";

    private String persistTable(String name, String columns, String extraOptions) {
        return "CREATE TABLE "
                + name
                + " ("
                + columns
                + ") WITH ('connector' = 'persist', 'location' = '"
                + dir
                + "', 'collection' = '"
                + name
                + "'"
                + extraOptions
                + ")";
    }

    @Test
    void anAggregateWithUpdatesAndDeletesReadsBackAsTheQueryInBatchAndStreaming() throws Exception {
        TableEnvironment writer = streaming();
        writer.executeSql(ORDERS);
        writer.executeSql(
                persistTable(
                        "per_customer",
                        "customer STRING, orders BIGINT, total DECIMAL(38, 2), last_id BIGINT, PRIMARY KEY (customer) NOT ENFORCED",
                        ""));
        writer.executeSql(persistTable("histogram", "orders BIGINT, customers BIGINT", ""));

        StatementSet inserts = writer.createStatementSet();
        inserts.addInsertSql("INSERT INTO per_customer " + PER_CUSTOMER);
        inserts.addInsertSql("INSERT INTO histogram " + HISTOGRAM);
        // What reaches the sinks: retracting updates (a customer leaving the HAVING range is a
        // retraction without its update-after) and, for the histogram, deletes.
        String plan = inserts.explain(ExplainDetail.CHANGELOG_MODE);
        assertThat(plan)
                .containsPattern(
                        "Sink\\(table=\\[default_catalog.default_database.per_customer\\][^\\n]*\\n\\+- [^\\n]*changelogMode=\\[I,UB,UA\\]")
                .containsPattern(
                        "Sink\\(table=\\[default_catalog.default_database.histogram\\][^\\n]*\\n\\+- [^\\n]*changelogMode=\\[I,UB,UA,D\\]");
        inserts.execute().await();

        TableEnvironment direct = batch();
        direct.executeSql(ORDERS);
        Map<String, Integer> expectedPerCustomer =
                multiset(collect(direct.executeSql(PER_CUSTOMER)));
        Map<String, Integer> expectedHistogram = multiset(collect(direct.executeSql(HISTOGRAM)));
        assertThat(expectedPerCustomer).hasSizeGreaterThan(100);
        assertThat(expectedHistogram).hasSizeGreaterThan(5);

        for (TableEnvironment reader : List.of(batch(), streaming())) {
            reader.executeSql(
                    persistTable(
                            "per_customer",
                            "customer STRING, orders BIGINT, total DECIMAL(38, 2), last_id BIGINT, PRIMARY KEY (customer) NOT ENFORCED",
                            ""));
            reader.executeSql(persistTable("histogram", "orders BIGINT, customers BIGINT", ""));
            assertThat(multiset(collect(reader.executeSql("SELECT * FROM per_customer"))))
                    .isEqualTo(expectedPerCustomer);
            assertThat(multiset(collect(reader.executeSql("SELECT * FROM histogram"))))
                    .isEqualTo(expectedHistogram);
        }
        awaitNoReaders(dir, "per_customer", "histogram");
    }

    @Test
    void aContinuousScanDeliversChangesWrittenAfterItStarted() throws Exception {
        String columns = "id INT, name STRING, score DOUBLE, PRIMARY KEY (id) NOT ENFORCED";
        TableEnvironment first = batch();
        first.executeSql(persistTable("scores", columns, ""));
        first.executeSql(
                        "INSERT INTO scores VALUES (1, 'ann', 1.5), (2, 'bob', 2.5), (3, 'cid', 3.5)")
                .await();

        // No checkpoints in the reading job: its collect sink then hands rows over at once. Two of
        // the cluster's four slots, so that the writing job below can run next to it.
        TableEnvironment reader = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        reader.getConfig().set(CoreOptions.DEFAULT_PARALLELISM, 2);
        reader.executeSql(
                persistTable(
                        "scores",
                        columns,
                        ", 'scan.mode' = 'continuous', 'scan.poll-interval' = '50 ms'"));
        BlockingQueue<Row> received = new LinkedBlockingQueue<>();
        TableResult following = reader.executeSql("SELECT * FROM scores");
        CloseableIterator<Row> rows = following.collect();
        Thread collector =
                new Thread(
                        () -> {
                            try {
                                rows.forEachRemaining(received::add);
                            } catch (RuntimeException e) {
                                // The iterator fails once the job is cancelled at the end of the
                                // test.
                            }
                        },
                        "collect-continuous-scan");
        collector.setDaemon(true);
        collector.start();
        try {
            assertThat(multiset(take(received, 3)))
                    .isEqualTo(
                            multiset(
                                    List.of(
                                            Row.of(1, "ann", 1.5),
                                            Row.of(2, "bob", 2.5),
                                            Row.of(3, "cid", 3.5))));

            // Later, another job updates bob, deletes cid and inserts dan, as a changelog.
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            env.enableCheckpointing(100);
            StreamTableEnvironment writer = StreamTableEnvironment.create(env);
            writer.executeSql(persistTable("scores", columns, ""));
            DataStream<Row> changes =
                    env.fromData(
                            List.of(
                                    Row.ofKind(RowKind.UPDATE_BEFORE, 2, "bob", 2.5),
                                    Row.ofKind(RowKind.UPDATE_AFTER, 2, "bob", 9.0),
                                    Row.ofKind(RowKind.DELETE, 3, "cid", 3.5),
                                    Row.ofKind(RowKind.INSERT, 4, "dan", 4.5)),
                            Types.ROW_NAMED(
                                    new String[] {"id", "name", "score"},
                                    Types.INT,
                                    Types.STRING,
                                    Types.DOUBLE));
            writer.fromChangelogStream(
                            changes,
                            Schema.newBuilder().primaryKey("id").build(),
                            ChangelogMode.all())
                    .executeInsert("scores")
                    .await();

            // The scan follows: the update arrives as a delete and an insert.
            assertThat(multiset(take(received, 4)))
                    .isEqualTo(
                            multiset(
                                    List.of(
                                            Row.ofKind(RowKind.DELETE, 2, "bob", 2.5),
                                            Row.ofKind(RowKind.INSERT, 2, "bob", 9.0),
                                            Row.ofKind(RowKind.DELETE, 3, "cid", 3.5),
                                            Row.ofKind(RowKind.INSERT, 4, "dan", 4.5))));
        } finally {
            rows.close();
        }
        assertThat(received).isEmpty();
        awaitNoReaders(dir, "scores");
    }

    /** The next {@code n} rows of a continuous scan, waiting up to a minute. */
    private static List<Row> take(BlockingQueue<Row> queue, int n) throws InterruptedException {
        List<Row> rows = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (rows.size() < n) {
            Row r = queue.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (r == null) {
                throw new AssertionError(
                        "A continuous scan delivered only "
                                + rows
                                + " within a minute, expected "
                                + n
                                + " rows");
            }
            rows.add(r);
        }
        return rows;
    }

    @Test
    void aRowtimeTableStoresRowsAtTheirRowtimeAndReadsAsOfATime() throws Exception {
        String columns =
                "id BIGINT, label STRING, ts TIMESTAMP_LTZ(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND, PRIMARY KEY (id) NOT ENFORCED";
        String keepHistory =
                ", 'sink.history-retention' = '1000000000', 'sink.close-on-end-of-input' = 'true'";
        TableEnvironment writer = streaming();
        writer.executeSql(
                "CREATE TEMPORARY TABLE events (id BIGINT, label AS CONCAT('e', CAST(id AS STRING)),"
                        + " ts AS TO_TIMESTAMP_LTZ(id * 1000, 3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)"
                        + " WITH ('connector' = 'datagen', 'number-of-rows' = '2000',"
                        + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '2000')");
        writer.executeSql(persistTable("events_by_time", columns, keepHistory));
        writer.executeSql("INSERT INTO events_by_time SELECT id, label, ts FROM events").await();

        // Each row is stored at its rowtime in epoch milliseconds; the end of the input closed the
        // collection.
        try (PersistCollection c =
                        PersistCollection.open(
                                dir.toString(), "events_by_time", CollectionConfig.defaults());
                UpdateCursor cursor = c.snapshot().readConsolidated()) {
            assertThat(c.state().seal()).isEqualTo(Frontier.closed());
            RowFieldsCodec key =
                    RowFieldsCodec.ordered(
                            RowType.of(DataTypes.BIGINT().getLogicalType()), new int[] {0});
            int n = 0;
            while (cursor.advance()) {
                long id = key.decode(cursor.key()).getLong(0);
                assertThat(cursor.time()).isEqualTo(id * 1000);
                assertThat(cursor.diff()).isEqualTo(1);
                n++;
            }
            assertThat(n).isEqualTo(2000);
        }

        TableEnvironment reader = batch();
        reader.executeSql(
                persistTable("events_by_time", columns, keepHistory + ", 'scan.as-of' = '500000'"));
        List<Row> asOf = collect(reader.executeSql("SELECT id FROM events_by_time"));
        assertThat(asOf).hasSize(500);
        assertThat(asOf.stream().mapToLong(r -> (Long) r.getField(0)).max().getAsLong())
                .isEqualTo(500);
        awaitNoReaders(dir, "events_by_time");

        // A continuous scan passes the seal's watermarks on to a rowtime declared from them.
        TableEnvironment follower = streaming();
        follower.executeSql(
                persistTable(
                        "events_by_time",
                        "id BIGINT, label STRING, ts TIMESTAMP_LTZ(3), WATERMARK FOR ts AS SOURCE_WATERMARK()",
                        ", 'scan.mode' = 'continuous'"));
        String plan = follower.explainSql("SELECT * FROM events_by_time");
        String optimized = plan.substring(plan.indexOf("== Optimized Physical Plan =="));
        assertThat(optimized)
                .contains(
                        "TableSourceScan(table=[[default_catalog, default_database, events_by_time, watermark=[SOURCE_WATERMARK()]]]")
                .doesNotContain("WatermarkAssigner");
    }

    @Test
    void badOptionsFailNamingTheOption() {
        TableEnvironment env = batch();
        env.executeSql(persistTable("t1", "k INT, v STRING", ", 'sink.buffer-size' = 'lots'"));
        assertThatThrownBy(() -> env.executeSql("INSERT INTO t1 VALUES (1, 'a')").await())
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains("Invalid value for option 'sink.buffer-size'"));

        env.executeSql(persistTable("t2", "k INT, v STRING", ", 'scan.mode' = 'sometimes'"));
        assertThatThrownBy(() -> env.executeSql("SELECT * FROM t2"))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains("Invalid value for option 'scan.mode'"));

        env.executeSql(persistTable("t3", "k INT, v STRING", ", 'scan.moed' = 'continuous'"));
        assertThatThrownBy(() -> env.executeSql("SELECT * FROM t3"))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains("Unsupported options")
                                        .contains("scan.moed"));

        env.executeSql(persistTable("t4", "k INT, v STRING", ", 'sink.buffer-size' = '1 kb'"));
        assertThatThrownBy(() -> env.executeSql("INSERT INTO t4 VALUES (1, 'a')").await())
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains(
                                                "Invalid value for option 'sink.buffer-size': must be at least 64 kb (was 1024 bytes)"));

        env.executeSql(
                "CREATE TABLE t5 (k INT) WITH ('connector' = 'persist', 'collection' = 'c')");
        assertThatThrownBy(() -> env.executeSql("SELECT * FROM t5"))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains("Missing required options are:")
                                        .contains("location"));

        env.executeSql(persistTable("t6", "k INT, tags ARRAY<STRING>", ""));
        assertThatThrownBy(() -> env.executeSql("INSERT INTO t6 VALUES (1, ARRAY['x'])").await())
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains(
                                                "Cannot store column 'tags' of type ARRAY<STRING>"));
    }
}
