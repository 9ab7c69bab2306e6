package io.flinkpersist.bench.harness;

import io.flinkpersist.PersistCollection;
import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.ReadCounters;
import io.flinkpersist.bench.WorkloadGenerator;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.table.PersistDynamicTableFactory;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.util.Collector;

/**
 * The push-down benchmark: SQL reads of one persist table, each with the connector's push-down (its
 * default) and without it, in one run on the same data. Steps, each in a JVM of its own
 * (bench/run.sh pushdown runs them in order):
 *
 * <pre>
 * Harness pushdown-write  --work DIR [--updates N] [--parallelism P]   the table, written by a SQL batch job
 * Harness pushdown-query  --group point|range|count|projection --variant with|without --rep R --order O
 *                         --work DIR --results DIR [--updates N] [--points Q] [--seed S] [--parallelism P]
 * Harness pushdown-report --work DIR --results DIR                      results.md
 * </pre>
 *
 * <p>The table has ten columns: {@code id BIGINT} (the primary key) and nine of mixed types, each a
 * function of {@code id}. The write job inserts {@code N} updates, {@code id} 0 to {@code N - 1}
 * from Flink's {@code datagen} sequence (each update the insertion of a new key), and closes the
 * collection at the end of its input, so the table ends as one compacted trace batch.
 *
 * <p>The queries, and what "without" means for each:
 *
 * <ul>
 *   <li>{@code point}: {@code SELECT * FROM t WHERE id = k} for {@code --points} keys; without: the
 *       same query with {@code /*+ OPTIONS('scan.filter-push-down' = 'false') *}{@code /};
 *   <li>{@code range}: {@code SELECT * FROM t WHERE id BETWEEN a AND a + keys/100 - 1}; without as
 *       above;
 *   <li>{@code count}: {@code SELECT COUNT(*) FROM t}; without: the same query with {@code /*+
 *       OPTIONS('scan.aggregate-push-down' = 'false') *}{@code /}. Flink 2 has no planner switch
 *       for aggregate push-down ({@code table.optimizer.source.aggregate-pushdown-enabled} was
 *       removed in 2.0), so with a connector that lacks the option the baseline is the same count
 *       over {@code WHERE id >= 0} (true of every row) with filter push-down off: the planner does
 *       not push a {@code COUNT} whose input is filtered;
 *   <li>{@code projection}: {@code SELECT id, c1 FROM t}; without: {@code SELECT * FROM t} (Flink
 *       has no switch for projection push-down: the baseline reads all ten columns).
 * </ul>
 *
 * <p>Every query runs as its own job on an embedded MiniCluster started before it; its rows go to a
 * digest (row count, the sum of {@code id}, an order-independent hash of the compared columns) and
 * are discarded. Wall time is from submission to the job's end (SQL planning is timed apart); files
 * opened and row groups decoded come from {@link ReadCounters}, which count in this JVM: with the
 * embedded cluster, the scan's planning and its readers run here. Every run appends one row to
 * {@code pushdown.csv}.
 */
final class PushDownBench {

    static final String TABLE = "t";
    static final String COLLECTION = "pushdown";
    static final List<String> GROUPS = List.of("point", "range", "count", "projection");
    static final List<String> VARIANTS = List.of("with", "without");

    static final List<String> COLUMNS =
            List.of(
                    "rep",
                    "order",
                    "group",
                    "query",
                    "variant",
                    "seq",
                    "started",
                    "load1",
                    "load5",
                    "parallelism",
                    "updates",
                    "sql",
                    "pushed",
                    "plan_s",
                    "wall_s",
                    "rows",
                    "id_sum",
                    "digest",
                    "files_opened",
                    "row_groups_decoded");

    private PushDownBench() {}

    /** The table's definition over {@code location}. */
    static String tableDdl(Path location) {
        return "CREATE TABLE "
                + TABLE
                + " (\n"
                + "  id BIGINT,\n"
                + "  c1 BIGINT,\n"
                + "  c2 STRING,\n"
                + "  c3 DOUBLE,\n"
                + "  c4 INT,\n"
                + "  c5 STRING,\n"
                + "  c6 BIGINT,\n"
                + "  c7 DOUBLE,\n"
                + "  c8 INT,\n"
                + "  c9 STRING,\n"
                + "  PRIMARY KEY (id) NOT ENFORCED\n"
                + ") WITH (\n"
                + "  'connector' = 'persist',\n"
                + "  'location' = '"
                + location
                + "',\n"
                + "  'collection' = '"
                + COLLECTION
                + "',\n"
                + "  'sink.close-on-end-of-input' = 'true'\n"
                + ")";
    }

