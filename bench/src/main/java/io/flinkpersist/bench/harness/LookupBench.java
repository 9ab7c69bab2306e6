package io.flinkpersist.bench.harness;

import io.flinkpersist.bench.WorkloadGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.accumulators.Histogram;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;

/**
 * The lookup benchmark: a stream of probe keys joined against a dimension table of {@code K} keys
 * by a processing-time lookup join, persist (without and with its page cache, with Flink's partial
 * and full caches) against Apache Paimon's lookup join, on the same data in one run. Steps, each in
 * a JVM of its own (bench/run.sh lookup runs them in order):
 *
 * <pre>
 * Harness lookup-write  --work DIR [--keys K]                       both tables, by SQL batch jobs
 * Harness lookup-query  --system S --skew uniform|zipf --rep R --work DIR --results DIR
 *                       [--keys K] [--probes N] [--misses F] [--seed X]
 * Harness lookup-report --work DIR --results DIR                    results.md
 * </pre>
 *
 * <p>The table is {@code dim (id BIGINT, name STRING, price BIGINT, PRIMARY KEY (id))} with ids 0
 * to {@code K - 1}, each column a function of {@code id}; persist's is one compacted batch (closed
 * at the end of its write), Paimon's a primary-key table of 2 buckets. The probes are {@code N}
 * keys: with probability {@code F} a key outside the table (a miss), otherwise a table key drawn
 * uniformly or by Zipf's law (exponent 1, hot keys spread over the key space); the same keys for
 * every system.
 *
 * <p>The join job runs at parallelism 1, every operator chained: a sequence source, a map stamping
 * each probe with {@link System#nanoTime()}, the SQL {@code LEFT JOIN dim FOR SYSTEM_TIME AS OF
 * p.proc ON p.k = d.id} and a function that takes each joined row's latency (now minus the stamp:
 * the lookup and the row conversions around it, the same for every system) into a histogram of
 * microseconds, counts the hits and sums their prices (checked against the expected sum). Rate is
 * probes ÷ wall time from submission to the job's end, so it includes each system's start (Paimon
 * and the FULL cache load the table before the first lookup).
 */
final class LookupBench {

    static final List<String> SYSTEMS =
            List.of("persist-nocache", "persist", "persist-partial", "persist-full", "paimon");
    static final List<String> SKEWS = List.of("uniform", "zipf");

    static final List<String> COLUMNS =
            List.of(
                    "rep",
                    "system",
                    "skew",
                    "started",
                    "load1",
                    "keys",
                    "probes",
                    "hits",
                    "wall_s",
                    "lookups_per_s",
                    "p50_us",
                    "p90_us",
                    "p99_us",
                    "max_us",
                    "price_sum_ok");

    private static final String PAIMON_CATALOG = "lookup_paimon";

    private LookupBench() {}

    // ---- the tables ----

    private static String columns() {
        return "id BIGINT, name STRING, price BIGINT, PRIMARY KEY (id) NOT ENFORCED";
    }

    private static String persistTable(Path location, String options) {
        return "CREATE TABLE dim ("
                + columns()
                + ") WITH ('connector' = 'persist', 'location' = '"
                + location
                + "', 'collection' = 'dim'"
                + options
                + ")";
    }

    private static String paimonCatalog(Path warehouse) {
        return "CREATE CATALOG "
                + PAIMON_CATALOG
                + " WITH ('type' = 'paimon', 'warehouse' = '"
                + warehouse.toUri()
                + "')";
    }

    /** Each column a function of {@code id}: the price is checked by the query. */
    private static String select(String table) {
        return "INSERT INTO "
                + table
                + " SELECT seq, CONCAT('name-', LPAD(CAST(seq AS STRING), 9, '0')), "
                + "MOD(seq * 7919, 100003) FROM updates";
    }

    static long price(long id) {
        return Math.floorMod(id * 7919, 100003L);
    }

