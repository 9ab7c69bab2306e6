package io.flinkpersist.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.ReadCounters;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a pushed-down query reads, counted (row groups decoded, batch files opened), over a
 * collection of 100,000 rows in small row groups: a compacted trace batch and a level-0 batch of
 * later updates.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PushDownCountingITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final int ROWS = 100_000;

    @TempDir Path dir;

    private int rowGroups;
    private int batchFiles;

    @BeforeEach
    void write() throws Exception {
        CollectionConfig config =
                CollectionConfig.defaults()
                        .withWriteOptions(
                                BatchWriteOptions.defaults()
                                        .withRowGroupSizeBytes(4 << 10)
                                        .withPageSizeBytes(1 << 10));
        try (PersistCollection c = ScoresCollection.open(dir, config)) {
            List<Update<byte[], byte[]>> updates = new ArrayList<>();
            for (long id = 0; id < ROWS; id++) {
                updates.add(update(id, (int) (id % 100), 1, 1));
            }
            c.append(updates);
            c.seal(2);
            c.allowCompaction(1);
            c.maintainUntilIdle();
            // Later scores of every 100th row: a second batch, drained but not merged.
            updates.clear();
            for (long id = 0; id < ROWS; id += 100) {
                updates.add(update(id, (int) (id % 100), 2, -1));
                updates.add(update(id, 1000, 2, 1));
            }
            c.append(updates);
            c.seal(3);
            c.drainUntilIdle();
            CollectionState state = c.refresh();
            for (TraceBatchMeta b : state.trace()) {
                for (String key : b.partKeys()) {
                    batchFiles++;
                    rowGroups += BatchReader.readFooter(c.store(), key).rowGroupCount();
                }
            }
            assertThat(state.trace()).hasSizeGreaterThanOrEqualTo(2);
        }
    }

    private static Update<byte[], byte[]> update(long id, int score, long time, long diff) {
        return ScoresCollection.update(id, "name-" + id, score, time, diff);
    }

    private TableEnvironment table() {
        TableEnvironment env = TableTestSupport.batch();
        env.executeSql(
                "CREATE TABLE scores (id BIGINT, name STRING, score INT, PRIMARY KEY (id) NOT ENFORCED)"
                        + " WITH ('connector' = 'persist', 'location' = '"
                        + dir
                        + "', 'collection' = 'scores')");
        return env;
    }

    /** Runs {@code query}, returning its rows; {@code decoded[0]} gets the row groups decoded. */
    private List<Row> run(TableEnvironment env, String query, long[] decoded) throws Exception {
        long before = ReadCounters.rowGroupsDecoded();
        List<Row> rows = TableTestSupport.collect(env.executeSql(query));
        decoded[0] = ReadCounters.rowGroupsDecoded() - before;
        TableTestSupport.awaitNoReaders(dir, "scores");
        return rows;
    }

    @Test
    void aPrimaryKeyPointQueryDecodesAtMostOneRowGroupPerBatchFile() throws Exception {
        long[] decoded = new long[1];
        List<Row> rows = run(table(), "SELECT * FROM scores WHERE id = 4200", decoded);
        assertThat(rows).map(Row::toString).containsExactly("+I[4200, name-4200, 1000]");
        rows = run(table(), "SELECT * FROM scores WHERE id = 4242", decoded);
        assertThat(rows).map(Row::toString).containsExactly("+I[4242, name-4242, 42]");
        System.out.printf(
                "point query: %d row groups decoded of %d in %d batch files%n",
                decoded[0], rowGroups, batchFiles);
        assertThat(decoded[0]).isBetween(1L, (long) batchFiles);
        assertThat(table().explainSql("SELECT name FROM scores WHERE id = 4242"))
                .contains("filter=[=(id, 4242:BIGINT)]")
                .contains("project=[id, name]");
    }

    @Test
    void aKeyRangeOfOnePercentDecodesAboutTwoPercentOfTheRowGroups() throws Exception {
        long[] decoded = new long[1];
        List<Row> rows =
                run(
                        table(),
                        "SELECT COUNT(*), SUM(score) FROM scores WHERE id >= 30000 AND id < 31000",
                        decoded);
        assertThat(rows).map(Row::toString).containsExactly("+I[1000, 59500]");
        System.out.printf("1%% range query: %d row groups decoded of %d%n", decoded[0], rowGroups);
        assertThat(rowGroups).isGreaterThan(200);
        assertThat(decoded[0]).isPositive().isLessThanOrEqualTo(rowGroups / 50 + batchFiles);
    }

    @Test
    void anInListReadsOnlyItsKeys() throws Exception {
        long[] decoded = new long[1];
        List<Row> rows =
                run(
                        table(),
                        "SELECT id, score FROM scores WHERE id IN (7, 70000, 99999) ORDER BY id",
                        decoded);
        assertThat(rows)
                .map(Row::toString)
                .containsExactly("+I[7, 7]", "+I[70000, 1000]", "+I[99999, 99]");
        assertThat(decoded[0]).isLessThanOrEqualTo(3L * batchFiles);
    }

    @Test
    void aLimitStopsEachSplitAfterItsFirstRowGroup() throws Exception {
        long[] decoded = new long[1];
        List<Row> rows = run(table(), "SELECT * FROM scores LIMIT 10", decoded);
        assertThat(rows).hasSize(10);
        assertThat(table().explainSql("SELECT * FROM scores LIMIT 10")).contains("limit=[10]");
        System.out.printf("LIMIT 10: %d row groups decoded of %d%n", decoded[0], rowGroups);
        // Two splits (parallelism 2), each merging the first row group of each batch file.
        assertThat(decoded[0]).isLessThanOrEqualTo(2L * batchFiles);
    }

    @Test
    void withoutPushDownTheSameQueryReadsEveryRowGroup() throws Exception {
        TableEnvironment env = table();
        env.executeSql("ALTER TABLE scores SET ('scan.filter-push-down' = 'false')");
        long[] decoded = new long[1];
        List<Row> rows = run(env, "SELECT * FROM scores WHERE id = 4242", decoded);
        assertThat(rows).map(Row::toString).containsExactly("+I[4242, name-4242, 42]");
        assertThat(decoded[0]).isGreaterThanOrEqualTo(rowGroups);
    }

    @Test
    void countStarOverACompactedCollectionOpensNoBatchFile() throws Exception {
        TableEnvironment env = table();
        String query = "SELECT COUNT(*) FROM scores";
        assertThat(env.explainSql(query))
                .contains("aggregates=[grouping=[], aggFunctions=[Count1AggFunction()]]");
        long opened = ReadCounters.filesOpened();
        long[] decoded = new long[1];
        assertThat(run(env, query, decoded)).map(Row::toString).containsExactly("+I[" + ROWS + "]");
        assertThat(ReadCounters.filesOpened() - opened).as("batch files opened").isZero();
        assertThat(decoded[0]).isZero();
        // COUNT of the NOT NULL key counts rows too; COUNT of a nullable column does not.
        // (The planner itself turns COUNT of a NOT NULL column into COUNT(*).)
        assertThat(env.explainSql("SELECT COUNT(id), COUNT(*) FROM scores"))
                .contains("aggFunctions=[Count1AggFunction()]");
        assertThat(run(env, "SELECT COUNT(id), COUNT(*) FROM scores", decoded))
                .map(Row::toString)
                .containsExactly("+I[" + ROWS + ", " + ROWS + "]");
        assertThat(env.explainSql("SELECT COUNT(score) FROM scores"))
                .doesNotContain("aggFunctions");
    }

    @Test
    void countStarFallsBackWhereMetadataCannotAnswer() throws Exception {
        TableEnvironment env = table();
        // As of 1, the level-0 batch of time 2 holds times after the read: it is read (and
        // adds nothing), the compacted batch is counted from its sum.
        long opened = ReadCounters.filesOpened();
        long[] decoded = new long[1];
        String asOf = "SELECT COUNT(*) FROM scores /*+ OPTIONS('scan.as-of' = '1') */";
        assertThat(env.explainSql(asOf)).contains("aggFunctions=[Count1AggFunction()]");
        assertThat(run(env, asOf, decoded)).map(Row::toString).containsExactly("+I[" + ROWS + "]");
        assertThat(ReadCounters.filesOpened() - opened).isPositive();
        // A filter is not counted by the source: the planner counts the rows the scan returns
        // (scores 50 to 99, and the later 1000 of every 100th row).
        String filtered = "SELECT COUNT(*) FROM scores WHERE score >= 50";
        assertThat(env.explainSql(filtered)).doesNotContain("aggFunctions");
        assertThat(run(env, filtered, decoded))
                .map(Row::toString)
                .containsExactly("+I[" + (ROWS / 2 + ROWS / 100) + "]");
        // Turned off, the same count reads every row group.
        env.executeSql("ALTER TABLE scores SET ('scan.aggregate-push-down' = 'false')");
        assertThat(env.explainSql("SELECT COUNT(*) FROM scores")).doesNotContain("aggFunctions");
        assertThat(run(env, "SELECT COUNT(*) FROM scores", decoded))
                .map(Row::toString)
                .containsExactly("+I[" + ROWS + "]");
        assertThat(decoded[0]).isGreaterThanOrEqualTo(rowGroups);
    }
}
