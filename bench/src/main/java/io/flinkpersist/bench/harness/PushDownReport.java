package io.flinkpersist.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * Turns {@code pushdown.csv} into {@code results.md}: per query and variant the median wall time,
 * the rows returned, files opened and row groups decoded, and the ratios without ÷ with. Fails if
 * the two variants of a query (or two repetitions) returned different rows.
 */
final class PushDownReport {

    private PushDownReport() {}

    /** The medians of one query in one variant. */
    private record Figures(
            double wall, double files, double rowGroups, String pushed, int runs, String spread) {}

    static void write(Path work, Path results) throws IOException {
        Properties table = PushDownBench.table(work);
        List<Map<String, String>> runs = Report.readCsv(results.resolve("pushdown.csv"));
        checkSameRows(runs);

        // Queries in the order of their groups, then as first run.
        Map<String, List<Map<String, String>>> byQuery = new LinkedHashMap<>();
        for (String group : PushDownBench.GROUPS) {
            runs.stream()
                    .filter(r -> group.equals(r.get("group")))
                    .forEach(
                            r ->
                                    byQuery.computeIfAbsent(r.get("query"), q -> new ArrayList<>())
                                            .add(r));
        }
        int reps = (int) runs.stream().map(r -> r.get("rep")).distinct().count();
        long updates = Long.parseLong(table.getProperty("updates"));

        StringBuilder md = new StringBuilder();
        md.append("# Benchmark: SQL reads with and without push-down\n\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "Table: `t`, ten columns (`id BIGINT` primary key; `c1` BIGINT, `c2` STRING of 16 characters,"
                                + " `c3` DOUBLE, `c4` INT, `c5` STRING of 16 characters, `c6` BIGINT, `c7` DOUBLE, `c8` INT,"
                                + " `c9` STRING), %,d updates (ids 0 to %,d, each the insertion of a new key) written by"
                                + " `INSERT INTO t SELECT ... FROM updates` (Flink's `datagen` with a `sequence` id; batch"
                                + " mode, parallelism %s, `'sink.close-on-end-of-input' = 'true'`) in %.1f s (%,d rows/s)."
                                + " Then the collection held: trace batches %s (by level: %s), files %s, row groups %,d,"
                                + " rows %,d, %.1f MB on storage.%n%n",
                        updates,
                        updates - 1,
                        first(runs, "parallelism", "2"),
                        Double.parseDouble(table.getProperty("write.wall_s")),
                        Long.parseLong(table.getProperty("write.rows_per_s")),
                        table.getProperty("trace.batches"),
                        table.getProperty("trace.levels"),
                        table.getProperty("trace.files"),
                        Long.parseLong(table.getProperty("trace.row_groups")),
                        Long.parseLong(table.getProperty("trace.rows")),
                        Long.parseLong(table.getProperty("bytes")) / 1e6));
        md.append("Machine: ").append(Report.host()).append(".\n");
        md.append(Report.loadAverage(runs, "queries", ""));
        md.append("\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "Protocol: %d repetition(s); in each, the four query groups in a rotated order, each group's two variants"
                                + " (their order alternating) in a fresh JVM with an embedded MiniCluster; every query is a job of"
                                + " its own, its rows counted, summed and hashed by a digest and then discarded. The point"
                                + " queries of a variant run one after another in one JVM, in an order rotated by the repetition"
                                + " (so the coldest first job falls on another key each time). Wall = submission to the job's"
                                + " end (the SQL planning before it is in `plan_s` of `pushdown.csv`); figures are medians over"
                                + " the repetitions. Files opened and row groups decoded are `ReadCounters` deltas over the"
                                + " query in the JVM that runs it: with the embedded cluster that is the split planning and"
                                + " every reader. Every run is in `pushdown.csv`.%n%n"
                                + "Compare the two variants within a row, not rows with each other: the row of the point"
                                + " queries' medians is of warm runs (each key is the first query of its JVM in at most one"
                                + " repetition, and the median leaves that run out), while the other rows are each the first"
                                + " job of a fresh JVM (cold: class loading and JIT compilation included), as is the row of"
                                + " the first point query of each JVM.%n%n",
                        reps));

        md.append("What \"without\" is:\n\n");
        md.append(
                "- point and range queries: the same query with `/*+ OPTIONS('scan.filter-push-down' = 'false') */`;\n");
        String countWithout =
                runs.stream()
                        .filter(
                                r ->
                                        "count".equals(r.get("group"))
                                                && "without".equals(r.get("variant")))
                        .map(r -> r.get("sql"))
                        .findFirst()
                        .orElse("");
        if (countWithout.contains(PushDownBench.AGGREGATE_PUSH_DOWN)) {
            md.append(
                    "- `COUNT(*)`: the same query with `/*+ OPTIONS('scan.aggregate-push-down' = 'false') */` (Flink 2"
                            + " has no planner switch for aggregate push-down:"
                            + " `table.optimizer.source.aggregate-pushdown-enabled` was removed in 2.0);\n");
        } else {
            md.append(
                    "- `COUNT(*)`: the same count over `WHERE id >= 0` (true of every row), with filter push-down off."
                            + " The connector has no `scan.aggregate-push-down` option, and Flink 2 no planner switch"
                            + " (`table.optimizer.source.aggregate-pushdown-enabled` was removed in 2.0); its planner"
                            + " does not push a `COUNT` whose input is filtered, so the baseline scans every row (the"
                            + " `id` column) and counts them in Flink;\n");
        }
        md.append(
                "- the projection `SELECT id, c1 FROM t`: Flink has no switch for projection push-down, so the baseline is"
                        + " `SELECT * FROM t`, all ten columns, its rows discarded the same way (the digest hashes `id`"
                        + " and `c1` in both).\n\n");

