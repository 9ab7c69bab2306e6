package io.flinkpersist.cli;

import io.flinkpersist.Update;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.BlobStores;
import io.flinkpersist.state.CollectionLayout;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.StateLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code persist demo}: the project's main job. Writes a seeded orders changelog through {@link
 * io.flinkpersist.sink.PersistSink} on an embedded MiniCluster, reads it back as a consolidated
 * snapshot through {@link io.flinkpersist.source.PersistSource}, and checks the result against the
 * final state replayed from the same generator in plain Java. See {@link DemoJob} for the jobs and
 * {@link OrderGenerator} for the stream.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Write an orders changelog with Flink, read it back, check it.",
        description = {
            "Runs the demo on an embedded Flink MiniCluster. A seeded orders changelog (inserts; updates as a retraction of the old version plus an insertion of the new one; deletes; event time up to 2 s out of order, with watermarks) is written through PersistSink with a checkpoint every second: the seal follows the watermarks, since follows the seal, and drains and compaction run meanwhile; the end of the input closes the collection.",
            "Then PersistSource reads it back as a consolidated snapshot, which is checked against the final state computed by replaying the generator in plain Java. Prints a report; exits 0 only if the check passes."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:PASS", "1:FAIL, or a job failed", "2:bad arguments"})
final class DemoCommand implements Callable<Integer> {

    private static final long POLL_MILLIS = 250;

    @Spec CommandSpec spec;

    @Mixin ProgressOption progress;

    @Option(
            names = "--dir",
            paramLabel = "<directory>",
            description =
                    "Where to create the collection '"
                            + DemoJob.COLLECTION
                            + "' (default: a new temporary directory). It must not exist there yet.")
    Path dir;

    @Option(
            names = "--updates",
            paramLabel = "<n>",
            defaultValue = "1000000",
            description = "Changelog updates to write. Default: ${DEFAULT-VALUE}.")
    long updates;

    @Option(
            names = "--parallelism",
            paramLabel = "<p>",
            defaultValue = "2",
            description = "Sink writers and source readers. Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(
            names = "--seed",
            paramLabel = "<seed>",
            description = "The generator's seed (default: random; the report prints it).")
    Long seed;

    @Option(
            names = "--slots",
            paramLabel = "<n>",
            defaultValue = "" + OrderGenerator.DEFAULT_SLOTS,
            description =
                    "Orders open at once, at most (the final state's size). Default: ${DEFAULT-VALUE}.")
    int slots;

    @Override
    public Integer call() throws Exception {
        if (updates < 1) {
            throw CliException.usage("Invalid --updates " + updates + ": give 1 or more");
        }
        if (parallelism < 1 || parallelism > 64) {
            throw CliException.usage("Invalid --parallelism " + parallelism + ": give 1 to 64");
        }
        if (slots <= OrderGenerator.MAX_DELAY_MILLIS) {
            throw CliException.usage(
                    "Invalid --slots "
                            + slots
                            + ": give more than "
                            + OrderGenerator.MAX_DELAY_MILLIS);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long theSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong();
        Path location = location();
        String where = location.toString();
        long started = System.nanoTime();

        out.println(
                "flink-persist demo: an orders changelog written with PersistSink, read back with PersistSource");
        out.printf("  seed            %d (replay with --seed %d)%n", theSeed, theSeed);
        out.printf("  collection      %s at %s%n", DemoJob.COLLECTION, where);
        out.printf(
                "  parallelism     %d sink writers, %d source readers%n", parallelism, parallelism);
        out.flush();

        OrderGenerator generator = new OrderGenerator(theSeed, slots);
        OrderGenerator.Plan plan;
        DemoJob.Cluster cluster;
        try (Progress status = Progress.start(err, progress.mode, "demo", -1, "")) {
            status.status("replaying the generator for the expected state ...");
            plan = generator.plan(updates);
            status.status("starting an embedded Flink MiniCluster ...");
            cluster = new DemoJob.Cluster(parallelism);
        }
        try (cluster) {
            return run(cluster, generator, plan, where, started, out, err);
        }
    }

    private int run(
            DemoJob.Cluster cluster,
            OrderGenerator generator,
            OrderGenerator.Plan plan,
            String where,
            long started,
            PrintWriter out,
            PrintWriter err)
            throws Exception {
        // Write.
        CollectionState written;
        Duration writeTime;
        Stored batches;
        Stored states;
        try (BlobStore store = BlobStores.open(where, DemoJob.COLLECTION)) {
            JobClient job;
            try (Progress status = Progress.start(err, progress.mode, "writing", -1, "")) {
                status.status("submitting the job ...");
                job = DemoJob.submitWrite(cluster, where, generator, plan.events());
            }
            JobExecutionResult result = awaitWrite(job, store, plan, err);
            writeTime = Duration.ofMillis(result.getNetRuntime());
            written =
                    new StateLog(store)
                            .readLatest()
                            .orElseThrow(
                                    () ->
                                            CliException.failure(
                                                    "The write job finished but collection "
                                                            + DemoJob.COLLECTION
                                                            + " has no state at "
                                                            + store.describe()));
            batches = Stored.of(store, CollectionLayout.BATCH_PREFIX);
            states = Stored.of(store, CollectionLayout.STATE_PREFIX);
        }

        out.println("Write");
        out.printf(
                "  order events    %s: %s inserts, %s updates, %s deletes%n",
                Formats.count(plan.events()),
                Formats.count(plan.inserts()),
                Formats.count(plan.changes()),
                Formats.count(plan.deletes()));
        out.printf(
                "  updates         %s in %s (job run time) = %s updates/s, a checkpoint every %d s%n",
                Formats.count(plan.updates()),
                Formats.duration(writeTime),
                Formats.rate(plan.updates(), writeTime),
                DemoJob.CHECKPOINT_INTERVAL.toSeconds());
        out.printf(
                "  event time      %s to %s, up to %d ms out of order%n",
                Instant.ofEpochMilli(OrderGenerator.START),
                Instant.ofEpochMilli(plan.lastTime()),
                OrderGenerator.MAX_DELAY_MILLIS);
        out.printf(
                "  commits         state seqno %d, last checkpoint %s%n",
                written.seqNo(),
                written.writers().values().stream()
                        .max(Long::compare)
                        .map(String::valueOf)
                        .orElse("none"));
        out.printf("  seal            %s%n", Formats.frontier(written.seal()));
        out.printf(
                "  since           %s%s%n",
                Formats.frontier(written.since()),
                written.since().isClosed()
                        ? ""
                        : " = " + Instant.ofEpochMilli(written.since().time()));
        out.printf(
                "  trace           %s%n",
                Formats.count(written.trace().size(), "batch", "batches"));
        for (InfoCommand.Level l : InfoCommand.levels(written)) {
            out.printf(
                    "    level %-2d      %s, %s updates, %s%n",
                    l.level(),
                    Formats.count(l.batches(), "batch", "batches"),
                    Formats.count(l.updates()),
                    Formats.bytes(l.bytes()));
        }
        out.printf(
                "  unsealed        %s%n",
                Formats.count(written.unsealed().size(), "batch", "batches"));
        int live = written.trace().size() + written.unsealed().size();
        out.printf(
                "  bytes on disk   %s: live batches %s in %d, other batch files %s in %d (retired, awaiting gc), state records %s in %d%n",
                Formats.bytes(batches.bytes() + states.bytes()),
                Formats.bytes(written.liveBytes()),
                live,
                Formats.bytes(batches.bytes() - written.liveBytes()),
                batches.count() - live,
                Formats.bytes(states.bytes()),
                states.count());
        out.flush();

        // Read.
        long readStart = System.nanoTime();
        List<Update<String, String>> rows = new ArrayList<>();
        try (Progress bar =
                Progress.start(err, progress.mode, "reading", plan.finalState().size(), "rows")) {
            bar.status("submitting the job ...");
            DemoJob.read(
                    cluster,
                    where,
                    u -> {
                        rows.add(u);
                        bar.update(rows.size());
                    });
        } catch (Exception e) {
            throw CliException.failure("The read job failed: " + Formats.messages(rootOf(e)), e);
        }
        Duration readTime = Duration.ofNanos(System.nanoTime() - readStart);
        out.println("Read (consolidated snapshot)");
        out.printf(
                "  snapshot rows   %s in %s%n",
                Formats.count(rows.size()), Formats.duration(readTime));

        // Check.
        Check check = Check.of(plan.finalState(), rows);
        out.println("Check against the final state replayed in plain Java");
        out.printf("  expected rows   %s%n", Formats.count(plan.finalState().size()));
        for (String problem : check.problems()) {
            out.println("  " + problem);
        }
        out.printf("  result          %s%n", check.passed() ? "PASS" : "FAIL");
        out.printf(
                "  total time      %s%n",
                Formats.duration(Duration.ofNanos(System.nanoTime() - started)));
        out.printf(
                "Look inside: bin/persist info %s %s   (validate, dump, compact and gc work too)%n",
                where, DemoJob.COLLECTION);
        out.flush();
        return check.passed() ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private Path location() throws IOException {
        if (dir == null) {
            return Files.createTempDirectory("persist-demo-").toAbsolutePath();
        }
        Path d = dir.toAbsolutePath().normalize();
        if (Files.exists(d.resolve(DemoJob.COLLECTION))) {
            throw CliException.usage(
                    "Cannot run the demo in "
                            + d
                            + ": it already holds '"
                            + DemoJob.COLLECTION
                            + "'; choose another --dir or delete it");
        }
        Files.createDirectories(d);
        return d;
    }

    /**
     * Waits for the write job, showing how far the seal got; returns the collection's final state.
     */
    private JobExecutionResult awaitWrite(
            JobClient job, BlobStore store, OrderGenerator.Plan plan, PrintWriter err)
            throws IOException {
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        StateLog log = new StateLog(store);
        CollectionState state = null;
        long span = plan.lastTime() - OrderGenerator.START + 1;
        try (Progress bar = Progress.start(err, progress.mode, "writing", span, "events sealed")) {
            bar.status("waiting for the job to start ...");
            while (true) {
                try {
                    return result.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    state = poll(log, state);
                    if (state != null) {
                        long sealed =
                                state.seal().isClosed()
                                        ? span
                                        : Math.max(0, state.seal().time() - OrderGenerator.START);
                        bar.detail(
                                "state "
                                        + state.seqNo()
                                        + ", trace "
                                        + Formats.count(state.trace().size(), "batch", "batches")
                                        + (state.seal().isClosed()
                                                ? "; closed, the sink finishes its last maintenance round"
                                                : ""));
                        bar.update(sealed);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    job.cancel();
                    throw CliException.failure(
                            "Interrupted while the write job ran; it was cancelled");
                } catch (ExecutionException e) {
                    throw CliException.failure(
                            "The write job failed: " + Formats.messages(rootOf(e)), e);
                }
            }
        }
    }

    private static CollectionState poll(StateLog log, CollectionState previous) throws IOException {
        return previous == null ? log.readLatest().orElse(null) : log.readForward(previous);
    }

    private static Throwable rootOf(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** The blobs under a prefix. */
    record Stored(int count, long bytes) {
        static Stored of(BlobStore store, String prefix) throws IOException {
            InfoCommand.Stored s = InfoCommand.stored(store.list(prefix));
            return new Stored(s.count(), s.bytes());
        }
    }

    /**
     * The snapshot compared with the expected final state: every live order once, +1, with its last
     * value.
     */
    record Check(List<String> problems) {

        private static final int SHOWN = 5;

        boolean passed() {
            return problems.isEmpty();
        }

        static Check of(Map<String, String> expected, List<Update<String, String>> rows) {
            List<String> problems = new ArrayList<>();
            Map<String, String> actual = new HashMap<>();
            List<String> examples = new ArrayList<>();
            long badDiffs = 0;
            long duplicates = 0;
            for (Update<String, String> u : rows) {
                if (u.diff() != 1) {
                    badDiffs++;
                    note(examples, "diff " + u.diff() + " for " + u.key() + " -> " + u.value());
                }
                if (actual.put(u.key(), u.value()) != null) {
                    duplicates++;
                    note(examples, "second row for " + u.key() + ": " + u.value());
                }
            }
            long missing = 0;
            long wrong = 0;
            for (Map.Entry<String, String> e : expected.entrySet()) {
                String got = actual.get(e.getKey());
                if (got == null) {
                    missing++;
                    note(examples, "missing " + e.getKey() + " -> " + e.getValue());
                } else if (!got.equals(e.getValue())) {
                    wrong++;
                    note(
                            examples,
                            "wrong value for "
                                    + e.getKey()
                                    + ": "
                                    + got
                                    + ", expected "
                                    + e.getValue());
                }
            }
            long unexpected =
                    actual.keySet().stream().filter(k -> !expected.containsKey(k)).count();
            actual.keySet().stream()
                    .filter(k -> !expected.containsKey(k))
                    .limit(SHOWN)
                    .forEach(k -> note(examples, "unexpected " + k + " -> " + actual.get(k)));
            if (badDiffs > 0) {
                problems.add("rows whose diff is not +1: " + Formats.count(badDiffs));
            }
            if (duplicates > 0) {
                problems.add("orders with more than one row: " + Formats.count(duplicates));
            }
            if (missing > 0) {
                problems.add("missing orders: " + Formats.count(missing));
            }
            if (wrong > 0) {
                problems.add("orders with a wrong value: " + Formats.count(wrong));
            }
            if (unexpected > 0) {
                problems.add("orders that should not be there: " + Formats.count(unexpected));
            }
            if (!problems.isEmpty()) {
                examples.forEach(x -> problems.add("  e.g. " + x));
            }
            return new Check(List.copyOf(problems));
        }

        private static void note(List<String> examples, String example) {
            if (examples.size() < SHOWN) {
                examples.add(example);
            }
        }
    }
}
