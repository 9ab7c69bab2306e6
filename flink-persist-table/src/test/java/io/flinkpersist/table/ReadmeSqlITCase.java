package io.flinkpersist.table;

import static io.flinkpersist.table.TableTestSupport.batch;
import static io.flinkpersist.table.TableTestSupport.collect;
import static io.flinkpersist.table.TableTestSupport.multiset;
import static io.flinkpersist.table.TableTestSupport.streaming;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the SQL sample of the README's {@code ## SQL} section as written, except for its location,
 * which becomes a temporary directory: the {@code CREATE TABLE} and the {@code INSERT} in streaming
 * mode over an {@code orders} table of the test's own, then the {@code SELECT} in batch mode, which
 * must return what the INSERT's query returns when run directly.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReadmeSqlITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    /**
     * 3000 orders of 40 customers: customer {@code c-k} orders {@code 3k} times, so some pass 100
     * and leave the result.
     */
    private static final String ORDERS =
            "CREATE TEMPORARY TABLE orders (id BIGINT,"
                    + " customer AS CONCAT('c-', CAST(CAST(FLOOR(SQRT(CAST(MOD(id * 7919, 1600) AS DOUBLE))) AS INT) AS STRING)),"
                    + " amount AS CAST(MOD(id, 97) AS DECIMAL(10, 2)) + 0.25)"
                    + " WITH ('connector' = 'datagen', 'number-of-rows' = '3000', 'rows-per-second' = '3000',"
                    + " 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3000')";

    /** A filter (not the empty one a scan shows when it took none) or an aggregate in a plan. */
    private static final Pattern PUSHED = Pattern.compile("filter=\\[[^\\]]|aggregates=\\[");

    @TempDir Path dir;

    /** The statements of the section's {@code sql} code block. */
    static List<String> sampleStatements() throws Exception {
        return statements(ReadmeTest.sqlSection(), 0);
    }

    /** The statements of the first {@code sql} code block at or after {@code from}, unindented. */
    static List<String> statements(String section, int from) {
        int start = section.indexOf("```sql\n", from);
        assertThat(start).as("the SQL section has a sql code block").isNotNegative();
        String block =
                section.substring(start + "```sql\n".length(), section.indexOf("```", start + 6))
                        .replaceAll("(?m)^  ", "");
        List<String> statements = new ArrayList<>();
        for (String s : block.split(";\\s*\\n")) {
            if (!s.isBlank()) {
                statements.add(s.strip());
            }
        }
        return statements;
    }

    /**
     * The queries of "Reading less" over the sample's table: each returns what it returns with
     * filter and aggregate push-down off, and its plan shows what was pushed.
     */
    @Test
    void theReadingLessQueriesEqualThemWithoutPushDown() throws Exception {
        List<String> sample = sampleStatements();
        String create = sample.get(0).replace("'/data/persist'", "'" + dir + "'");
        TableEnvironment writer = streaming();
        writer.executeSql(ORDERS);
        writer.executeSql(create);
        writer.executeSql(sample.get(1)).await();

        String section = ReadmeTest.sqlSection();
        List<String> queries = statements(section, section.indexOf("**Reading less.**"));
        assertThat(queries).hasSize(5);
        TableEnvironment env = batch();
        env.executeSql(create);
        int pushed = 0;
        for (String q : queries) {
            if (q.startsWith("CREATE TABLE")) {
                env.executeSql(q.replace("'/data/persist'", "'" + dir + "'"));
                continue;
            }
            String plain =
                    q.replaceFirst(
                            "FROM (\\w+)",
                            "FROM $1 /*+ OPTIONS('scan.filter-push-down' = 'false',"
                                    + " 'scan.aggregate-push-down' = 'false') */");
            String plan = env.explainSql(q);
            if (PUSHED.matcher(plan).find()) {
                pushed++;
            }
            assertThat(PUSHED.matcher(env.explainSql(plain)).find())
                    .as("pushed: %s", plain)
                    .isFalse();
            List<Row> rows = collect(env.executeSql(q));
            assertThat(rows).as("%s", q).isNotEmpty();
            assertThat(multiset(rows))
                    .as("%s", q)
                    .isEqualTo(multiset(collect(env.executeSql(plain))));
        }
        assertThat(pushed).as("queries with a push-down in their plan").isEqualTo(4);
        TableTestSupport.awaitNoReaders(dir, "customer_totals");
    }

    @Test
    void theReadmeSampleRuns() throws Exception {
        List<String> statements = sampleStatements();
        assertThat(statements).hasSize(3);
        String create = statements.get(0).replace("'/data/persist'", "'" + dir + "'");
        String insert = statements.get(1);
        String select = statements.get(2);
        assertThat(create).startsWith("CREATE TABLE").contains("'" + dir + "'");
        assertThat(insert).startsWith("INSERT INTO customer_totals");
        assertThat(select).startsWith("SELECT");

        TableEnvironment writer = streaming();
        writer.executeSql(ORDERS);
        writer.executeSql(create);
        writer.executeSql(insert).await();

        TableEnvironment reader = batch();
        reader.executeSql(create);
        Map<String, Integer> read = multiset(collect(reader.executeSql(select)));

        TableEnvironment direct = batch();
        direct.executeSql(ORDERS);
        Map<String, Integer> expected =
                multiset(collect(direct.executeSql(insert.substring(insert.indexOf("SELECT")))));
        assertThat(expected).hasSizeBetween(10, 39);
        assertThat(read).isEqualTo(expected);
        TableTestSupport.awaitNoReaders(dir, "customer_totals");
    }
}