        md.append("## Results\n\n");
        md.append(
                "| query | pushed into the scan (with / without) | rows returned | wall s with | wall s without | wall without ÷ with"
                        + " | files opened with | without | ÷ | row groups decoded with | without | ÷ |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<String> pointQueries =
                byQuery.keySet().stream().filter(q -> q.startsWith("point ")).toList();
        if (!pointQueries.isEmpty()) {
            List<Figures> with = new ArrayList<>();
            List<Figures> without = new ArrayList<>();
            for (String q : pointQueries) {
                with.add(figures(byQuery.get(q), "with"));
                without.add(figures(byQuery.get(q), "without"));
            }
            md.append(
                    row(
                            "`SELECT * FROM t WHERE id = k`, "
                                    + pointQueries.size()
                                    + " keys (median of the per-key medians)",
                            "1",
                            overKeys(with),
                            overKeys(without)));
            List<Map<String, String>> firsts =
                    runs.stream()
                            .filter(r -> "point".equals(r.get("group")) && "1".equals(r.get("seq")))
                            .toList();
            md.append(
                    row(
                            "`SELECT * FROM t WHERE id = k`, the first query of each JVM (cold; a different"
                                    + " key in each repetition)",
                            "1",
                            figures(firsts, "with"),
                            figures(firsts, "without")));
        }
        for (Map.Entry<String, List<Map<String, String>>> e : byQuery.entrySet()) {
            if (e.getKey().startsWith("point ")) {
                continue;
            }
            List<Map<String, String>> rs = e.getValue();
            String query = "`" + sqlOf(rs, "with") + "`";
            if (e.getKey().startsWith("projection")) {
                query += " (without: `" + sqlOf(rs, "without") + "`)";
            }
            md.append(
                    row(
                            query,
                            String.format(
                                    Locale.ROOT, "%,d", Long.parseLong(rs.get(0).get("rows"))),
                            figures(rs, "with"),
                            figures(rs, "without")));
        }
        md.append("\n");
        md.append(notes(byQuery));

        if (!pointQueries.isEmpty()) {
            md.append("## Point queries, per key\n\n");
            md.append(
                    "| key | wall s with | wall s without | ÷ | files opened with | without | row groups decoded with | without |\n");
            md.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (String q : pointQueries) {
                Figures w = figures(byQuery.get(q), "with");
                Figures wo = figures(byQuery.get(q), "without");
                md.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %.3f | %.3f | %s | %s | %s | %s | %s |%n",
                                q.substring("point id=".length()),
                                w.wall(),
                                wo.wall(),
                                ratio(wo.wall(), w.wall()),
                                count(w.files()),
                                count(wo.files()),
                                count(w.rowGroups()),
                                count(wo.rowGroups())));
            }
            md.append("\n");
        }
        Files.writeString(results.resolve("results.md"), md.toString());
        System.out.print("pushdown report:\n" + md);
    }

    /** Every run of a query, in both variants and every repetition, returned the same rows. */
    static void checkSameRows(List<Map<String, String>> runs) {
        Map<String, List<Map<String, String>>> byQuery =
                runs.stream()
                        .collect(
                                Collectors.groupingBy(
                                        r -> r.get("query"),
                                        LinkedHashMap::new,
                                        Collectors.toList()));
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, List<Map<String, String>>> e : byQuery.entrySet()) {
            Map<String, List<String>> outcomes = new LinkedHashMap<>();
            for (Map<String, String> r : e.getValue()) {
                outcomes.computeIfAbsent(
                                "rows="
                                        + r.get("rows")
                                        + " first-column sum="
                                        + r.get("id_sum")
                                        + " digest="
                                        + r.get("digest"),
                                k -> new ArrayList<>())
                        .add(r.get("variant") + " rep " + r.get("rep"));
            }
            if (outcomes.size() != 1) {
                mismatches.add(e.getKey() + ": " + outcomes);
            }
        }
        if (!mismatches.isEmpty()) {
            throw new IllegalStateException(
                    "Queries returned different rows with and without push-down (or across repetitions):\n"
                            + String.join("\n", mismatches));
        }
    }

    private static Figures figures(List<Map<String, String>> rows, String variant) {
        List<Map<String, String>> rs =
                rows.stream().filter(r -> variant.equals(r.get("variant"))).toList();
        String pushed =
                rs.stream().map(r -> r.get("pushed")).distinct().collect(Collectors.joining("; "));
        List<String> spread = new ArrayList<>();
        for (String column : List.of("files_opened", "row_groups_decoded")) {
            List<String> values = rs.stream().map(r -> r.get(column)).distinct().sorted().toList();
            if (values.size() > 1) {
                spread.add(column + " " + values);
            }
        }
        return new Figures(
                Report.median(rs, "wall_s"),
                Report.median(rs, "files_opened"),
                Report.median(rs, "row_groups_decoded"),
                pushed,
                rs.size(),
                String.join(", ", spread));
    }

    /** The medians over the keys of the point queries' per-key medians. */
    private static Figures overKeys(List<Figures> perKey) {
        return new Figures(
                median(perKey.stream().mapToDouble(Figures::wall).toArray()),
                median(perKey.stream().mapToDouble(Figures::files).toArray()),
                median(perKey.stream().mapToDouble(Figures::rowGroups).toArray()),
                perKey.stream().map(Figures::pushed).distinct().collect(Collectors.joining("; ")),
                perKey.stream().mapToInt(Figures::runs).sum(),
                perKey.stream()
                        .map(Figures::spread)
                        .filter(s -> !s.isEmpty())
                        .distinct()
                        .collect(Collectors.joining("; ")));
    }

    private static String row(String query, String rows, Figures with, Figures without) {
        return String.format(
                Locale.ROOT,
                "| %s | %s / %s | %s | %.3f | %.3f | %s | %s | %s | %s | %s | %s | %s |%n",
                query,
                with.pushed(),
                without.pushed(),
                rows,
                with.wall(),
                without.wall(),
                ratio(without.wall(), with.wall()),
                count(with.files()),
                count(without.files()),
                ratio(without.files(), with.files()),
                count(with.rowGroups()),
                count(without.rowGroups()),
                ratio(without.rowGroups(), with.rowGroups()));
    }

    /**
     * Observations the figures themselves show: push-downs that did not apply, varying counters.
     */
    private static String notes(Map<String, List<Map<String, String>>> byQuery) {
        StringBuilder notes = new StringBuilder();
        for (Map.Entry<String, List<Map<String, String>>> e : byQuery.entrySet()) {
            Figures with = figures(e.getValue(), "with");
            Figures without = figures(e.getValue(), "without");
            if (e.getKey().equals("count") && !with.pushed().contains("aggregate")) {
                notes.append(
                        "- `COUNT(*)`: the plan shows no aggregate pushed into the scan, so both variants read the table"
                                + " (files and row groups as listed).\n");
            }
            if (e.getKey().equals("count") && with.pushed().contains("aggregate")) {
                notes.append(
                        "- `COUNT(*)`: with push-down the plan shows the count pushed into the scan (`aggregate`).\n");
            }
            if (without.pushed().contains("aggregate")
                    || (!e.getKey().equals("count") && without.pushed().contains("filter"))) {
                notes.append("- ")
                        .append(e.getKey())
                        .append(": the baseline's plan shows the push-down too (")
                        .append(without.pushed())
                        .append("): it is not a baseline.\n");
            }
            if ((e.getKey().startsWith("point ") || e.getKey().startsWith("range"))
                    && !with.pushed().contains("filter")) {
                notes.append("- ")
                        .append(e.getKey())
                        .append(": the plan shows no filter pushed.\n");
            }
            for (Figures f : List.of(with, without)) {
                if (!f.spread().isEmpty()) {
                    notes.append("- ")
                            .append(e.getKey())
                            .append(f == with ? " (with)" : " (without)")
                            .append(": the counters differed between repetitions: ")
                            .append(f.spread())
                            .append(" (the table shows medians).\n");
                }
            }
        }
        return notes.length() == 0 ? "" : notes.append("\n").toString();
    }

    private static String sqlOf(List<Map<String, String>> rows, String variant) {
        return rows.stream()
                .filter(r -> variant.equals(r.get("variant")))
                .map(r -> r.get("sql").replace(';', ','))
                .findFirst()
                .orElse("?");
    }

    private static String ratio(double without, double with) {
        if (Double.isNaN(without) || Double.isNaN(with)) {
            return "–";
        }
        if (with == 0) {
            return without == 0 ? "–" : "∞";
        }
        double r = without / with;
        return String.format(Locale.ROOT, r >= 100 ? "%,.0f" : "%.2f", r);
    }

    private static String count(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return v == Math.rint(v)
                ? String.format(Locale.ROOT, "%,d", (long) v)
                : String.format(Locale.ROOT, "%,.1f", v);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        if (s.length == 0) {
            return Double.NaN;
        }
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String first(List<Map<String, String>> runs, String column, String otherwise) {
        return runs.stream()
                .map(r -> r.get(column))
                .filter(v -> v != null && !v.isEmpty())
                .findFirst()
                .orElse(otherwise);
    }
}