    static void write(Map<String, String> options) throws Exception {
        long keys = keys(options);
        Path work = Path.of(options.get("work"));
        Path location = work.resolve("persist");
        Path warehouse = work.resolve("paimon");
        Harness.deleteRecursively(location);
        Harness.deleteRecursively(warehouse);
        Files.createDirectories(location);
        Files.createDirectories(warehouse);
        try (BenchCluster cluster = new BenchCluster(2)) {
            StreamExecutionEnvironment env = cluster.environment(false, 0);
            StreamTableEnvironment tEnv =
                    StreamTableEnvironment.create(
                            env, EnvironmentSettings.newInstance().inBatchMode().build());
            tEnv.executeSql(PushDownBench.generatorDdl(keys));
            tEnv.executeSql(persistTable(location, ", 'sink.close-on-end-of-input' = 'true'"));
            tEnv.executeSql(paimonCatalog(warehouse));
            tEnv.executeSql(
                    "CREATE TABLE "
                            + PAIMON_CATALOG
                            + ".`default`.dim ("
                            + columns()
                            + ") WITH ('bucket' = '2')");
            StreamStatementSet statements = tEnv.createStatementSet();
            statements.addInsertSql(select("dim"));
            statements.addInsertSql(select(PAIMON_CATALOG + ".`default`.dim"));
            statements.attachAsDataStream();
            BenchCluster.JobRun run = cluster.run(env, "lookup tables");
            System.out.printf(
                    Locale.ROOT,
                    "lookup write: %d keys into persist and Paimon in %.1f s; persist %d bytes,"
                            + " Paimon %d bytes%n",
                    keys,
                    run.wallNanos() / 1e9,
                    RunProbe.directoryBytes(location),
                    RunProbe.directoryBytes(warehouse));
        }
    }

    // ---- the probes ----

    /** The probe keys: the same for every system of a skew. */
    static final class Probes implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final long keys;
        private final double misses;
        private final long seed;
        private final boolean zipf;

        /** Made where the keys are drawn (8 bytes per key: not shipped with the job). */
        private transient double[] zipfCdf;

        Probes(long keys, double misses, long seed, boolean zipf) {
            this.keys = keys;
            this.misses = misses;
            this.seed = seed;
            this.zipf = zipf;
        }

