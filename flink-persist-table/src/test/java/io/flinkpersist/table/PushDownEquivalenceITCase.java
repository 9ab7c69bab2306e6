package io.flinkpersist.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomized: random schemas (one to three key columns, nullable value columns, sometimes a rowtime
 * column), rows written in several jobs, and random predicates (equalities, IN lists, ranges, NULL
 * tests, inequalities and disjunctions, on key and value columns, with and without rowtime bounds)
 * with random projections. Each query's result with push-down equals its result with push-down off,
 * and both equal Flink's own evaluation of the same query over the same rows as a VALUES view.
 * Replay a seed with {@code -Dpushdown.seed=<seed>}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PushDownEquivalenceITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(networkMemory())
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    /** Room for the network buffers of a dozen scans side by side. */
    private static Configuration networkMemory() {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NETWORK_MEMORY_MIN, MemorySize.ofMebiBytes(256));
        conf.set(TaskManagerOptions.NETWORK_MEMORY_MAX, MemorySize.ofMebiBytes(256));
        return conf;
    }

    private static final int QUERIES = 12;

    private static final int MODEL_QUERIES = 3;

    @TempDir Path dir;

    /** A column: its name, SQL type and the literals its values and predicates are drawn from. */
    private record Column(String name, String type, List<String> literals, boolean key) {
        String literal(Random random) {
            return "CAST(" + literals.get(random.nextInt(literals.size())) + " AS " + type + ")";
        }
    }

    private static final String[][] KEY_TYPES = {
        {"INT", "-3", "0", "1", "2", "5"},
        {"BIGINT", "0", "7", "8", "20", "1000000"},
        {"STRING", "''", "'a'", "'ab'", "'b'", "'c'"},
        {"DATE", "'2024-01-01'", "'2024-01-02'", "'2024-02-29'", "'2025-01-01'"},
        {"DECIMAL(10, 2)", "-1.50", "0.00", "2.25", "3.10"},
    };

    private static final String[][] VALUE_TYPES = {
        {"INT", "-1", "0", "4"},
        {"STRING", "'x'", "'y'", "'xy'"},
        {"DOUBLE", "0.5", "1.5", "-2.0"},
        {"BIGINT", "3", "30", "300"},
    };

    @Test
    void resultsWithPushDownEqualResultsWithout() throws Exception {
        long base = Long.getLong("pushdown.seed", new Random().nextLong());
        for (int run = 0; run < 3; run++) {
            long seed = base + run;
            System.out.println(
                    "PushDownEquivalenceITCase seed " + seed + " (-Dpushdown.seed=" + seed + ")");
            check(seed, "c" + run);
        }
    }

    private void check(long seed, String collection) throws Exception {
        long start = System.nanoTime();
        Random random = new Random(seed);
        List<Column> columns = new ArrayList<>();
        int keys = 1 + random.nextInt(3);
        for (int i = 0; i < keys; i++) {
            String[] t = KEY_TYPES[random.nextInt(KEY_TYPES.length)];
            columns.add(new Column("k" + i, t[0], List.of(t).subList(1, t.length), true));
        }
        int values = 1 + random.nextInt(3);
        for (int i = 0; i < values; i++) {
            String[] t = VALUE_TYPES[random.nextInt(VALUE_TYPES.length)];
            List<String> literals = new ArrayList<>(List.of(t).subList(1, t.length));
            literals.add("NULL");
            columns.add(new Column("v" + i, t[0], literals, false));
        }
        boolean rowtime = random.nextBoolean();
        if (rowtime) {
            List<String> times = new ArrayList<>();
            for (int s = 1; s <= 6; s++) {
                times.add("'2024-01-01 00:00:0" + s + ".000'");
            }
            columns.add(new Column("ts", "TIMESTAMP(3)", times, false));
        }
        String schema =
                columns.stream()
                                .map(c -> c.name() + " " + c.type())
                                .collect(Collectors.joining(", "))
                        + ", PRIMARY KEY ("
                        + columns.stream()
                                .filter(Column::key)
                                .map(Column::name)
                                .collect(Collectors.joining(", "))
                        + ") NOT ENFORCED"
                        + (rowtime ? ", WATERMARK FOR ts AS ts" : "");
        String with =
                " WITH ('connector' = 'persist', 'location' = '"
                        + dir
                        + "', 'collection' = '"
                        + collection
                        + "', 'sink.history-retention' = '100000'"
                        + (rowtime ? ", 'sink.close-on-end-of-input' = 'true'" : "");
        // Rows in several jobs (one with a rowtime: its end of input closes the collection).
        List<String> rows = new ArrayList<>();
        List<List<String>> jobs = new ArrayList<>();
        for (int job = 0; job < (rowtime ? 1 : 3); job++) {
            List<String> jobRows = new ArrayList<>();
            for (int r = 0; r < 40; r++) {
                jobRows.add(
                        columns.stream()
                                .map(c -> c.literal(random))
                                .collect(Collectors.joining(", ", "(", ")")));
            }
            jobs.add(jobRows);
            rows.addAll(jobRows);
        }
        TableEnvironment writer = rowtime ? TableTestSupport.streaming() : TableTestSupport.batch();
        writer.executeSql("CREATE TABLE t (" + schema + ")" + with + ")");
        for (List<String> jobRows : jobs) {
            writer.executeSql("INSERT INTO t VALUES " + String.join(", ", jobRows)).await();
        }

        TableEnvironment env = TableTestSupport.batch();
        // One subtask per scan: the queries run side by side in one job.
        env.getConfig().set(CoreOptions.DEFAULT_PARALLELISM, 1);
        env.executeSql("CREATE TABLE pushed (" + schema + ")" + with + ")");
        env.executeSql(
                "CREATE TABLE plain ("
                        + schema
                        + ")"
                        + with
                        + ", 'scan.filter-push-down' = 'false')");
        env.executeSql(
                "CREATE TEMPORARY VIEW model AS SELECT * FROM (VALUES "
                        + String.join(", ", rows)
                        + ") AS r ("
                        + columns.stream().map(Column::name).collect(Collectors.joining(", "))
                        + ")");
        List<String> queries = new ArrayList<>();
        for (int q = 0; q < QUERIES; q++) {
            List<Column> projected = new ArrayList<>();
            for (Column c : columns) {
                if (random.nextInt(3) > 0) {
                    projected.add(c);
                }
            }
            // One text column of the projected columns, so every query has the same width.
            String select =
                    projected.isEmpty()
                            ? "'row'"
                            : projected.stream()
                                    .map(c -> "COALESCE(CAST(" + c.name() + " AS STRING), 'null')")
                                    .collect(Collectors.joining(" || '|' || "));
            queries.add(
                    "SELECT " + q + ", " + select + " FROM %s WHERE " + predicate(random, columns));
        }
        long written = System.nanoTime();
        String union = String.join(" UNION ALL ", queries);
        String explain = env.explainSql(union.replace("%s", "pushed"));
        var withPushDown = rows(env, union.replace("%s", "pushed"));
        var without = rows(env, union.replace("%s", "plain"));
        assertThat(withPushDown)
                .as("seed %d: with push-down against without, plan:%n%s", seed, explain)
                .isEqualTo(without);
        // Flink's own evaluation over VALUES is slow to plan (it folds the literals): a few
        // queries.
        String some = String.join(" UNION ALL ", queries.subList(0, MODEL_QUERIES));
        assertThat(rows(env, some.replace("%s", "pushed")))
                .as("seed %d: with push-down against Flink over the same rows", seed)
                .isEqualTo(rows(env, some.replace("%s", "model")));
        TableTestSupport.awaitNoReaders(dir, collection);
        System.out.printf(
                "  %d key and %d value columns, rowtime %s: written in %d ms, queried in %d ms%n",
                keys,
                values,
                rowtime,
                (written - start) / 1_000_000,
                (System.nanoTime() - written) / 1_000_000);
    }

    private static Map<String, Integer> rows(TableEnvironment env, String query) throws Exception {
        return TableTestSupport.multiset(TableTestSupport.collect(env.executeSql(query)));
    }

    /** One to three atoms, joined by AND (and now and then OR). */
    private static String predicate(Random random, List<Column> columns) {
        int atoms = 1 + random.nextInt(3);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < atoms; i++) {
            String atom = atom(random, columns);
            if (random.nextInt(6) == 0) {
                atom = "(" + atom + " OR " + atom(random, columns) + ")";
            }
            parts.add(atom);
        }
        return String.join(" AND ", parts);
    }

    private static String atom(Random random, List<Column> columns) {
        List<Column> keys = columns.stream().filter(Column::key).toList();
        Column c =
                random.nextInt(5) < 3
                        ? keys.get(random.nextInt(keys.size()))
                        : columns.get(random.nextInt(columns.size()));
        switch (random.nextInt(9)) {
            case 0:
            case 1:
                return c.name() + " = " + c.literal(random);
            case 2:
                return c.name()
                        + " IN ("
                        + c.literal(random)
                        + ", "
                        + c.literal(random)
                        + ", "
                        + c.literal(random)
                        + ")";
            case 3:
                return c.name() + " > " + c.literal(random);
            case 4:
                return c.name() + " >= " + c.literal(random);
            case 5:
                return c.name() + " < " + c.literal(random);
            case 6:
                return c.name() + " <= " + c.literal(random);
            case 7:
                return c.name() + (random.nextBoolean() ? " IS NULL" : " IS NOT NULL");
            default:
                return c.name() + " <> " + c.literal(random);
        }
    }
}
