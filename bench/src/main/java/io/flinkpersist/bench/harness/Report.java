package io.flinkpersist.bench.harness;

import io.flinkpersist.bench.Workload;
import io.flinkpersist.sink.PersistSinkBuilder;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Turns {@code runs.csv} and {@code checkpoints.csv} into {@code results.md} (medians, ratios,
 * targets, the machine) and two plots: {@code throughput.png} and {@code checkpoints.png}.
 */
final class Report {

    private static final Map<String, String> NAMES =
            Map.of("persist", "persist", "paimon", "Paimon", "files", "FileSink/FileSource");

    private Report() {}

    static void write(Path work, Path results) throws IOException {
        Properties expected = Harness.expected(work);
        List<Map<String, String>> runs = readCsv(results.resolve("runs.csv"));
        List<Map<String, String>> checkpoints =
                Files.exists(results.resolve("checkpoints.csv"))
                        ? readCsv(results.resolve("checkpoints.csv"))
                        : List.of();
        int reps = (int) runs.stream().map(r -> r.get("rep")).distinct().count();

        StringBuilder md = new StringBuilder();
        md.append("# Benchmark: persist against Apache Paimon and Flink's FileSink\n\n");
        md.append("Workload: ").append(workload(expected)).append(".\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "Final state: %,d (key, value) pairs; encoded input %,d bytes (key + value + 16 per update); one consolidated"
                                + " Parquet file of the final state (the engine's batch format, zstd): %,d bytes.%n%n",
                        Long.parseLong(expected.getProperty("expected.count")),
                        Long.parseLong(expected.getProperty("encoded.input.bytes")),
                        Long.parseLong(expected.getProperty("consolidated.parquet.bytes"))));
        md.append("Machine: ").append(machine()).append(".\n");
        md.append(loadAverage(runs, "runs", ", so single runs are noisy"));
        md.append("\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "Protocol: %d repetitions; in each, the three systems in a rotated order, each step (ingest, then read) in a fresh"
                                + " JVM with an embedded MiniCluster started before the timed job; parallelism %s, checkpoint interval %s ms."
                                + " Figures are medians over the repetitions; every run is in `runs.csv`.%n%n",
                        reps,
                        first(runs, "parallelism", "2"),
                        first(runs, "checkpoint_interval", "2000")));

        md.append("## Ingest\n\n");
        md.append(
                "| system | wall s | updates/s | tail s | tail % of wall | encodes per update | written MB | write amp. |"
                        + " on storage at end MB | space amp. | heap peak MB | heap after GC, max MB | checkpoints |"
                        + " checkpoint median ms | checkpoint p99 ms |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String system : Harness.SYSTEMS) {
            List<Map<String, String>> rs = select(runs, system, "ingest");
            if (rs.isEmpty()) {
                continue;
            }
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %.1f | %,.0f | %.1f | %.0f%% | %s | %,.0f | %.2f | %,.1f | %.2f | %,.0f | %,.0f | %.0f | %,.0f | %,.0f |%n",
                            NAMES.get(system),
                            median(rs, "wall_s"),
                            median(rs, "updates_per_s"),
                            median(rs, "tail_s"),
                            100 * median(rs, "tail_s") / median(rs, "wall_s"),
                            Double.isNaN(median(rs, "encodes_per_update"))
                                    ? "–"
                                    : String.format(
                                            Locale.ROOT, "%.2f", median(rs, "encodes_per_update")),
                            median(rs, "bytes_written") / 1048576.0,
                            median(rs, "write_amp"),
                            median(rs, "bytes_end") / 1048576.0,
                            median(rs, "space_amp"),
                            median(rs, "heap_peak_mb"),
                            median(rs, "heap_after_gc_peak_mb"),
                            median(rs, "checkpoints"),
                            median(rs, "cp_median_ms"),
                            median(rs, "cp_p99_ms")));
        }
        List<Map<String, String>> persistIngest = select(runs, "persist", "ingest");
        if (!persistIngest.isEmpty()) {
            md.append(
                    "\npersist at the end of each ingest (trace batches per level; unsealed batches): ");
            List<String> ends = new ArrayList<>();
            for (Map<String, String> r : persistIngest) {
                ends.add(
                        "rep "
                                + r.get("rep")
                                + ": "
                                + r.get("persist_levels")
                                + "; unsealed "
                                + r.get("persist_unsealed"));
            }
            md.append(String.join(" · ", ends)).append(".\n");
            md.append(
                    "\nTail = from the generator's last update to the job's end: the last checkpoint and, for persist, the"
                            + " end-of-input drain and merge. Encodes per update = rows persist encoded into Parquet in all passes ÷"
                            + " updates ingested; per pass (rows ÷ updates, files) and bytes per writing thread (the writers'"
                            + " spills, each merge worker; `maintenance_mb_by_thread` in `runs.csv`):\n\n");
            md.append(
                    "| rep | passes: rows per update (files) | MB written per thread |\n|---|---|---|\n");
            for (Map<String, String> r : persistIngest) {
                md.append("| ")
                        .append(r.get("rep"))
                        .append(" | ")
                        .append(r.getOrDefault("passes", ""))
                        .append(" | ")
                        .append(r.getOrDefault("maintenance_mb_by_thread", ""))
                        .append(" |\n");
            }
        }

        md.append("\n## Read\n\n");
        md.append(
                "| system | read | wall s | state pairs/s | rows returned | raw rows/s | heap peak MB | final state |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---|\n");
        Map<String, String> readKinds =
                Map.of(
                        "persist",
                        "consolidated snapshot (PersistSource)",
                        "paimon",
                        "batch read of the table",
                        "files",
                        "raw Parquet (FileSource)");
        for (String system : Harness.SYSTEMS) {
            List<Map<String, String>> rs = select(runs, system, "read");
            if (rs.isEmpty()) {
                continue;
            }
            long bad = rs.stream().filter(r -> !"ok".equals(r.get("state_check"))).count();
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %.1f | %,.0f | %,.0f | %,.0f | %,.0f | %s |%n",
                            NAMES.get(system),
                            readKinds.get(system),
                            median(rs, "wall_s"),
                            median(rs, "state_pairs_per_s"),
                            median(rs, "rows_read"),
                            median(rs, "raw_rows_per_s"),
                            median(rs, "heap_peak_mb"),
                            bad == 0
                                    ? "equal to the expected state in all " + rs.size() + " reads"
                                    : bad + " of " + rs.size() + " reads DIFFER"));
        }
        md.append(
                "\nState pairs/s = pairs of the final state ÷ wall time (the same numerator for all three); raw rows/s = rows the"
                        + " read returned ÷ wall time (for FileSource every update, for the others the state). The FileSource"
                        + " read returns the raw updates; its fingerprint (Σ diff · hash(key, value)) is consolidated arithmetically.\n");

        md.append("\n## Ratios (medians)\n\n");
        md.append("| measure | persist ÷ Paimon | persist ÷ FileSink |\n|---|---:|---:|\n");
        ratio(md, runs, "ingest updates/s", "ingest", "updates_per_s");
        ratio(md, runs, "read state pairs/s", "read", "state_pairs_per_s");
        ratio(md, runs, "bytes written (write amp.)", "ingest", "bytes_written");
        ratio(md, runs, "bytes on storage at end (space amp.)", "ingest", "bytes_end");
        ratio(md, runs, "heap peak", "ingest", "heap_peak_mb");
        ratio(md, runs, "checkpoint median", "ingest", "cp_median_ms");

        md.append("\n## Targets\n\n");
        targets(
                md,
                runs,
                Files.exists(results.resolve("heap.csv"))
                        ? readCsv(results.resolve("heap.csv"))
                        : null);

        md.append("\n## Settings\n\n");
        long bufferSize =
                Long.parseLong(
                        first(
                                runs,
                                "buffer_size",
                                Long.toString(PersistSinkBuilder.DEFAULT_BUFFER_SIZE)));
        for (String system : Harness.SYSTEMS) {
            md.append("- ")
                    .append(NAMES.get(system))
                    .append(": ")
                    .append(Systems.settings(system, bufferSize, 0))
                    .append(".\n");
        }
        md.append(
                "- Measures: wall = submission to job result; written = bytes the JVM caused to be written to storage during"
                        + " the job (`/proc/self/io` write_bytes); write amp. = written ÷ encoded input; space amp. = bytes under the"
                        + " system's directory at the end ÷ the consolidated Parquet file; heap peak sampled every 20 ms over the whole"
                        + " JVM (MiniCluster, generator and system); checkpoint durations end to end, from the job's checkpoint history.\n");
        md.append(
                "- Writer heap (`Harness heap`, a JVM of its own with the serial collector, whose figures after a full GC are exact):"
                        + " updates of the workload's sizes go into the writer's buffer until it reaches its bound, as the sink's writer does;"
                        + " the heap retained after a full GC, less the baseline taken just before, is what the buffer holds when it spills."
                        + " Measured for the sink's default bound and a quarter of it (`heap.csv`).\n");
        md.append("\n![throughput](throughput.png)\n\n![checkpoint durations](checkpoints.png)\n");
        Files.writeString(results.resolve("results.md"), md.toString());

        plotThroughput(runs, results.resolve("throughput.png"));
        plotCheckpoints(checkpoints, results.resolve("checkpoints.png"));
        System.out.print(md);
    }

    private static void targets(
            StringBuilder md, List<Map<String, String>> runs, List<Map<String, String>> heapRows) {
        double pIngest = median(select(runs, "persist", "ingest"), "updates_per_s");
        double aIngest = median(select(runs, "paimon", "ingest"), "updates_per_s");
        double fIngest = median(select(runs, "files", "ingest"), "updates_per_s");
        double pRead = median(select(runs, "persist", "read"), "state_pairs_per_s");
        double aRead = median(select(runs, "paimon", "read"), "state_pairs_per_s");
        double space = median(select(runs, "persist", "ingest"), "space_amp");
        List<Map<String, String>> persistRuns = select(runs, "persist", "ingest");
        double encodes = median(persistRuns, "encodes_per_update");
        double tail = median(persistRuns, "tail_s") / median(persistRuns, "wall_s");
        md.append("| target | measured | met |\n|---|---:|---|\n");
        target(md, "ingest ≥ 3× Paimon", pIngest / aIngest, 3.0, "×");
        target(md, "ingest ≥ 0.9× FileSink", pIngest / fIngest, 0.9, "×");
        atMost(md, "encodes per update ≤ 2.2", encodes, 2.2, "");
        atMost(md, "end-of-input tail ≤ 10% of the ingest wall", 100 * tail, 10, "%");
        target(md, "consolidated read ≥ 2× Paimon", pRead / aRead, 2.0, "×");
        md.append(
                String.format(
                        Locale.ROOT,
                        "| space amplification ≤ 1.2 | %.2f | %s |%n",
                        space,
                        space <= 1.2 ? "yes" : "no"));
        List<Map<String, String>> persist = select(runs, "persist", "ingest");
        if (heapRows != null && !heapRows.isEmpty()) {
            Map<String, String> full = heapRows.get(heapRows.size() - 1);
            double bound = Double.parseDouble(full.get("bound_bytes"));
            double retained = Double.parseDouble(full.get("retained_at_spill_bytes"));
            StringBuilder others = new StringBuilder();
            for (Map<String, String> r : heapRows.subList(0, heapRows.size() - 1)) {
                others.append(
                        String.format(
                                Locale.ROOT,
                                "; with a %d MiB bound: %.1f MiB (%.2f×)",
                                Long.parseLong(r.get("bound_bytes")) >> 20,
                                Double.parseDouble(r.get("retained_at_spill_bytes")) / 1048576.0,
                                Double.parseDouble(r.get("retained_at_spill_bytes"))
                                        / Double.parseDouble(r.get("bound_bytes"))));
            }
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| writer heap within its bound (a writer's buffer spills at its bound and allocates at most about 2× it) | heap a full"
                                    + " %d MiB buffer retains after GC when it spills: %.1f MiB = %.2f× the bound%s | %s |%n",
                            (long) bound >> 20,
                            retained / 1048576.0,
                            retained / bound,
                            others,
                            retained <= 2 * bound ? "yes" : "no"));
        }
        if (!persist.isEmpty()) {
            long bufferSize =
                    Long.parseLong(
                            first(
                                    runs,
                                    "buffer_size",
                                    Long.toString(PersistSinkBuilder.DEFAULT_BUFFER_SIZE)));
            int parallelism = Integer.parseInt(first(runs, "parallelism", "2"));
            double growth =
                    median(persist, "heap_after_gc_peak_mb") - median(persist, "heap_baseline_mb");
            md.append(
                    String.format(
                            Locale.ROOT,
                            "\nFor context, the whole ingest JVM: heap after GC, max, above the idle baseline: %.0f MiB with %d writers × %d MiB"
                                    + " buffers; it also holds the generator's key table, maintenance merges, network stacks and Flink's own.\n",
                            growth,
                            parallelism,
                            bufferSize >> 20));
        }
    }

    private static void atMost(
            StringBuilder md, String name, double measured, double bound, String unit) {
        row(md, name, measured, unit, measured <= bound);
    }

    private static void target(
            StringBuilder md, String name, double measured, double goal, String unit) {
        row(md, name, measured, unit, measured >= goal);
    }

    private static void row(
            StringBuilder md, String name, double measured, String unit, boolean met) {
        md.append(
                String.format(
                        Locale.ROOT,
                        "| %s | %.2f%s | %s |%n",
                        name,
                        measured,
                        unit,
                        Double.isNaN(measured) ? "–" : met ? "yes" : "no"));
    }

    private static void ratio(
            StringBuilder md,
            List<Map<String, String>> runs,
            String name,
            String phase,
            String column) {
        double p = median(select(runs, "persist", phase), column);
        double a = median(select(runs, "paimon", phase), column);
        double f = median(select(runs, "files", phase), column);
        md.append(String.format(Locale.ROOT, "| %s | %s | %s |%n", name, div(p, a), div(p, f)));
    }

    private static String div(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0
                ? "–"
                : String.format(Locale.ROOT, "%.2f", a / b);
    }

    private static void plotThroughput(List<Map<String, String>> runs, Path file)
            throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (String system : Harness.SYSTEMS) {
            double ingest = median(select(runs, system, "ingest"), "updates_per_s");
            double read = median(select(runs, system, "read"), "state_pairs_per_s");
            if (!Double.isNaN(ingest)) {
                data.addValue(ingest / 1e6, "ingest (M updates/s)", NAMES.get(system));
            }
            if (!Double.isNaN(read)) {
                data.addValue(read / 1e6, "read (M state pairs/s)", NAMES.get(system));
            }
        }
        JFreeChart chart =
                ChartFactory.createBarChart(
                        "Throughput per system (median)",
                        "",
                        "millions per second",
                        data,
                        PlotOrientation.VERTICAL,
                        true,
                        false,
                        false);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 500);
    }

    private static void plotCheckpoints(List<Map<String, String>> checkpoints, Path file)
            throws IOException {
        Map<String, XYSeries> series = new LinkedHashMap<>();
        for (Map<String, String> c : checkpoints) {
            String name = NAMES.get(c.get("system")) + " rep " + c.get("rep");
            series.computeIfAbsent(name, XYSeries::new)
                    .add(
                            Long.parseLong(c.get("trigger_offset_ms")) / 1000.0,
                            Long.parseLong(c.get("duration_ms")));
        }
        XYSeriesCollection data = new XYSeriesCollection();
        series.values().forEach(data::addSeries);
        JFreeChart chart =
                ChartFactory.createXYLineChart(
                        "Checkpoint duration over the ingest",
                        "checkpoint triggered at (s after submission)",
                        "duration (ms)",
                        data,
                        PlotOrientation.VERTICAL,
                        true,
                        false,
                        false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        Color[] colors = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c)};
        int i = 0;
        for (String name : series.keySet()) {
            int s = name.startsWith("persist") ? 0 : name.startsWith("Paimon") ? 1 : 2;
            renderer.setSeriesPaint(i, colors[s]);
            renderer.setSeriesStroke(i, new BasicStroke(1.2f));
            i++;
        }
        plot.setRenderer(renderer);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 550);
    }

    private static String workload(Properties p) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            options.put(name, p.getProperty(name));
        }
        return Workload.fromOptions(options).describe();
    }

    /**
     * The line on the 1-minute load average at the start of each of {@code runs} ({@code what}
     * names them), with {@code noisy} added when it passed the core count; empty without loads.
     */
    static String loadAverage(List<Map<String, String>> runs, String what, String noisy) {
        double[] loads =
                runs.stream()
                        .map(r -> r.get("load1"))
                        .filter(v -> v != null && !v.isEmpty())
                        .mapToDouble(Double::parseDouble)
                        .sorted()
                        .toArray();
        if (loads.length == 0) {
            return "";
        }
        return String.format(
                Locale.ROOT,
                "Load average (1 min, `/proc/loadavg`) at the start of the %d %s: min %.1f, median %.1f, max %.1f%s.%n",
                loads.length,
                what,
                loads[0],
                loads[loads.length / 2],
                loads[loads.length - 1],
                loads[loads.length - 1] > Runtime.getRuntime().availableProcessors()
                        ? " — above the core count: other work shared the machine" + noisy
                        : "");
    }

    static String machine() {
        return host() + ", Paimon " + paimonVersion();
    }

    /** Cores, memory, Java, the operating system and Flink's version. */
    static String host() {
        String cpu = "";
        long memKb = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: leave out
        }
        return String.format(
                Locale.ROOT,
                "%d cores%s, %.0f GiB memory; %s %s (%s), heap max %d MiB; %s %s; Flink %s",
                Runtime.getRuntime().availableProcessors(),
                cpu.isEmpty() ? "" : " (" + cpu + ")",
                memKb / 1048576.0,
                System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"),
                System.getProperty("java.vm.vendor"),
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax() >> 20,
                System.getProperty("os.name"),
                System.getProperty("os.version"),
                EnvironmentInformation.getVersion());
    }

    private static String paimonVersion() {
        try (var in =
                Report.class.getResourceAsStream(
                        "/META-INF/maven/org.apache.paimon/paimon-flink-2.1/pom.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String first(List<Map<String, String>> runs, String column, String otherwise) {
        return runs.stream()
                .map(r -> r.get(column))
                .filter(v -> v != null && !v.isEmpty())
                .findFirst()
                .orElse(otherwise);
    }

    static List<Map<String, String>> select(
            List<Map<String, String>> runs, String system, String phase) {
        return runs.stream()
                .filter(r -> system.equals(r.get("system")) && phase.equals(r.get("phase")))
                .toList();
    }

    static double median(List<Map<String, String>> rows, String column) {
        return median(rows, r -> r.get(column));
    }

    private static double median(
            List<Map<String, String>> rows, Function<Map<String, String>, String> get) {
        double[] v =
                rows.stream()
                        .map(get)
                        .filter(s -> s != null && !s.isEmpty())
                        .mapToDouble(Double::parseDouble)
                        .sorted()
                        .toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static List<Map<String, String>> readCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String[] header = lines.get(0).split(",", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length && i < cells.length; i++) {
                row.put(header[i], cells[i]);
            }
            rows.add(row);
        }
        return rows;
    }
}