        long key(long i) {
            long h = WorkloadGenerator.mix(i ^ seed);
            if ((h >>> 11) * 0x1.0p-53 < misses) {
                return keys + Long.remainderUnsigned(WorkloadGenerator.mix(h), keys);
            }
            long g = WorkloadGenerator.mix(h + 1);
            if (!zipf) {
                return Long.remainderUnsigned(g, keys);
            }
            if (zipfCdf == null) {
                zipfCdf = WorkloadGenerator.zipfCdf((int) keys, 1.0);
            }
            int at = Arrays.binarySearch(zipfCdf, (g >>> 11) * 0x1.0p-53);
            long rank = Math.min(keys - 1, at >= 0 ? at : -at - 1);
            // Hot ranks spread over the key space (and so over pages and row groups).
            return Long.remainderUnsigned(WorkloadGenerator.mix(rank + seed), keys);
        }
    }

    // ---- the query ----

    static void query(Map<String, String> options) throws Exception {
        String system = options.get("system");
        String skew = options.get("skew");
        if (!SYSTEMS.contains(system) || !SKEWS.contains(skew)) {
            throw new IllegalArgumentException(
                    "Use --system " + SYSTEMS + " and --skew " + SKEWS + " (were " + options + ")");
        }
        long keys = keys(options);
        // Without a page cache every lookup decompresses whole pages: fewer probes keep it short.
        long probes =
                Long.parseLong(
                        system.equals("persist-nocache")
                                ? options.getOrDefault("probes-nocache", "20000")
                                : options.getOrDefault("probes", "1000000"));
        double misses = Double.parseDouble(options.getOrDefault("misses", "0.1"));
        long seed = Long.parseLong(options.getOrDefault("seed", "42"));
        Path work = Path.of(options.get("work"));
        Probes keysOf = new Probes(keys, misses, seed, skew.equals("zipf"));
        long expectedHits = 0;
        long expectedPrices = 0;
        for (long i = 0; i < probes; i++) {
            long k = keysOf.key(i);
            if (k < keys) {
                expectedHits++;
                expectedPrices += price(k);
            }
        }
        String started = java.time.Instant.now().toString();
        double[] load = RunProbe.loadAverage();
        BenchCluster.JobRun run;
        try (BenchCluster cluster = new BenchCluster(1)) {
            StreamExecutionEnvironment env = cluster.environment(true, 600_000);
            env.setParallelism(1);
            StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
            String dim;
            if (system.equals("paimon")) {
                tEnv.executeSql(paimonCatalog(work.resolve("paimon")));
                dim = PAIMON_CATALOG + ".`default`.dim";
            } else {
                tEnv.executeSql(persistTable(work.resolve("persist"), persistOptions(system)));
                dim = "dim";
            }
            DataStream<Row> stamped =
                    env.fromSequence(0, probes - 1)
                            .map(i -> Row.of(keysOf.key(i), System.nanoTime()))
                            .returns(Types.ROW(Types.LONG, Types.LONG));
            tEnv.createTemporaryView(
                    "probes",
                    tEnv.fromDataStream(
                            stamped,
                            Schema.newBuilder()
                                    .column("f0", DataTypes.BIGINT())
                                    .column("f1", DataTypes.BIGINT())
                                    .columnByExpression("proc", "PROCTIME()")
                                    .build()));
            tEnv.toDataStream(
                            tEnv.sqlQuery(
                                    "SELECT p.f1, d.price FROM probes AS p LEFT JOIN "
                                            + dim
                                            + " FOR SYSTEM_TIME AS OF p.proc AS d ON p.f0 = d.id"))
                    .process(new Latencies())
                    .sinkTo(new DiscardingSink<>());
            run = cluster.run(env, "lookup join " + system + " " + skew);
        }
        @SuppressWarnings("unchecked")
        TreeMap<Integer, Integer> micros =
                (TreeMap<Integer, Integer>) run.accumulators().get("latency_us");
        long hits = (Long) run.accumulators().get("hits");
        long prices = (Long) run.accumulators().get("prices");
        long rows = micros.values().stream().mapToLong(Integer::longValue).sum();
        if (rows != probes || hits != expectedHits) {
            throw new IllegalStateException(
                    "The join returned "
                            + rows
                            + " rows and "
                            + hits
                            + " hits; expected "
                            + probes
                            + " rows and "
                            + expectedHits
                            + " hits");
        }
        double wall = run.wallNanos() / 1e9;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("rep", options.get("rep"));
        row.put("system", system);
        row.put("skew", skew);
        row.put("started", started);
        row.put("load1", String.format(Locale.ROOT, "%.2f", load[0]));
        row.put("keys", keys);
        row.put("probes", probes);
        row.put("hits", hits);
        row.put("wall_s", String.format(Locale.ROOT, "%.3f", wall));
        row.put("lookups_per_s", Math.round(probes / wall));
        row.put("p50_us", percentile(micros, rows, 0.50));
        row.put("p90_us", percentile(micros, rows, 0.90));
        row.put("p99_us", percentile(micros, rows, 0.99));
        row.put("max_us", micros.lastKey());
        row.put("price_sum_ok", prices == expectedPrices);
        if (prices != expectedPrices) {
            throw new IllegalStateException(
                    "The join's prices sum to " + prices + ", expected " + expectedPrices);
        }
        System.out.println("lookup " + system + " " + skew + ": " + row);
        Harness.append(
                Path.of(options.get("results")).resolve("lookup.csv"),
                String.join(",", COLUMNS),
                String.join(",", row.values().stream().map(String::valueOf).toList()));
    }

    private static String persistOptions(String system) {
        return switch (system) {
            case "persist-nocache" -> ", 'lookup.cache' = 'NONE', 'lookup.page-cache-size' = '0'";
            case "persist" -> ", 'lookup.cache' = 'NONE'";
            case "persist-partial" ->
                    ", 'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '100000',"
                            + " 'lookup.partial-cache.cache-missing-key' = 'true'";
            case "persist-full" -> ", 'lookup.cache' = 'FULL'";
            default -> throw new IllegalArgumentException("Not a persist system: " + system);
        };
    }

    /** The least latency at or above which lie {@code 1 - q} of the rows. */
    static long percentile(TreeMap<Integer, Integer> histogram, long rows, double q) {
        long rank = Math.max(1, (long) Math.ceil(q * rows));
        long seen = 0;
        for (Map.Entry<Integer, Integer> e : histogram.entrySet()) {
            seen += e.getValue();
            if (seen >= rank) {
                return e.getKey();
            }
        }
        return histogram.lastKey();
    }

    /** Each joined row's latency, the hits and their prices, as accumulators. */
    private static final class Latencies extends ProcessFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private transient Histogram micros;
        private transient LongCounter hits;
        private transient LongCounter prices;

        @Override
        public void open(OpenContext context) {
            micros = new Histogram();
            hits = new LongCounter();
            prices = new LongCounter();
            getRuntimeContext().addAccumulator("latency_us", micros);
            getRuntimeContext().addAccumulator("hits", hits);
            getRuntimeContext().addAccumulator("prices", prices);
        }

        @Override
        public void processElement(Row row, Context context, Collector<Row> out) {
            long nanos = System.nanoTime() - (Long) row.getField(0);
            micros.add((int) Math.min(Integer.MAX_VALUE, nanos / 1_000));
            Long price = (Long) row.getField(1);
            if (price != null) {
                hits.add(1);
                prices.add(price);
            }
        }
    }

    static long keys(Map<String, String> options) {
        return Long.parseLong(options.getOrDefault("keys", "1000000"));
    }

    // ---- the report ----

    static void report(Path results) throws IOException {
        List<Map<String, String>> runs = Report.readCsv(results.resolve("lookup.csv"));
        StringBuilder md = new StringBuilder();
        md.append("# Lookup join: persist against Apache Paimon\n\n");
        Map<String, String> first = runs.get(0);
        md.append(
                String.format(
                        Locale.ROOT,
                        "Probe keys (10%% of them not in the table) against a table of %s keys, a"
                                + " processing-time `LEFT JOIN ... FOR SYSTEM_TIME AS OF` at"
                                + " parallelism 1 (so lookups/s is per subtask); medians of %d"
                                + " repetitions per row. Rate: probes ÷ wall time of the job"
                                + " (submission to end, every start and load included). Latency: from"
                                + " stamping the probe to the joined row, the lookup and the row"
                                + " conversions around it. Every run returned one row per probe and"
                                + " the expected hits and sum of prices.%n%n",
                        first.get("keys"),
                        runs.stream().map(r -> r.get("rep")).distinct().count()));
        md.append(
                "| skew | system | probes | lookups/s | ÷ Paimon | p50 µs | p90 µs | p99 µs | hits |\n"
                        + "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (String skew : SKEWS) {
            double paimon = Report.median(select(runs, "paimon", skew), "lookups_per_s");
            for (String system : SYSTEMS) {
                List<Map<String, String>> rows = select(runs, system, skew);
                if (rows.isEmpty()) {
                    continue;
                }
                double rate = Report.median(rows, "lookups_per_s");
                md.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %s | %,d | %,.0f | %s | %.0f | %.0f | %.0f | %,d |%n",
                                skew,
                                describe(system),
                                Long.parseLong(rows.get(0).get("probes")),
                                rate,
                                String.format(
                                        Locale.ROOT,
                                        rate / paimon < 0.1 ? "%.4f" : "%.2f",
                                        rate / paimon),
                                Report.median(rows, "p50_us"),
                                Report.median(rows, "p90_us"),
                                Report.median(rows, "p99_us"),
                                Long.parseLong(rows.get(0).get("hits"))));
            }
        }
        md.append("\n")
                .append(Report.loadAverage(runs, "jobs", ""))
                .append("\nMachine: ")
                .append(Report.machine())
                .append(".\n");
        Files.writeString(results.resolve("results.md"), md.toString());
        System.out.println("lookup report: " + results.resolve("results.md"));
    }

    private static String describe(String system) {
        return switch (system) {
            case "persist-nocache" -> "persist, `lookup.cache` NONE, no page cache";
            case "persist" -> "persist, `lookup.cache` NONE (64 MiB page cache)";
            case "persist-partial" -> "persist, `lookup.cache` PARTIAL (100,000 rows)";
            case "persist-full" -> "persist, `lookup.cache` FULL";
            default -> "Paimon (its lookup defaults)";
        };
    }

    private static List<Map<String, String>> select(
            List<Map<String, String>> runs, String system, String skew) {
        return runs.stream()
                .filter(r -> system.equals(r.get("system")) && skew.equals(r.get("skew")))
                .toList();
    }
}
