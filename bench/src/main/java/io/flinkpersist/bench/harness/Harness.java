package io.flinkpersist.bench.harness;

import io.flinkpersist.PersistCollection;
import io.flinkpersist.batch.BatchStats;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.batch.BatchWriter;
import io.flinkpersist.batch.UpdateBuffer;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.bench.Fingerprint;
import io.flinkpersist.bench.Workload;
import io.flinkpersist.bench.WorkloadGenerator;
import io.flinkpersist.blob.LocalFileBlobStore;
import io.flinkpersist.sink.PersistSinkBuilder;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.write.PassCounters;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * One step of the side-by-side benchmark, run in a JVM of its own (bench/run.sh runs the steps in
 * order):
 *
 * <pre>
 * Harness reference   --work DIR [workload options]   the expected final state, and one consolidated Parquet file of it
 * Harness ingest      --system persist|paimon|files --rep R --order O --work DIR --results DIR [options]
 * Harness read        --system persist|paimon|files --rep R --order O --work DIR --results DIR [options]
 * Harness heap        --work DIR --results DIR [options]   the heap a persist writer's buffer retains when it spills
 * Harness report      --work DIR --results DIR         Markdown table, plots
 * Harness pushdown-write | pushdown-query | pushdown-report   SQL reads with and without push-down ({@link PushDownBench})
 * </pre>
 *
 * Options: the workload's ({@link Workload#fromOptions}), {@code --parallelism} (2), {@code
 * --checkpoint-interval} in ms (2000), {@code --buffer-size} in bytes (the sink's default). Every
 * ingest and read appends one row to {@code runs.csv}, and every completed checkpoint one row to
 * {@code checkpoints.csv}, under the results directory.
 */
public final class Harness {

    static final List<String> SYSTEMS = List.of("persist", "paimon", "files");

    static final List<String> RUN_COLUMNS =
            List.of(
                    "rep",
                    "order",
                    "system",
                    "phase",
                    "started",
                    "load1",
                    "load5",
                    "parallelism",
                    "checkpoint_interval",
                    "buffer_size",
                    "updates",
                    "wall_s",
                    "net_s",
                    "updates_per_s",
                    "state_pairs_per_s",
                    "raw_rows_per_s",
                    "rows_read",
                    "tail_s",
                    "encodes_per_update",
                    "passes",
                    "maintenance_mb_by_thread",
                    "bytes_written",
                    "write_amp",
                    "bytes_end",
                    "files_end",
                    "space_amp",
                    "heap_baseline_mb",
                    "heap_peak_mb",
                    "heap_after_gc_peak_mb",
                    "checkpoints",
                    "cp_median_ms",
                    "cp_p99_ms",
                    "persist_levels",
                    "persist_unsealed",
                    "state_check");

    private Harness() {}

    public static void main(String[] args) {
        try {
            Map<String, String> options = parse(args);
            switch (args[0]) {
                case "reference" -> reference(options);
                case "ingest" -> ingest(options);
                case "read" -> read(options);
                case "heap" -> heap(options);
                case "report" ->
                        Report.write(Path.of(options.get("work")), Path.of(options.get("results")));
                case "pushdown-write" -> PushDownBench.write(options);
                case "pushdown-query" -> PushDownBench.query(options);
                case "pushdown-report" ->
                        PushDownReport.write(
                                Path.of(options.get("work")), Path.of(options.get("results")));
                case "lookup-write" -> LookupBench.write(options);
                case "lookup-query" -> LookupBench.query(options);
                case "lookup-report" -> LookupBench.report(Path.of(options.get("results")));
                default ->
                        throw new IllegalArgumentException(
                                "Unknown command "
                                        + args[0]
                                        + ": use reference, ingest, read, heap, report,"
                                        + " pushdown-write, pushdown-query, pushdown-report,"
                                        + " lookup-write, lookup-query or lookup-report");
            }
            System.exit(0);
        } catch (Throwable t) {
            // MiniCluster threads are not daemons: a failure must end the process.
            t.printStackTrace();
            System.exit(1);
        }
    }

    static Map<String, String> parse(String[] args) {
        if (args.length == 0) {
            throw new IllegalArgumentException(
                    "Usage: Harness reference|ingest|read|report --option value ...");
        }
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException(
                        "Expected --option value at argument " + i + " (was " + args[i] + ")");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    // ---- the expected state ----

    /**
     * Runs the generator, records the fingerprint of the final state, and writes the final state as
     * one sorted, consolidated Parquet file (the engine's batch format, default options): the
     * denominator of the space amplification.
     */
    static void reference(Map<String, String> options) throws IOException {
        Workload w = Workload.fromOptions(options);
        Path work = Path.of(options.get("work"));
        WorkloadGenerator g = new WorkloadGenerator(w);
        long retractions = 0;
        while (g.hasNext()) {
            g.advance();
            if (g.diff() < 0) {
                retractions++;
            }
        }
        int[] live = g.liveIds();
        Fingerprint expected = new Fingerprint();
        UpdateBuffer buffer =
                new UpdateBuffer(live.length, live.length * (w.keySize() + w.valueSize()));
        byte[] k = new byte[w.keySize()];
        byte[] v = new byte[w.valueSize()];
        for (int id : live) {
            g.keyOf(id, k);
            g.valueOf(id, v);
            expected.add(k, v, 1);
            buffer.add(k, v, w.updates(), 1);
        }
        buffer.sortAndConsolidate();
        Path refDir = work.resolve("reference");
        deleteRecursively(refDir);
        LocalFileBlobStore store = new LocalFileBlobStore(refDir);
        BatchStats stats;
        try (BatchWriter writer =
                        BatchWriter.create(
                                store,
                                "final-state.parquet",
                                BatchWriteOptions.defaults(),
                                Map.of());
                UpdateCursor c = buffer.cursor()) {
            writer.addAll(c);
            stats = writer.finish();
        }
        long consolidatedBytes = stats.sizeBytes();
        Properties p = new Properties();
        w.toOptions().forEach(p::setProperty);
        p.setProperty("expected.count", Long.toString(expected.count()));
        p.setProperty("expected.sum", Long.toString(expected.sum()));
        p.setProperty("retraction.count", Long.toString(retractions));
        p.setProperty("encoded.input.bytes", Long.toString(w.encodedInputBytes()));
        p.setProperty("consolidated.parquet.bytes", Long.toString(consolidatedBytes));
        p.setProperty("consolidated.parquet.rows", Long.toString(buffer.size()));
        try (Writer out = Files.newBufferedWriter(work.resolve("expected.properties"))) {
            p.store(out, "Expected final state of: " + w.describe());
        }
        System.out.printf(
                Locale.ROOT,
                "reference: %s; %,d retractions; final state %,d pairs (%s); one consolidated Parquet file: %,d bytes (%s)%n",
                w.describe(),
                retractions,
                expected.count(),
                expected,
                consolidatedBytes,
                stats);
    }

    static Properties expected(Path work) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(work.resolve("expected.properties"))) {
            p.load(in);
        }
        return p;
    }

    // ---- ingest ----

    static void ingest(Map<String, String> options) throws Exception {
        Workload w = Workload.fromOptions(options);
        String system = options.get("system");
        Path work = Path.of(options.get("work"));
        Path results = Path.of(options.get("results"));
        int parallelism = Integer.parseInt(options.getOrDefault("parallelism", "2"));
        long checkpointMillis = Long.parseLong(options.getOrDefault("checkpoint-interval", "2000"));
        long bufferSize =
                Long.parseLong(
                        options.getOrDefault(
                                "buffer-size",
                                Long.toString(PersistSinkBuilder.DEFAULT_BUFFER_SIZE)));
        Properties expected = expected(work);
        Path data = work.resolve(system);
        deleteRecursively(data);
        Files.createDirectories(data);

        double[] load = RunProbe.loadAverage();
        String started = Instant.now().toString();
        Map<String, Object> row = new LinkedHashMap<>();
        try (BenchCluster cluster = new BenchCluster(parallelism)) {
            StreamExecutionEnvironment env = cluster.environment(true, checkpointMillis);
            switch (system) {
                case "persist" ->
                        Systems.persistIngest(
                                env, w, data, bufferSize, Duration.ofMillis(checkpointMillis));
                case "paimon" -> Systems.paimonIngest(env, w, data, parallelism);
                case "files" -> Systems.filesIngest(env, w, data);
                default ->
                        throw new IllegalArgumentException(
                                "Unknown system " + system + ": use persist, paimon or files");
            }
            long baseline = RunProbe.settledHeap();
            BenchCluster.JobRun run;
            long written;
            long ended;
            PassCounters.reset();
            GenerateUpdates.resetLastUpdate();
            try (RunProbe probe = new RunProbe()) {
                probe.start();
                run = cluster.run(env, system + " ingest");
                ended = System.nanoTime();
                written = probe.bytesWritten();
                row.put("heap_baseline_mb", mb(baseline));
                row.put("heap_peak_mb", mb(probe.peakHeapBytes()));
                row.put("heap_after_gc_peak_mb", mb(probe.peakLiveHeapBytes()));
            }
            long endBytes = RunProbe.directoryBytes(data);
            double wall = run.wallNanos() / 1e9;
            row.put("wall_s", fmt(wall));
            row.put("net_s", fmt(run.netRuntimeMillis() / 1e3));
            row.put("updates_per_s", Math.round(w.updates() / wall));
            // The tail: from the generator's last update to the job's end (the last checkpoint,
            // and for persist the end-of-input drain and merge).
            row.put("tail_s", fmt((ended - GenerateUpdates.lastUpdateNanos()) / 1e9));
            row.put("bytes_written", written);
            row.put(
                    "write_amp",
                    fmt(
                            written
                                    / (double)
                                            Long.parseLong(
                                                    expected.getProperty("encoded.input.bytes"))));
            row.put("bytes_end", endBytes);
            row.put("files_end", RunProbe.fileCount(data));
            row.put(
                    "space_amp",
                    fmt(
                            endBytes
                                    / (double)
                                            Long.parseLong(
                                                    expected.getProperty(
                                                            "consolidated.parquet.bytes"))));
            List<Long> durations =
                    run.checkpoints().stream()
                            .map(BenchCluster.Checkpoint::durationMillis)
                            .sorted()
                            .toList();
            row.put("checkpoints", durations.size());
            row.put("cp_median_ms", percentile(durations, 0.5));
            row.put("cp_p99_ms", percentile(durations, 0.99));
            if (system.equals("persist")) {
                try (PersistCollection c = PersistCollection.open(data, Systems.COLLECTION)) {
                    CollectionState s = c.state();
                    Map<Integer, Integer> levels = new TreeMap<>(Comparator.reverseOrder());
                    for (TraceBatchMeta b : s.trace()) {
                        levels.merge(b.level(), 1, Integer::sum);
                    }
                    StringBuilder sb = new StringBuilder();
                    levels.forEach(
                            (level, n) ->
                                    sb.append(sb.length() == 0 ? "" : " ")
                                            .append("L")
                                            .append(level)
                                            .append("=")
                                            .append(n));
                    row.put("persist_levels", sb.toString());
                    row.put("persist_unsealed", s.unsealed().size());
                }
                passes(row, w.updates());
            }
            appendCheckpoints(results, options, system, run.checkpoints());
        }
        appendRun(results, options, system, "ingest", started, load, w.updates(), row);
        System.out.println("ingest " + system + ": " + row);
    }

    /**
     * Adds the persist ingest's encode counts ({@link PassCounters}): rows encoded per update in
     * all, per pass, and the bytes each thread wrote (the writers' spills, each merge worker).
     */
    private static void passes(Map<String, Object> row, long updates) {
        Map<String, PassCounters.Counts> passes = PassCounters.byPass();
        long rows = passes.values().stream().mapToLong(PassCounters.Counts::rows).sum();
        row.put("encodes_per_update", String.format(Locale.ROOT, "%.3f", rows / (double) updates));
        StringBuilder sb = new StringBuilder();
        passes.forEach(
                (pass, c) ->
                        sb.append(sb.length() == 0 ? "" : "; ")
                                .append(
                                        String.format(
                                                Locale.ROOT,
                                                "%s %.3f (%d files)",
                                                pass,
                                                c.rows() / (double) updates,
                                                c.files())));
        PassCounters.Counts adopted = PassCounters.adopted();
        if (adopted.files() > 0) {
            // Moved into the trace by reference: counted, but not an encode.
            sb.append(sb.length() == 0 ? "" : "; ")
                    .append(
                            String.format(
                                    Locale.ROOT,
                                    "adopted by drains (not encoded) %.3f (%d files)",
                                    adopted.rows() / (double) updates,
                                    adopted.files()));
        }
        row.put("passes", sb.toString());
        StringBuilder threads = new StringBuilder();
        PassCounters.bytesByThread()
                .forEach(
                        (thread, bytes) ->
                                threads.append(threads.length() == 0 ? "" : "; ")
                                        .append(thread.replace(';', ','))
                                        .append(" ")
                                        .append(
                                                String.format(
                                                        Locale.ROOT, "%.1f", bytes / 1048576.0)));
        row.put("maintenance_mb_by_thread", threads.toString());
    }

    // ---- read ----

    static void read(Map<String, String> options) throws Exception {
        String system = options.get("system");
        Path work = Path.of(options.get("work"));
        Path results = Path.of(options.get("results"));
        int parallelism = Integer.parseInt(options.getOrDefault("parallelism", "2"));
        Properties expected = expected(work);
        long pairs = Long.parseLong(expected.getProperty("expected.count"));
        Path data = work.resolve(system);

        double[] load = RunProbe.loadAverage();
        String started = Instant.now().toString();
        Map<String, Object> row = new LinkedHashMap<>();
        try (BenchCluster cluster = new BenchCluster(parallelism)) {
            StreamExecutionEnvironment env = cluster.environment(false, 0);
            switch (system) {
                case "persist" -> Systems.persistRead(env, data);
                case "paimon" -> Systems.paimonRead(env, data);
                case "files" -> Systems.filesRead(env, data);
                default ->
                        throw new IllegalArgumentException(
                                "Unknown system " + system + ": use persist, paimon or files");
            }
            long baseline = RunProbe.settledHeap();
            BenchCluster.JobRun run;
            try (RunProbe probe = new RunProbe()) {
                probe.start();
                run = cluster.run(env, system + " read");
                row.put("bytes_written", probe.bytesWritten());
                row.put("heap_baseline_mb", mb(baseline));
                row.put("heap_peak_mb", mb(probe.peakHeapBytes()));
                row.put("heap_after_gc_peak_mb", mb(probe.peakLiveHeapBytes()));
            }
            double wall = run.wallNanos() / 1e9;
            long count = (Long) run.accumulators().get(FingerprintFunction.COUNT);
            long sum = (Long) run.accumulators().get(FingerprintFunction.SUM);
            long rows = (Long) run.accumulators().get(FingerprintFunction.ROWS);
            long nonUnit = (Long) run.accumulators().get(FingerprintFunction.NON_UNIT_DIFFS);
            row.put("wall_s", fmt(wall));
            row.put("net_s", fmt(run.netRuntimeMillis() / 1e3));
            row.put("state_pairs_per_s", Math.round(pairs / wall));
            row.put("raw_rows_per_s", Math.round(rows / wall));
            row.put("rows_read", rows);
            boolean same =
                    count == pairs && sum == Long.parseLong(expected.getProperty("expected.sum"));
            // A consolidated read of a set returns each pair once with diff +1; a raw read may not.
            boolean consolidated = !system.equals("files");
            boolean ok = same && (!consolidated || (nonUnit == 0 && rows == pairs));
            row.put(
                    "state_check",
                    ok
                            ? "ok"
                            : String.format(
                                    Locale.ROOT,
                                    "MISMATCH count=%d sum=%d rows=%d nonUnitDiffs=%d",
                                    count,
                                    sum,
                                    rows,
                                    nonUnit));
        }
        appendRun(
                results,
                options,
                system,
                "read",
                started,
                load,
                Long.parseLong(options.getOrDefault("updates", "0")),
                row);
        System.out.println("read " + system + ": " + row);
        if (!"ok".equals(row.get("state_check"))) {
            throw new IllegalStateException(
                    "The "
                            + system
                            + " read does not return the expected final state: "
                            + row.get("state_check"));
        }
    }

    // ---- the writer's heap ----

    /**
     * Measures what a persist writer's buffer holds on the heap when it spills: the workload's
     * updates go into an {@link UpdateBuffer} until its {@code usedBytes()} reaches the bound, as
     * {@code PersistSinkWriter} does, and the heap retained after a full GC is compared with the
     * idle baseline; then the buffer is spilled with {@link PersistCollection#writeBatch} (the
     * writer's own spill) and the heap measured again. Done for the sink's default bound and a
     * quarter of it, so the report can show that the heap follows the bound. Appends one row per
     * bound to {@code heap.csv}.
     */
    static void heap(Map<String, String> options) throws IOException {
        Workload w = Workload.fromOptions(options);
        Path work = Path.of(options.get("work"));
        Path results = Path.of(options.get("results"));
        long defaultBound =
                Long.parseLong(
                        options.getOrDefault(
                                "buffer-size",
                                Long.toString(PersistSinkBuilder.DEFAULT_BUFFER_SIZE)));
        Path dir = work.resolve("heap");
        StringBuilder lines = new StringBuilder();
        // Load and initialise what a spill uses (Parquet, codecs, the blob store) before any
        // baseline.
        try (PersistCollection c = PersistCollection.open(dir, "warm-up")) {
            UpdateBuffer small = new UpdateBuffer();
            small.add(new byte[] {1}, new byte[] {2}, 0, 1);
            c.writeBatch(small);
        }
        for (long bound : new long[] {defaultBound / 4, defaultBound}) {
            deleteRecursively(dir);
            // Keys and values of the workload's sizes made from a counter, so nothing but the
            // buffer
            // grows between the baseline and the measurement (the workload generator keeps a
            // table).
            byte[] k = new byte[w.keySize()];
            byte[] v = new byte[w.valueSize()];
            long baseline = RunProbe.settledHeap();
            UpdateBuffer buffer = new UpdateBuffer();
            long added = 0;
            while (buffer.usedBytes() < bound) {
                fill(k, WorkloadGenerator.mix(added));
                fill(v, WorkloadGenerator.mix(~added));
                buffer.add(k, v, added, (added & 4) == 0 ? 1 : -1);
                added++;
            }
            long full;
            long capacity = buffer.memoryBytes();
            long spilledBytes;
            try (PersistCollection c = PersistCollection.open(dir, "heap")) {
                // The collection's own objects are not the buffer's: measure from here.
                full = RunProbe.settledHeap() - baseline;
                spilledBytes = c.writeBatch(buffer).map(b -> b.sizeBytes()).orElse(0L);
                buffer.clear();
                long afterSpill = RunProbe.settledHeap() - baseline;
                Reference.reachabilityFence(buffer);
                lines.append(
                        String.format(
                                Locale.ROOT,
                                "%d,%d,%d,%d,%d,%d%n",
                                bound,
                                added,
                                full,
                                capacity,
                                afterSpill,
                                spilledBytes));
                System.out.printf(
                        Locale.ROOT,
                        "heap: bound %d MiB: %,d updates buffered; retained after GC at the spill %.1f MiB (%.2f× the bound; the buffer's arrays %.1f MiB);"
                                + " after the spill and clear(), which keeps the capacity, %.1f MiB; batch %,d bytes%n",
                        bound >> 20,
                        added,
                        full / 1048576.0,
                        full / (double) bound,
                        capacity / 1048576.0,
                        afterSpill / 1048576.0,
                        spilledBytes);
            }
        }
        Files.createDirectories(results);
        Files.writeString(
                results.resolve("heap.csv"),
                "bound_bytes,updates,retained_at_spill_bytes,buffer_capacity_bytes,retained_after_spill_bytes,batch_bytes\n"
                        + lines);
        deleteRecursively(dir);
    }

    private static void fill(byte[] out, long seed) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (seed >>> (8 * (i & 7)));
            if ((i & 7) == 7) {
                seed = WorkloadGenerator.mix(seed);
            }
        }
    }

    // ---- output ----

    private static void appendRun(
            Path results,
            Map<String, String> options,
            String system,
            String phase,
            String started,
            double[] load,
            long updates,
            Map<String, Object> values)
            throws IOException {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("rep", options.get("rep"));
        row.put("order", options.get("order"));
        row.put("system", system);
        row.put("phase", phase);
        row.put("started", started);
        row.put("load1", load[0]);
        row.put("load5", load[1]);
        row.put("parallelism", options.getOrDefault("parallelism", "2"));
        row.put("checkpoint_interval", options.getOrDefault("checkpoint-interval", "2000"));
        row.put(
                "buffer_size",
                options.getOrDefault(
                        "buffer-size", Long.toString(PersistSinkBuilder.DEFAULT_BUFFER_SIZE)));
        row.put("updates", updates);
        row.putAll(values);
        StringBuilder line = new StringBuilder();
        for (String column : RUN_COLUMNS) {
            if (line.length() > 0) {
                line.append(',');
            }
            Object v = row.get(column);
            line.append(v == null ? "" : v.toString().replace(',', ';'));
        }
        append(results.resolve("runs.csv"), String.join(",", RUN_COLUMNS), line.toString());
    }

    private static void appendCheckpoints(
            Path results,
            Map<String, String> options,
            String system,
            List<BenchCluster.Checkpoint> checkpoints)
            throws IOException {
        StringBuilder lines = new StringBuilder();
        for (BenchCluster.Checkpoint c : checkpoints) {
            if (lines.length() > 0) {
                lines.append('\n');
            }
            lines.append(options.get("rep"))
                    .append(',')
                    .append(system)
                    .append(',')
                    .append(c.id())
                    .append(',')
                    .append(c.triggerOffsetMillis())
                    .append(',')
                    .append(c.durationMillis());
        }
        if (lines.length() > 0) {
            append(
                    results.resolve("checkpoints.csv"),
                    "rep,system,checkpoint,trigger_offset_ms,duration_ms",
                    lines.toString());
        }
    }

    static void append(Path file, String header, String lines) throws IOException {
        Files.createDirectories(file.getParent());
        boolean fresh = !Files.exists(file);
        Files.writeString(
                file,
                (fresh ? header + "\n" : "") + lines + "\n",
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    static long percentile(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static long mb(long bytes) {
        return Math.round(bytes / 1048576.0);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
