package io.flinkpersist.cli;

import io.flinkpersist.DiffSums;
import io.flinkpersist.Frontier;
import io.flinkpersist.blob.BlobInfo;
import io.flinkpersist.state.BatchPart;
import io.flinkpersist.state.CollectionLayout;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.MergeRequest;
import io.flinkpersist.state.ReaderLease;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code persist info}: what a collection holds, from its latest state record and a listing. */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Show a collection's frontiers, batches per level, leases and bytes.",
        description = {
            "Shows a collection's latest state: state seqno, seal, since and trace upper, the key and value codecs, trace batches per level with sizes, unsealed batches, reader leases, writers and the bytes stored. Reads only; never changes the collection."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:shown", "1:no such collection, or it cannot be read", "2:bad arguments"})
final class InfoCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin CollectionArgs args;

    @Option(
            names = "--json",
            description = "Print one JSON object instead of text (a closed frontier is null).")
    boolean json;

    @Option(
            names = "--batches",
            description = "List every trace batch, not only the totals per level.")
    boolean batches;

    /** Totals of one trace level. */
    record Level(int level, int batches, long updates, long bytes) {}

    /** Totals of the blobs under a prefix. */
    record Stored(int count, long bytes) {}

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (ExistingCollection c = args.open()) {
            CollectionState s = c.state();
            Stored batchFiles = stored(c.store().list(CollectionLayout.BATCH_PREFIX));
            Stored stateRecords = stored(c.store().list(CollectionLayout.STATE_PREFIX));
            if (json) {
                out.println(json(c, s, batchFiles, stateRecords));
            } else {
                text(out, c, s, batchFiles, stateRecords);
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    static Stored stored(List<BlobInfo> blobs) {
        long bytes = 0;
        for (BlobInfo b : blobs) {
            bytes += b.sizeBytes();
        }
        return new Stored(blobs.size(), bytes);
    }

    /** Trace totals per level, highest (oldest) level first. */
    static List<Level> levels(CollectionState s) {
        Map<Integer, long[]> byLevel = new TreeMap<>((a, b) -> Integer.compare(b, a));
        for (TraceBatchMeta b : s.trace()) {
            long[] t = byLevel.computeIfAbsent(b.level(), l -> new long[3]);
            t[0]++;
            t[1] += b.updateCount();
            t[2] += b.sizeBytes();
        }
        return byLevel.entrySet().stream()
                .map(
                        e ->
                                new Level(
                                        e.getKey(),
                                        (int) e.getValue()[0],
                                        e.getValue()[1],
                                        e.getValue()[2]))
                .toList();
    }

    private void text(
            PrintWriter out,
            ExistingCollection c,
            CollectionState s,
            Stored batchFiles,
            Stored stateRecords) {
        long now = System.currentTimeMillis();
        out.printf("Collection %s at %s%n", c.name(), c.store().describe());
        out.printf("  state seqno   %d%n", s.seqNo());
        out.printf("  seal          %s%n", Formats.frontier(s.seal()));
        out.printf(
                "  since         %s%s%n",
                Formats.frontier(s.since()),
                s.requestedSince().equals(s.since())
                        ? ""
                        : " (requested " + s.requestedSince() + ", held back by a lease)");
        out.printf("  trace upper   %s%n", Formats.frontier(s.traceUpper()));
        if (s.schema().isPresent()) {
            out.printf("  key codec     %s%n", s.schema().get().keyCodec());
            out.printf("  value codec   %s%n", s.schema().get().valueCodec());
        } else {
            out.printf(
                    "  codecs        not recorded (written before codecs were recorded; the next writer records its own)%n");
        }
        long traceUpdates = s.trace().stream().mapToLong(TraceBatchMeta::updateCount).sum();
        long traceBytes = s.trace().stream().mapToLong(TraceBatchMeta::sizeBytes).sum();
        out.printf(
                "Trace: %s, %s, %s%n",
                Formats.count(s.trace().size(), "batch", "batches"),
                Formats.count(traceUpdates, "update", "updates"),
                Formats.bytes(traceBytes));
        if (!s.trace().isEmpty()) {
            out.printf("  %-6s %8s %14s %12s%n", "level", "batches", "updates", "bytes");
            for (Level l : levels(s)) {
                out.printf(
                        "  %-6d %8d %14s %12s%n",
                        l.level(),
                        l.batches(),
                        Formats.count(l.updates()),
                        Formats.bytes(l.bytes()));
            }
        }
        if (batches) {
            for (TraceBatchMeta b : s.trace()) {
                out.printf(
                        "  L%d %s  %s updates  %s  %s%s%n",
                        b.level(),
                        b.desc(),
                        Formats.count(b.updateCount()),
                        Formats.bytes(b.sizeBytes()),
                        b.key(),
                        b.isMultiPart()
                                ? "  "
                                        + b.parts().size()
                                        + " parts"
                                        + (b.runCount() > 1 ? " in " + b.runCount() + " runs" : "")
                                        + ":"
                                : "");
                if (b.isMultiPart()) {
                    for (BatchPart p : b.parts()) {
                        out.printf(
                                "    %skeys from %s  %s updates  %s  %s%n",
                                b.runCount() > 1 ? "run " + p.run() + "  " : "",
                                p.lower().length == 0 ? "(start)" : hex(p.lower()),
                                Formats.count(p.updateCount()),
                                Formats.bytes(p.sizeBytes()),
                                p.key());
                    }
                }
            }
            for (MergeRequest r : s.requests()) {
                out.printf(
                        "  merge request %s pending: %s trace batches%s, %d parts%n",
                        r.id(),
                        r.run().size(),
                        r.drained()
                                .map(d -> " and a drain of [" + d.lower() + ", " + d.upper() + ")")
                                .orElse(""),
                        r.partCount());
            }
        }
        long unsealedUpdates =
                s.unsealed().stream().mapToLong(UnsealedBatchMeta::updateCount).sum();
        long unsealedBytes = s.unsealed().stream().mapToLong(UnsealedBatchMeta::sizeBytes).sum();
        out.printf(
                "Unsealed: %s, %s, %s%n",
                Formats.count(s.unsealed().size(), "batch", "batches"),
                Formats.count(unsealedUpdates, "update", "updates"),
                Formats.bytes(unsealedBytes));
        for (UnsealedBatchMeta b : s.unsealed()) {
            out.printf(
                    "  seqnos [%d, %d)  times [%d, %d]  %s updates  %s  %s%n",
                    b.seqNos().start(),
                    b.seqNos().end(),
                    b.tsLower(),
                    b.tsUpper(),
                    Formats.count(b.updateCount()),
                    Formats.bytes(b.sizeBytes()),
                    b.key());
        }
        out.printf("Leases: %d%n", s.leases().size());
        for (ReaderLease l : s.leases().values()) {
            out.printf(
                    "  %s  hold %s  pins state %d  expires %s%s%n",
                    l.id(),
                    Formats.frontier(l.sinceHold()),
                    l.pinnedSeqNo(),
                    Instant.ofEpochMilli(l.expiresAtMillis()),
                    l.isExpired(now) ? " (expired)" : "");
        }
        out.printf("Writers: %d%n", s.writers().size());
        for (Map.Entry<String, Long> w : s.writers().entrySet()) {
            out.printf("  %s  last checkpoint %d%n", w.getKey(), w.getValue());
        }
        out.printf("Retired batches awaiting garbage collection: %d%n", s.retired().size());
        out.printf("Bytes%n");
        out.printf(
                "  live batches   %s in %s%n",
                Formats.bytes(s.liveBytes()),
                Formats.count(s.trace().size() + s.unsealed().size(), "batch", "batches"));
        out.printf(
                "  batch files    %s in %s (live, retired and unreferenced)%n",
                Formats.bytes(batchFiles.bytes()),
                Formats.count(batchFiles.count(), "file", "files"));
        out.printf(
                "  state records  %s in %s%n",
                Formats.bytes(stateRecords.bytes()),
                Formats.count(stateRecords.count(), "record", "records"));
        out.printf(
                "  total          %s%n", Formats.bytes(batchFiles.bytes() + stateRecords.bytes()));
    }

    private static String json(
            ExistingCollection c, CollectionState s, Stored batchFiles, Stored stateRecords) {
        Json j = new Json().beginObject();
        j.member("collection", c.name())
                .member("location", c.store().describe())
                .member("seqNo", s.seqNo());
        frontier(j, "seal", s.seal());
        frontier(j, "since", s.since());
        frontier(j, "requestedSince", s.requestedSince());
        frontier(j, "traceUpper", s.traceUpper());
        if (s.schema().isPresent()) {
            j.member("keyCodec", s.schema().get().keyCodec())
                    .member("valueCodec", s.schema().get().valueCodec());
        } else {
            j.name("keyCodec").nullValue().name("valueCodec").nullValue();
        }
        j.name("traceLevels").beginArray();
        for (Level l : levels(s)) {
            j.beginObject()
                    .member("level", l.level())
                    .member("batches", l.batches())
                    .member("updates", l.updates())
                    .member("bytes", l.bytes())
                    .endObject();
        }
        j.endArray();
        j.name("trace").beginArray();
        for (TraceBatchMeta b : s.trace()) {
            j.beginObject().member("key", b.key()).member("level", b.level());
            frontier(j, "lower", b.desc().lower());
            frontier(j, "upper", b.desc().upper());
            frontier(j, "since", b.desc().since());
            j.member("updates", b.updateCount()).member("bytes", b.sizeBytes());
            j.name("parts").beginArray();
            for (BatchPart p : b.parts()) {
                j.beginObject()
                        .member("key", p.key())
                        .member("lowerKeyHex", hex(p.lower()))
                        .member("run", p.run())
                        .member("updates", p.updateCount())
                        .member("bytes", p.sizeBytes());
                if (DiffSums.isKnown(p.diffSum())) {
                    j.member("diffSum", p.diffSum());
                }
                j.endObject();
            }
            j.endArray().endObject();
        }
        j.endArray();
        j.name("unsealed").beginArray();
        for (UnsealedBatchMeta b : s.unsealed()) {
            j.beginObject()
                    .member("key", b.key())
                    .member("seqNoStart", b.seqNos().start())
                    .member("seqNoEnd", b.seqNos().end())
                    .member("tsLower", b.tsLower())
                    .member("tsUpper", b.tsUpper())
                    .member("updates", b.updateCount())
                    .member("bytes", b.sizeBytes())
                    .endObject();
        }
        j.endArray();
        j.name("leases").beginArray();
        for (ReaderLease l : s.leases().values()) {
            j.beginObject().member("id", l.id());
            frontier(j, "hold", l.sinceHold());
            j.member("pinnedSeqNo", l.pinnedSeqNo())
                    .member("expiresAt", Instant.ofEpochMilli(l.expiresAtMillis()).toString())
                    .member("expiresAtMillis", l.expiresAtMillis())
                    .endObject();
        }
        j.endArray();
        j.name("writers").beginObject();
        for (Map.Entry<String, Long> w : s.writers().entrySet()) {
            j.member(w.getKey(), w.getValue());
        }
        j.endObject();
        j.member("retiredBatches", s.retired().size());
        j.member("liveBytes", s.liveBytes());
        j.member("batchFiles", batchFiles.count()).member("batchFileBytes", batchFiles.bytes());
        j.member("stateRecords", stateRecords.count())
                .member("stateRecordBytes", stateRecords.bytes());
        j.member("totalBytes", batchFiles.bytes() + stateRecords.bytes());
        return j.endObject().toString();
    }

    private static void frontier(Json j, String name, Frontier f) {
        j.name(name);
        if (f.isClosed()) {
            j.nullValue();
        } else {
            j.value(f.time());
        }
    }

    /** Key bytes as hex, the first 32 of them (bounds are chosen short). */
    private static String hex(byte[] key) {
        String h = HexFormat.of().formatHex(key, 0, Math.min(32, key.length));
        return key.length > 32 ? h + "…" : h;
    }
}
