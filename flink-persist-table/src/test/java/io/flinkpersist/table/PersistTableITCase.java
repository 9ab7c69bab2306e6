package io.flinkpersist.table;

import static io.flinkpersist.table.TableTestSupport.batch;
import static io.flinkpersist.table.TableTestSupport.collect;
import static io.flinkpersist.table.TableTestSupport.messages;
import static io.flinkpersist.table.TableTestSupport.multiset;
import static io.flinkpersist.table.TableTestSupport.streaming;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.ExplainDetail;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQL round trips on a MiniCluster: an aggregation whose changelog has updates and deletes is
 * written with {@code INSERT INTO} a persist table and read back, in batch and in streaming mode,
 * as exactly the rows the query gives when run directly; rowtime tables store the rowtime and read
 * as of a time; bad options and types fail naming what is wrong.
 */
class PersistTableITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

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
        writer.executeSql(persistTable(
                "per_customer", "customer STRING, orders BIGINT, total DECIMAL(38, 2), last_id BIGINT, PRIMARY KEY (customer) NOT ENFORCED", ""));
        writer.executeSql(persistTable("histogram", "orders BIGINT, customers BIGINT", ""));

        StatementSet inserts = writer.createStatementSet();
        inserts.addInsertSql("INSERT INTO per_customer " + PER_CUSTOMER);
        inserts.addInsertSql("INSERT INTO histogram " + HISTOGRAM);
        // What reaches the sinks: retracting updates (a customer leaving the HAVING range is a
        // retraction without its update-after) and, for the histogram, deletes.
        String plan = inserts.explain(ExplainDetail.CHANGELOG_MODE);
        assertThat(plan)
                .containsPattern("Sink\\(table=\\[default_catalog.default_database.per_customer\\][^\\n]*\\n\\+- [^\\n]*changelogMode=\\[I,UB,UA\\]")
                .containsPattern("Sink\\(table=\\[default_catalog.default_database.histogram\\][^\\n]*\\n\\+- [^\\n]*changelogMode=\\[I,UB,UA,D\\]");
        inserts.execute().await();

        TableEnvironment direct = batch();
        direct.executeSql(ORDERS);
        Map<String, Integer> expectedPerCustomer = multiset(collect(direct.executeSql(PER_CUSTOMER)));
        Map<String, Integer> expectedHistogram = multiset(collect(direct.executeSql(HISTOGRAM)));
        assertThat(expectedPerCustomer).hasSizeGreaterThan(100);
        assertThat(expectedHistogram).hasSizeGreaterThan(5);

        for (TableEnvironment reader : List.of(batch(), streaming())) {
            reader.executeSql(persistTable(
                    "per_customer", "customer STRING, orders BIGINT, total DECIMAL(38, 2), last_id BIGINT, PRIMARY KEY (customer) NOT ENFORCED", ""));
            reader.executeSql(persistTable("histogram", "orders BIGINT, customers BIGINT", ""));
            assertThat(multiset(collect(reader.executeSql("SELECT * FROM per_customer")))).isEqualTo(expectedPerCustomer);
            assertThat(multiset(collect(reader.executeSql("SELECT * FROM histogram")))).isEqualTo(expectedHistogram);
        }
    }

    @Test
    void badOptionsFailNamingTheOption() {
        TableEnvironment env = batch();
        env.executeSql(persistTable("t1", "k INT, v STRING", ", 'sink.buffer-size' = 'lots'"));
        assertThatThrownBy(() -> env.executeSql("INSERT INTO t1 VALUES (1, 'a')").await())
                .satisfies(e -> assertThat(messages(e)).contains("Invalid value for option 'sink.buffer-size'"));

        env.executeSql(persistTable("t2", "k INT, v STRING", ", 'scan.mode' = 'sometimes'"));
        assertThatThrownBy(() -> env.executeSql("SELECT * FROM t2"))
                .satisfies(e -> assertThat(messages(e)).contains("Invalid value for option 'scan.mode'"));

        env.executeSql(persistTable("t3", "k INT, v STRING", ", 'scan.moed' = 'continuous'"));
        assertThatThrownBy(() -> env.executeSql("SELECT * FROM t3"))
                .satisfies(e -> assertThat(messages(e)).contains("Unsupported options").contains("scan.moed"));

        env.executeSql(persistTable("t4", "k INT, v STRING", ", 'sink.buffer-size' = '1 kb'"));
        assertThatThrownBy(() -> env.executeSql("INSERT INTO t4 VALUES (1, 'a')").await())
                .satisfies(e -> assertThat(messages(e))
                        .contains("Invalid value for option 'sink.buffer-size': must be at least 64 kb (was 1024 bytes)"));

        env.executeSql("CREATE TABLE t5 (k INT) WITH ('connector' = 'persist', 'collection' = 'c')");
        assertThatThrownBy(() -> env.executeSql("SELECT * FROM t5"))
                .satisfies(e -> assertThat(messages(e)).contains("Missing required options are:").contains("location"));

        env.executeSql(persistTable("t6", "k INT, tags ARRAY<STRING>", ""));
        assertThatThrownBy(() -> env.executeSql("INSERT INTO t6 VALUES (1, ARRAY['x'])").await())
                .satisfies(e -> assertThat(messages(e)).contains("Cannot store column 'tags' of type ARRAY<STRING>"));
    }
}
