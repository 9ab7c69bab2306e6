package io.flinkpersist.cli;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.state.CollectionState;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code persist compact}: maintenance steps until one does nothing. */
@Command(
        name = "compact",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Run maintenance (drain, evict, trim, compact) to a fixpoint.",
        description = {
            "Runs maintenance step after step until a step does nothing: drain (sealed unsealed updates into a level-0 trace batch, adopting whole the unsealed batches that lie below the seal), evict and trim (unsealed batches below the trace upper), and compact (merge same-level trace batches wholly before since); then merges the runs of level-0 batches that hold several into one each. Prints each step.",
            "Each change is its own commit, so it is safe while a job writes the collection. Replaced batches are retired, not deleted: run gc afterwards to free their space."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:no such collection, or maintenance failed", "2:bad arguments"})
final class CompactCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin CollectionArgs args;

    @Option(
            names = "--advance-since",
            paramLabel = "<time>",
            description =
                    "First allow compaction up to this time (advance since; at most the seal is useful). "
                            + "Times before it become indistinguishable: history before it is given up for good.")
    Long advanceSince;

    @Option(
            names = "--max-steps",
            paramLabel = "<n>",
            defaultValue = "10000",
            description = "Stop after this many steps. Default: ${DEFAULT-VALUE}.")
    int maxSteps;

    @Override
    public Integer call() throws IOException {
        if (maxSteps < 1) {
            throw CliException.usage("Invalid --max-steps " + maxSteps + ": give 1 or more");
        }
        PrintWriter out = spec.commandLine().getOut();
        ExistingCollection existing = args.open();
        try (PersistCollection c =
                PersistCollection.open(existing.store(), CollectionConfig.defaults())) {
            out.printf(
                    "Compacting collection %s at %s%n",
                    existing.name(), existing.store().describe());
            CollectionState before = c.refresh();
            out.println("  before: " + summary(before));
            if (advanceSince != null) {
                try {
                    Frontier.checkTime(advanceSince);
                    c.allowCompaction(advanceSince);
                } catch (IllegalArgumentException e) {
                    throw CliException.usage(e.getMessage());
                }
                out.printf("  since advanced to %s%n", Formats.frontier(c.state().since()));
            }
            long start = System.nanoTime();
            int steps = 0;
            int drains = 0;
            int evicts = 0;
            int trims = 0;
            int compactions = 0;
            int runMerges = 0;
            while (steps < maxSteps) {
                PersistCollection.MaintenanceStep step = c.maintain();
                if (!step.didWork()) {
                    // At the fixpoint, level-0 batches a drain left as several runs (adopted
                    // unsealed batches) are merged into one run each.
                    int merged = c.mergeRuns();
                    if (merged == 0) {
                        break;
                    }
                    steps++;
                    runMerges += merged;
                    out.printf(
                            "  step %d: merged the runs of %d batch%s -> state %d, %s%n",
                            steps,
                            merged,
                            merged == 1 ? "" : "es",
                            c.state().seqNo(),
                            levels(c.state()));
                    continue;
                }
                steps++;
                StringJoiner did = new StringJoiner(", ");
                if (step.drained()) {
                    drains++;
                    did.add("drained");
                }
                if (step.evicted()) {
                    evicts++;
                    did.add("evicted");
                }
                if (step.trimmed()) {
                    trims++;
                    did.add("trimmed");
                }
                if (step.compacted()) {
                    compactions++;
                    did.add("compacted");
                }
                out.printf(
                        "  step %d: %s -> state %d, %s%n",
                        steps, did, c.state().seqNo(), levels(c.state()));
                out.flush();
            }
            CollectionState after = c.state();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            out.printf(
                    "  %d steps in %s: %d drains, %d evicts, %d trims, %d compactions, %d run merges%s%n",
                    steps,
                    Formats.duration(took),
                    drains,
                    evicts,
                    trims,
                    compactions,
                    runMerges,
                    steps >= maxSteps ? " (stopped at --max-steps; run again to continue)" : "");
            out.println("  after:  " + summary(after));
            long waiting =
                    after.trace().stream()
                            .filter(b -> after.since().lessThan(b.desc().upper()))
                            .count();
            if (waiting > 1 && !after.since().isClosed()) {
                out.printf(
                        "  %d trace batches end after since %s and wait for it to advance (a writer's history retention, or --advance-since)%n",
                        waiting, after.since());
            }
            if (!after.retired().isEmpty()) {
                out.printf(
                        "  %d retired batches await garbage collection (persist gc)%n",
                        after.retired().size());
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    static String summary(CollectionState s) {
        return String.format(
                "state %d, seal %s, since %s, trace upper %s, %s, %s unsealed, live %s",
                s.seqNo(),
                Formats.frontier(s.seal()),
                Formats.frontier(s.since()),
                Formats.frontier(s.traceUpper()),
                levels(s),
                Formats.count(s.unsealed().size(), "batch", "batches"),
                Formats.bytes(s.liveBytes()));
    }

    /** E.g. {@code trace 5 batches (L2:1 L1:1 L0:3)}. */
    static String levels(CollectionState s) {
        StringJoiner j = new StringJoiner(" ", "(", ")");
        for (InfoCommand.Level l : InfoCommand.levels(s)) {
            j.add("L" + l.level() + ":" + l.batches());
        }
        return "trace "
                + Formats.count(s.trace().size(), "batch", "batches")
                + (s.trace().isEmpty() ? "" : " " + j);
    }
}