    /** The bounded generator of {@code updates} rows: a sequence 0 .. updates - 1. */
    static String generatorDdl(long updates) {
        return "CREATE TEMPORARY TABLE updates (seq BIGINT) WITH (\n"
                + "  'connector' = 'datagen',\n"
                + "  'fields.seq.kind' = 'sequence',\n"
                + "  'fields.seq.start' = '0',\n"
                + "  'fields.seq.end' = '"
                + (updates - 1)
                + "',\n"
                + "  'number-of-rows' = '"
                + updates
                + "',\n"
                + "  'rows-per-second' = '1000000000'\n"
                + ")";
    }

    /** Every column a function of the sequence number: reproducible, not too compressible. */
    static final String INSERT =
            "INSERT INTO "
                    + TABLE
                    + " SELECT\n"
                    + "  seq,\n"
                    + "  MOD(seq * 2654435761, 4294967296),\n"
                    + "  SUBSTR(MD5(CAST(seq AS STRING)), 1, 16),\n"
                    + "  CAST(MOD(seq * 7919, 1000003) AS DOUBLE) / 1000,\n"
                    + "  CAST(MOD(seq, 1000) AS INT),\n"
                    + "  CONCAT('customer-', LPAD(CAST(MOD(seq, 1000000) AS STRING), 7, '0')),\n"
                    + "  seq * 1000 + MOD(seq * 31, 997),\n"
                    + "  CAST(MOD(seq * 104729, 100000) AS DOUBLE) / 100,\n"
                    + "  CAST(MOD(seq * 13, 100003) AS INT),\n"
                    + "  CONCAT('region-', CAST(MOD(seq, 50) AS STRING))\n"
                    + "FROM updates";

    // ---- the table ----

    static void write(Map<String, String> options) throws Exception {
        long updates = updates(options);
        int parallelism = Integer.parseInt(options.getOrDefault("parallelism", "2"));
        Path work = Path.of(options.get("work"));
        Path location = work.resolve("table");
        Harness.deleteRecursively(location);
        Files.createDirectories(location);
        BenchCluster.JobRun run;
        try (BenchCluster cluster = new BenchCluster(parallelism)) {
            StreamExecutionEnvironment env = cluster.environment(false, 0);
            StreamTableEnvironment tEnv = tableEnvironment(env);
            tEnv.executeSql(generatorDdl(updates));
            tEnv.executeSql(tableDdl(location));
            StreamStatementSet statements = tEnv.createStatementSet();
            statements.addInsertSql(INSERT);
            statements.attachAsDataStream();
            run = cluster.run(env, "pushdown write");
        }
        Properties p = new Properties();
        p.setProperty("updates", Long.toString(updates));
        p.setProperty("write.wall_s", fmt(run.wallNanos() / 1e9));
        p.setProperty(
                "write.rows_per_s", Long.toString(Math.round(updates / (run.wallNanos() / 1e9))));
        p.setProperty("bytes", Long.toString(RunProbe.directoryBytes(location)));
        int batches = 0;
        int files = 0;
        long rowGroups = 0;
        long rows = 0;
        Map<Integer, Integer> levels = new TreeMap<>(Comparator.reverseOrder());
        try (PersistCollection c = PersistCollection.openExisting(location, COLLECTION)) {
            CollectionState s = c.state();
            for (TraceBatchMeta b : s.trace()) {
                batches++;
                rows += b.updateCount();
                levels.merge(b.level(), 1, Integer::sum);
                for (String key : b.partKeys()) {
                    files++;
                    rowGroups += BatchReader.readFooter(c.store(), key).rowGroupCount();
                }
            }
            p.setProperty("unsealed", Integer.toString(s.unsealed().size()));
            p.setProperty("seal", s.seal().toString());
        }
        StringBuilder l = new StringBuilder();
        levels.forEach(
                (level, n) ->
                        l.append(l.length() == 0 ? "" : " ")
                                .append("L")
                                .append(level)
                                .append("=")
                                .append(n));
        p.setProperty("trace.batches", Integer.toString(batches));
        p.setProperty("trace.levels", l.toString());
        p.setProperty("trace.files", Integer.toString(files));
        p.setProperty("trace.row_groups", Long.toString(rowGroups));
        p.setProperty("trace.rows", Long.toString(rows));
        try (Writer out = Files.newBufferedWriter(work.resolve("table.properties"))) {
            p.store(out, "The push-down benchmark's table");
        }
        System.out.println("pushdown write: " + new TreeMap<>(p));
        if (rows != updates || Integer.parseInt(p.getProperty("unsealed")) != 0) {
            throw new IllegalStateException(
                    "The written table does not hold "
                            + updates
                            + " rows in its trace: "
                            + rows
                            + " rows, "
                            + p.getProperty("unsealed")
                            + " unsealed batches");
        }
    }

