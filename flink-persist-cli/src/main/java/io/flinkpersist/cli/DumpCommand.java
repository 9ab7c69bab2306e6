package io.flinkpersist.cli;

import io.flinkpersist.batch.Cursors;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code persist dump}: a snapshot's updates as CSV or JSON lines. */
@Command(
        name = "dump",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Print a snapshot's updates as CSV or JSON lines.",
        description = {
            "Prints the updates of a snapshot of the latest state, one per line: key, value, time, diff.",
            "Without --as-of: everything stored, including updates at or beyond the seal, times advanced by since. With --as-of T: the collection as of time T (since <= T < seal), every time read as T.",
            "Consolidated (default): each (key, value) once with its net diff, at the latest time of its updates, in key order; pairs whose diffs cancel are left out. Raw (--raw): every stored update, batch after batch, times advanced as above.",
            "Reads only, without a reader lease: a job's garbage collection may remove a batch during a long dump, which then fails and can be run again."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:dumped",
            "1:no such collection, or a batch cannot be read",
            "2:bad arguments (e.g. --as-of outside [since, seal), a key the codec cannot render)"
        })
final class DumpCommand implements Callable<Integer> {

    /** Output formats. */
    enum Format {
        CSV,
        JSON
    }

    @Spec CommandSpec spec;

    @Mixin CollectionArgs args;

    @Mixin ProgressOption progress;

    @Option(
            names = "--as-of",
            paramLabel = "<time>",
            description = "Read as of this time (needs since <= time < seal).")
    Long asOf;

    @Option(names = "--raw", description = "Every stored update, not consolidated across batches.")
    boolean raw;

    @Option(
            names = "--format",
            paramLabel = "<format>",
            defaultValue = "csv",
            description =
                    "csv (with a header line) or json (one object per line). Default: ${DEFAULT-VALUE}.")
    Format format = Format.CSV;

    @Option(
            names = "--codec",
            paramLabel = "<codec>",
            defaultValue = "string",
            description =
                    "How to render keys and values: string (UTF-8), bytes (hex) or long (order-preserving 8 bytes). Default: ${DEFAULT-VALUE}.")
    RenderCodec codec = RenderCodec.STRING;

    @Option(
            names = "--key-codec",
            paramLabel = "<codec>",
            description = "Codec for keys only (default: --codec).")
    RenderCodec keyCodec;

    @Option(
            names = "--value-codec",
            paramLabel = "<codec>",
            description = "Codec for values only (default: --codec).")
    RenderCodec valueCodec;

    @Option(names = "--limit", paramLabel = "<n>", description = "Print at most this many updates.")
    Long limit;

    @Override
    public Integer call() throws IOException {
        if (limit != null && limit < 0) {
            throw CliException.usage("Invalid --limit " + limit + ": give 0 or more");
        }
        RenderCodec keys = keyCodec != null ? keyCodec : codec;
        RenderCodec values = valueCodec != null ? valueCodec : codec;
        PrintWriter out = spec.commandLine().getOut();
        try (ExistingCollection c = args.open()) {
            CollectionState s = c.state();
            Snapshot snapshot = snapshot(c, s);
            long total = raw ? storedUpdates(s) : -1;
            long rows = 0;
            if (format == Format.CSV) {
                out.println("key,value,time,diff");
            }
            try (Progress bar =
                            Progress.start(
                                    spec.commandLine().getErr(),
                                    progress.mode,
                                    "dumping",
                                    total,
                                    "updates");
                    UpdateCursor cursor =
                            raw
                                    ? snapshot.readRaw()
                                    : Cursors.collapseTimes(snapshot.readConsolidated())) {
                while ((limit == null || rows < limit) && cursor.advance()) {
                    String key = keys.render(cursor.key(), "key");
                    String value = values.render(cursor.value(), "value");
                    if (format == Format.CSV) {
                        out.append(csv(key))
                                .append(',')
                                .append(csv(value))
                                .append(',')
                                .append(Long.toString(cursor.time()))
                                .append(',')
                                .append(Long.toString(cursor.diff()))
                                .println();
                    } else {
                        out.println(
                                new Json()
                                        .beginObject()
                                        .member("key", key)
                                        .member("value", value)
                                        .member("time", cursor.time())
                                        .member("diff", cursor.diff())
                                        .endObject());
                    }
                    rows++;
                    bar.update(rows);
                }
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    private Snapshot snapshot(ExistingCollection c, CollectionState s) {
        Snapshot snapshot;
        try {
            snapshot = Snapshot.of(c.store(), s);
        } catch (IllegalArgumentException e) {
            throw CliException.failure(
                    "Cannot dump collection " + c.name() + ": " + e.getMessage());
        }
        if (asOf == null) {
            return snapshot;
        }
        try {
            return snapshot.asOf(asOf);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    private static long storedUpdates(CollectionState s) {
        long n = 0;
        for (TraceBatchMeta b : s.trace()) {
            n += b.updateCount();
        }
        for (UnsealedBatchMeta b : s.unsealed()) {
            n += b.updateCount();
        }
        return n;
    }

    /** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
    static String csv(String field) {
        boolean quote = false;
        for (int i = 0; i < field.length() && !quote; i++) {
            char ch = field.charAt(i);
            quote = ch == ',' || ch == '"' || ch == '\n' || ch == '\r';
        }
        return quote ? '"' + field.replace("\"", "\"\"") + '"' : field;
    }
}
