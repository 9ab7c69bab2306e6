package io.flinkpersist.cli;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.gc.GcReport;
import io.flinkpersist.state.CollectionLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code persist gc}: deletes what no reader can need any more. */
@Command(
        name = "gc",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Delete retired batches, orphans and old state records.",
        description = {
            "Collects garbage: drops expired leases, deletes retired batches no live lease pins, batch files no state references and leftover temporary files once older than the grace period, and state records below every pinned version and the retained window. Prints what it deleted.",
            "The grace period must exceed the longest time a writer takes from writing a batch to committing it (e.g. a Flink checkpoint), or gc deletes batches a running job is about to commit."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:no such collection, or garbage collection failed",
            "2:bad arguments"
        })
final class GcCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin CollectionArgs args;

    @Option(
            names = "--grace",
            paramLabel = "<duration>",
            defaultValue = "1h",
            description =
                    "Delete unreferenced files only once older than this, e.g. 0, 30s, 10m, 1h, PT1H. Default: ${DEFAULT-VALUE}.")
    Duration grace;

    @Option(
            names = "--retain-states",
            paramLabel = "<n>",
            defaultValue = "100",
            description =
                    "State records to keep below the latest, besides those a lease pins. Default: ${DEFAULT-VALUE}.")
    int retainStates;

    @Override
    public Integer call() throws IOException {
        if (retainStates < 1) {
            throw CliException.usage(
                    "Invalid --retain-states " + retainStates + ": keep at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        ExistingCollection existing = args.open();
        BlobStore store = existing.store();
        CollectionConfig config =
                CollectionConfig.defaults()
                        .withGcGracePeriod(grace)
                        .withRetainedStateRecords(retainStates);
        try (PersistCollection c = PersistCollection.open(store, config)) {
            out.printf(
                    "Collecting garbage of collection %s at %s (grace period %s)%n",
                    existing.name(), store.describe(), grace);
            InfoCommand.Stored batchesBefore =
                    InfoCommand.stored(store.list(CollectionLayout.BATCH_PREFIX));
            InfoCommand.Stored statesBefore =
                    InfoCommand.stored(store.list(CollectionLayout.STATE_PREFIX));
            int leasesBefore = c.refresh().leases().size();
            long start = System.nanoTime();
            GcReport report = c.collectGarbage();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            InfoCommand.Stored batchesAfter =
                    InfoCommand.stored(store.list(CollectionLayout.BATCH_PREFIX));
            InfoCommand.Stored statesAfter =
                    InfoCommand.stored(store.list(CollectionLayout.STATE_PREFIX));
            int leasesAfter = c.refresh().leases().size();
            out.printf("  retired batches deleted     %d%n", report.retiredBlobs());
            out.printf("  orphaned batches deleted    %d%n", report.orphanedBlobs());
            out.printf("  temporary files deleted     %d%n", report.temporaryFiles());
            out.printf("  state records pruned        %d%n", report.stateRecords());
            out.printf(
                    "  expired leases dropped      %d%n", Math.max(0, leasesBefore - leasesAfter));
            out.printf(
                    "  batch files   %d -> %d (%s -> %s)%n",
                    batchesBefore.count(),
                    batchesAfter.count(),
                    Formats.bytes(batchesBefore.bytes()),
                    Formats.bytes(batchesAfter.bytes()));
            out.printf(
                    "  state records %d -> %d (%s -> %s)%n",
                    statesBefore.count(),
                    statesAfter.count(),
                    Formats.bytes(statesBefore.bytes()),
                    Formats.bytes(statesAfter.bytes()));
            int waiting = c.state().retired().size();
            out.printf(
                    "  deleted %d in all in %s%s%n",
                    report.total(),
                    Formats.duration(took),
                    waiting == 0
                            ? ""
                            : "; "
                                    + waiting
                                    + " retired batches stay while a lease pins a state that references them");
            out.flush();
        }
        return ExitCodes.OK;
    }
}