    static Properties table(Path work) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(work.resolve("table.properties"))) {
            p.load(in);
        }
        return p;
    }

    // ---- the queries ----

    /**
     * One query of a group: its SQL for the variant, how many leading columns the digest hashes
     * (the same for both variants), and the expected row count and sum of the first column.
     */
    record Query(String name, String sql, int digestColumns, long rows, long idSum) {}

    static List<Query> queries(
            String group, boolean pushDown, long keys, int points, long seed, int rep) {
        String from =
                pushDown ? TABLE : TABLE + " /*+ OPTIONS('scan.filter-push-down' = 'false') */";
        List<Query> out = new ArrayList<>();
        switch (group) {
            case "point" -> {
                List<Long> ks = pointKeys(keys, points, seed);
                // Rotated by the repetition, so the JVM's first (coldest) query is another key in
                // each.
                for (int i = 0; i < ks.size(); i++) {
                    long k = ks.get((i + rep - 1) % ks.size());
                    out.add(
                            new Query(
                                    "point id=" + k,
                                    "SELECT * FROM " + from + " WHERE id = " + k,
                                    10,
                                    1,
                                    k));
                }
            }
            case "range" -> {
                long[] r = range(keys);
                out.add(
                        new Query(
                                "range 1%",
                                "SELECT * FROM "
                                        + from
                                        + " WHERE id BETWEEN "
                                        + r[0]
                                        + " AND "
                                        + r[1],
                                10,
                                r[1] - r[0] + 1,
                                (r[0] + r[1]) * (r[1] - r[0] + 1) / 2));
            }
            case "count" -> {
                String sql;
                if (pushDown) {
                    sql = "SELECT COUNT(*) FROM " + TABLE;
                } else if (connectorOption(AGGREGATE_PUSH_DOWN)) {
                    sql =
                            "SELECT COUNT(*) FROM "
                                    + TABLE
                                    + " /*+ OPTIONS('"
                                    + AGGREGATE_PUSH_DOWN
                                    + "' = 'false') */";
                } else {
                    sql = "SELECT COUNT(*) FROM " + from + " WHERE id >= 0";
                }
                out.add(new Query("count", sql, 1, 1, keys));
            }
            case "projection" ->
                    out.add(
                            new Query(
                                    "projection 2 of 10",
                                    pushDown
                                            ? "SELECT id, c1 FROM " + TABLE
                                            : "SELECT * FROM " + TABLE,
                                    2,
                                    keys,
                                    keys * (keys - 1) / 2));
            default ->
                    throw new IllegalArgumentException(
                            "Unknown query group " + group + ": use " + GROUPS);
        }
        return out;
    }

    /** The connector's switch for aggregate push-down, where it has one. */
    static final String AGGREGATE_PUSH_DOWN = "scan.aggregate-push-down";

    /** Whether the 'persist' connector on the class path takes the table option {@code key}. */
    static boolean connectorOption(String key) {
        PersistDynamicTableFactory factory = new PersistDynamicTableFactory();
        return Stream.concat(factory.requiredOptions().stream(), factory.optionalOptions().stream())
                .anyMatch(o -> o.key().equals(key));
    }

    /** {@code points} distinct keys below {@code keys}, spread by a hash of the seed. */
    static List<Long> pointKeys(long keys, int points, long seed) {
        Set<Long> ks = new LinkedHashSet<>();
        for (long i = 0; ks.size() < Math.min(points, keys); i++) {
            ks.add(Math.floorMod(WorkloadGenerator.mix(seed * 1_000_003L + i), keys));
        }
        return List.copyOf(ks);
    }

    /** The 1% key range: the 43rd of the hundred slices of the key space. */
    static long[] range(long keys) {
        long width = keys / 100;
        if (width < 1) {
            throw new IllegalArgumentException("Need at least 100 keys for a 1% range");
        }
        return new long[] {42 * width, 42 * width + width - 1};
    }

    static void query(Map<String, String> options) throws Exception {
        long updates = updates(options);
        String group = options.get("group");
        String variant = options.get("variant");
        if (!VARIANTS.contains(variant)) {
            throw new IllegalArgumentException("Unknown variant " + variant + ": use " + VARIANTS);
        }
        boolean pushDown = variant.equals("with");
        int parallelism = Integer.parseInt(options.getOrDefault("parallelism", "2"));
        int points = Integer.parseInt(options.getOrDefault("points", "20"));
        long seed = Long.parseLong(options.getOrDefault("seed", "42"));
        int rep = Integer.parseInt(options.getOrDefault("rep", "1"));
        Path work = Path.of(options.get("work"));
        Path results = Path.of(options.get("results"));
        Path location = work.resolve("table");
        long keys = Long.parseLong(table(work).getProperty("updates"));
        if (keys != updates) {
            throw new IllegalStateException(
                    "The table holds " + keys + " updates, not --updates " + updates);
        }
        List<Query> queries = queries(group, pushDown, keys, points, seed, rep);
        try (BenchCluster cluster = new BenchCluster(parallelism)) {
            int seq = 0;
            for (Query q : queries) {
                seq++;
                double[] load = RunProbe.loadAverage();
                String started = Instant.now().toString();
                StreamExecutionEnvironment env = cluster.environment(false, 0);
                StreamTableEnvironment tEnv = tableEnvironment(env);
                tEnv.executeSql(tableDdl(location));
                String pushed = pushed(tEnv.explainSql(q.sql()));

                long filesBefore = ReadCounters.filesOpened();
                long rowGroupsBefore = ReadCounters.rowGroupsDecoded();
                long planStart = System.nanoTime();
                Table table = tEnv.sqlQuery(q.sql());
                DataType type = table.getResolvedSchema().toPhysicalRowDataType();
                LogicalType[] types =
                        type.getChildren().stream()
                                .map(DataType::getLogicalType)
                                .toArray(LogicalType[]::new);
                DataStream<RowData> rows = tEnv.toDataStream(table, type.bridgedTo(RowData.class));
                rows.process(new ResultDigest(types, q.digestColumns()))
                        .name("digest")
                        .sinkTo(new DiscardingSink<>());
                double plan = (System.nanoTime() - planStart) / 1e9;
                BenchCluster.JobRun run = cluster.run(env, group + " " + variant + ": " + q.name());
                long files = ReadCounters.filesOpened() - filesBefore;
                long rowGroups = ReadCounters.rowGroupsDecoded() - rowGroupsBefore;

                long n = (Long) run.accumulators().get(ResultDigest.ROWS);
                long idSum = (Long) run.accumulators().get(ResultDigest.ID_SUM);
                long digest = (Long) run.accumulators().get(ResultDigest.DIGEST);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("rep", rep);
                row.put("order", options.getOrDefault("order", ""));
                row.put("group", group);
                row.put("query", q.name());
                row.put("variant", variant);
                row.put("seq", seq);
                row.put("started", started);
                row.put("load1", load[0]);
                row.put("load5", load[1]);
                row.put("parallelism", parallelism);
                row.put("updates", updates);
                row.put("sql", q.sql());
                row.put("pushed", pushed);
                row.put("plan_s", fmt(plan));
                row.put("wall_s", fmt(run.wallNanos() / 1e9));
                row.put("rows", n);
                row.put("id_sum", idSum);
                row.put("digest", Long.toHexString(digest));
                row.put("files_opened", files);
                row.put("row_groups_decoded", rowGroups);
                append(results, row);
                System.out.println("pushdown " + group + " " + variant + ": " + row);
                if (n != q.rows() || idSum != q.idSum()) {
                    throw new IllegalStateException(
                            String.format(
                                    Locale.ROOT,
                                    "%s (%s) returned %d rows with first-column sum %d; expected %d rows, sum %d",
                                    q.name(),
                                    variant,
                                    n,
                                    idSum,
                                    q.rows(),
                                    q.idSum()));
                }
            }
        }
    }

    private static StreamTableEnvironment tableEnvironment(StreamExecutionEnvironment env) {
        return StreamTableEnvironment.create(
                env, EnvironmentSettings.newInstance().inBatchMode().build());
    }

    /**
     * What the optimized plan shows pushed into the table scan: its non-empty {@code filter},
     * {@code project} (with the column count), {@code limit} and {@code aggregates}, or "none".
     */
    static String pushed(String explain) {
        int section = explain.indexOf("== Optimized Execution Plan ==");
        String plan = section < 0 ? explain : explain.substring(section);
        int scan = plan.indexOf("TableSourceScan(");
        if (scan < 0) {
            return "no table scan";
        }
        int end = plan.indexOf('\n', scan);
        String line = end < 0 ? plan.substring(scan) : plan.substring(scan, end);
        List<String> parts = new ArrayList<>();
        for (String ability : List.of("filter", "project", "limit", "aggregates")) {
            String inside = bracketed(line, ability + "=[");
            if (inside == null || inside.isEmpty()) {
                continue;
            }
            if (ability.equals("project")) {
                parts.add("project " + inside.split(",").length + " of 10");
            } else if (ability.equals("aggregates")) {
                parts.add("aggregate");
            } else {
                parts.add(ability);
            }
        }
        if (line.contains("project=[]")) {
            parts.add("project 0 of 10");
        }
        return parts.isEmpty() ? "none" : String.join(" + ", parts);
    }

    /** The text between {@code open} (ending in '[') and its matching ']', or null. */
    private static String bracketed(String s, String open) {
        int start = s.indexOf(open);
        if (start < 0) {
            return null;
        }
        int depth = 0;
        for (int i = start + open.length() - 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']' && --depth == 0) {
                return s.substring(start + open.length(), i);
            }
        }
        return null;
    }

    /**
     * Counts a query's rows, sums its first column (BIGINT: {@code id}, or the count) and adds an
     * order-independent hash of its first {@code digestColumns} columns, into the job's
     * accumulators.
     */
    static final class ResultDigest extends ProcessFunction<RowData, Void> {

        private static final long serialVersionUID = 1L;

        static final String ROWS = "rows";
        static final String ID_SUM = "idSum";
        static final String DIGEST = "digest";

        private final RowData.FieldGetter[] getters;
        private transient LongCounter rows;
        private transient LongCounter idSum;
        private transient LongCounter digest;
        private long localRows;
        private long localIdSum;
        private long localDigest;

        ResultDigest(LogicalType[] types, int digestColumns) {
            getters = new RowData.FieldGetter[digestColumns];
            for (int i = 0; i < digestColumns; i++) {
                getters[i] = RowData.createFieldGetter(types[i], i);
            }
        }

        @Override
        public void open(OpenContext context) {
            rows = new LongCounter();
            idSum = new LongCounter();
            digest = new LongCounter();
            getRuntimeContext().addAccumulator(ROWS, rows);
            getRuntimeContext().addAccumulator(ID_SUM, idSum);
            getRuntimeContext().addAccumulator(DIGEST, digest);
        }

        @Override
        public void processElement(RowData row, Context ctx, Collector<Void> out) {
            localRows++;
            localIdSum += row.getLong(0);
            long h = 0x9e3779b97f4a7c15L;
            for (RowData.FieldGetter g : getters) {
                Object v = g.getFieldOrNull(row);
                h = WorkloadGenerator.mix(h + (v == null ? 0 : v.hashCode()));
            }
            localDigest += h;
        }

        @Override
        public void close() {
            rows.add(localRows);
            idSum.add(localIdSum);
            digest.add(localDigest);
        }
    }

    // ---- output ----

    private static void append(Path results, Map<String, Object> row) throws IOException {
        StringBuilder line = new StringBuilder();
        for (String column : COLUMNS) {
            if (line.length() > 0) {
                line.append(',');
            }
            Object v = row.get(column);
            line.append(v == null ? "" : v.toString().replace(',', ';').replace('\n', ' '));
        }
        Harness.append(results.resolve("pushdown.csv"), String.join(",", COLUMNS), line.toString());
    }

    static long updates(Map<String, String> options) {
        return Long.parseLong(options.getOrDefault("updates", "10000000"));
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
