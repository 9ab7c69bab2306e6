package io.flinkpersist.cli;

import io.flinkpersist.DiffSums;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobInfo;
import io.flinkpersist.blob.BlobNotFoundException;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.CorruptBlobException;
import io.flinkpersist.blob.TemporaryFiles;
import io.flinkpersist.read.BatchCursors;
import io.flinkpersist.state.CollectionLayout;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.InvariantViolationException;
import io.flinkpersist.state.ReaderLease;
import io.flinkpersist.state.RetiredBlob;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code persist validate}: checks a collection end to end. Prints one line per problem and exits
 * non-zero if there is any.
 *
 * <ol>
 *   <li>Every stored state record decodes (format version, checksum), passes {@code validate()},
 *       and follows its predecessor: seqno grows by one (I11), seal and since never regress (I1).
 *   <li>The latest state passes {@code CollectionState.validate()} (I1, I3–I7, I9, I11) and every
 *       lease pins a stored state record.
 *   <li>Every batch the latest state references exists with the recorded size and decodes fully
 *       with the validating reader: schema and format version, page checksums, sorted and
 *       consolidated without zero diffs (I8), the recorded update count, the trace description
 *       (I6), and the true time bounds of an unsealed batch (I4); its footer statistics and page
 *       indexes agree with its data ({@link BatchFileCheck}). A retired batch that a lease still
 *       pins must exist too.
 *   <li>Batch files no state references (orphans) and leftover temporary files are listed as
 *       warnings: a failed or in-flight write leaves them, and garbage collection deletes them once
 *       older than its grace period.
 * </ol>
 *
 * A collection that a job is changing meanwhile is judged by its newest state: a batch that went
 * missing is a problem only if the newest state still needs it.
 */
@Command(
        name = "validate",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Check every invariant and every batch file; list orphans.",
        description = {
            "Checks every invariant of the latest state and of each stored state record, that every referenced batch file exists with its recorded size and decodes (every update read with the validating reader; footer statistics and page indexes compared with the data), and lists orphaned batch files. Prints one line per problem. Reads only."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:no problems (orphans alone are warnings)",
            "1:problems found, or no such collection",
            "2:bad arguments"
        })
final class ValidateCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin CollectionArgs args;

    @Mixin ProgressOption progress;

    private final List<String> problems = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private long updatesRead;
    private long bytesRead;
    private int batchesRead;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (ExistingCollection c = args.open()) {
            BlobStore store = c.store();
            out.printf("Validating collection %s at %s%n", c.name(), store.describe());
            Map<String, BlobInfo> batchFiles = new HashMap<>();
            for (BlobInfo b : store.list(CollectionLayout.BATCH_PREFIX)) {
                batchFiles.put(b.key(), b);
            }
            int records = checkStateRecords(c);
            CollectionState s = c.refresh();
            out.printf(
                    "  state %d: seal %s, since %s, %d trace and %d unsealed batches, %s%n",
                    s.seqNo(),
                    Formats.frontier(s.seal()),
                    Formats.frontier(s.since()),
                    s.trace().size(),
                    s.unsealed().size(),
                    Formats.count(s.leases().size(), "lease", "leases"));
            try {
                s.validate();
            } catch (InvariantViolationException e) {
                problem(CollectionLayout.stateKey(s.seqNo()), e.getMessage());
            }
            checkLeases(store, s);
            checkBatches(c, s, batchFiles);
            checkRetired(c, s, batchFiles);
            listOrphans(c, batchFiles);
            listTemporaryFiles(store);

            out.printf(
                    "  checked %s and %s: %s, %s%n",
                    Formats.count(records, "state record", "state records"),
                    Formats.count(batchesRead, "batch file", "batch files"),
                    Formats.count(updatesRead, "update", "updates"),
                    Formats.bytes(bytesRead));
            for (String w : warnings) {
                out.println("WARNING " + w);
            }
            for (String p : problems) {
                out.println("PROBLEM " + p);
            }
            if (problems.isEmpty()) {
                out.println(
                        "OK: no problems found"
                                + (warnings.isEmpty()
                                        ? ""
                                        : " ("
                                                + Formats.count(
                                                        warnings.size(), "warning", "warnings")
                                                + ")"));
            } else {
                out.println(Formats.count(problems.size(), "problem", "problems") + " found");
            }
            out.flush();
        }
        return problems.isEmpty() ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private void problem(String subject, String message) {
        problems.add(subject + ": " + message);
    }

    /** Decodes every stored state record and checks each against its predecessor. */
    private int checkStateRecords(ExistingCollection c) throws IOException {
        List<Long> seqNos = new ArrayList<>();
        for (BlobInfo b : c.store().list(CollectionLayout.STATE_PREFIX)) {
            OptionalLong seqNo = CollectionLayout.seqNoOf(b.key());
            if (seqNo.isEmpty()) {
                warnings.add(b.key() + ": not a state record name; ignored");
            } else {
                seqNos.add(seqNo.getAsLong());
            }
        }
        seqNos.sort(null);
        CollectionState previous = null;
        int decoded = 0;
        for (long seqNo : seqNos) {
            String key = CollectionLayout.stateKey(seqNo);
            Optional<CollectionState> record;
            try {
                record = c.log().readRecord(seqNo);
            } catch (CorruptBlobException e) {
                problem(key, e.getMessage());
                previous = null;
                continue;
            }
            if (record.isEmpty()) {
                // Pruned by garbage collection since the listing.
                previous = null;
                continue;
            }
            decoded++;
            CollectionState s = record.get();
            try {
                s.validate();
            } catch (InvariantViolationException e) {
                problem(key, e.getMessage());
            }
            if (previous != null) {
                if (previous.seqNo() + 1 != s.seqNo()) {
                    problem(
                            key,
                            "I11 violated: state records are missing between "
                                    + CollectionLayout.stateKey(previous.seqNo())
                                    + " and "
                                    + key
                                    + " (only the oldest records may be pruned)");
                } else {
                    try {
                        previous.validateSuccessor(s);
                    } catch (InvariantViolationException e) {
                        problem(key, e.getMessage());
                    }
                }
            }
            previous = s;
        }
        return decoded;
    }

    private void checkLeases(BlobStore store, CollectionState s) throws IOException {
        for (ReaderLease lease : s.leases().values()) {
            String pinned = CollectionLayout.stateKey(lease.pinnedSeqNo());
            if (store.get(pinned).isEmpty()) {
                problem(
                        pinned,
                        "I11 violated: lease "
                                + lease.id()
                                + " pins state "
                                + lease.pinnedSeqNo()
                                + " but its record is gone");
            }
        }
    }

    private void checkBatches(
            ExistingCollection c, CollectionState s, Map<String, BlobInfo> batchFiles)
            throws IOException {
        long totalBytes = s.liveBytes();
        long doneBytes = 0;
        try (Progress bar =
                Progress.start(
                        spec.commandLine().getErr(),
                        progress.mode,
                        "validating",
                        totalBytes,
                        "bytes")) {
            for (TraceBatchMeta b : s.trace()) {
                List<TraceBatchMeta> parts = b.partViews();
                for (int i = 0; i < parts.size(); i++) {
                    TraceBatchMeta part = parts.get(i);
                    String what =
                            "trace batch L"
                                    + b.level()
                                    + " "
                                    + b.desc()
                                    + (parts.size() > 1
                                            ? " part " + (i + 1) + " of " + parts.size()
                                            : "");
                    if (present(c, part.key(), part.sizeBytes(), batchFiles, what)) {
                        readTrace(c.store(), part, b.parts().get(i).lower(), b.partUpper(i));
                    }
                    doneBytes += part.sizeBytes();
                    bar.update(doneBytes);
                }
            }
            for (UnsealedBatchMeta b : s.unsealed()) {
                if (present(
                        c,
                        b.key(),
                        b.sizeBytes(),
                        batchFiles,
                        "unsealed batch seqnos " + b.seqNos())) {
                    readUnsealed(c.store(), b);
                }
                doneBytes += b.sizeBytes();
                bar.update(doneBytes);
            }
        }
    }

    /**
     * Whether batch {@code key} is there with its recorded size; reports it otherwise, unless the
     * newest state no longer needs it (a job compacted it away and collected it meanwhile).
     */
    private boolean present(
            ExistingCollection c,
            String key,
            long size,
            Map<String, BlobInfo> batchFiles,
            String what)
            throws IOException {
        BlobInfo info = batchFiles.get(key);
        if (info == null) {
            info =
                    c.store().list(key).stream()
                            .filter(b -> b.key().equals(key))
                            .findFirst()
                            .orElse(null);
        }
        if (info == null) {
            if (stillNeeded(c, key)) {
                problem(key, "I9 violated: the " + what + " is missing from the blob store");
            }
            return false;
        }
        if (info.sizeBytes() != size) {
            problem(
                    key,
                    "the file has "
                            + info.sizeBytes()
                            + " bytes but the state records "
                            + size
                            + " for the "
                            + what);
        }
        return true;
    }

    private static boolean stillNeeded(ExistingCollection c, String key) throws IOException {
        CollectionState latest = c.refresh();
        Set<String> live = new HashSet<>();
        latest.trace().forEach(b -> live.addAll(b.partKeys()));
        latest.unsealed().forEach(b -> live.add(b.key()));
        if (live.contains(key)) {
            return true;
        }
        OptionalLong minPinned = latest.minPinnedSeqNo();
        for (RetiredBlob r : latest.retired()) {
            if (r.key().equals(key)
                    && minPinned.isPresent()
                    && minPinned.getAsLong() < r.retiredAt()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads one trace batch file (a part's view), checking its keys lie in the part's range {@code
     * [lower, upper)} (parts of a batch never overlap).
     */
    private void readTrace(BlobStore store, TraceBatchMeta b, byte[] lower, byte[] upper) {
        try (UpdateCursor cursor = BatchCursors.openTrace(store, b)) {
            long rows = drain(cursor, b.key(), null, lower, upper);
            if (rows != b.updateCount()) {
                problem(
                        b.key(),
                        "the file holds "
                                + rows
                                + " updates but the state records "
                                + b.updateCount());
            }
            long recorded = b.parts().get(0).diffSum();
            if (DiffSums.isKnown(recorded) && recorded != lastDiffSum) {
                problem(
                        b.key(),
                        "the file's diffs sum to "
                                + lastDiffSum
                                + " but the state records "
                                + recorded
                                + " (a COUNT(*) answered from the state would be wrong)");
            }
            checkFile(store, b.key());
        } catch (BlobNotFoundException e) {
            problem(b.key(), "I9 violated: the trace batch vanished while it was read");
        } catch (IOException | RuntimeException e) {
            problem(b.key(), Formats.messages(e));
        }
        bytesRead += b.sizeBytes();
    }

    private void readUnsealed(BlobStore store, UnsealedBatchMeta b) {
        long[] bounds = {Long.MAX_VALUE, Long.MIN_VALUE};
        try (UpdateCursor cursor = BatchCursors.openUnsealed(store, b)) {
            long rows = drain(cursor, b.key(), bounds, null, null);
            if (rows != b.updateCount()) {
                problem(
                        b.key(),
                        "the file holds "
                                + rows
                                + " updates but the state records "
                                + b.updateCount());
            }
            if (rows > 0 && (bounds[0] != b.tsLower() || bounds[1] != b.tsUpper())) {
                problem(
                        b.key(),
                        "I4 violated: the updates' times span ["
                                + bounds[0]
                                + ", "
                                + bounds[1]
                                + "] but the state records tsLower="
                                + b.tsLower()
                                + ", tsUpper="
                                + b.tsUpper());
            }
            checkFile(store, b.key());
        } catch (BlobNotFoundException e) {
            problem(b.key(), "I9 violated: the unsealed batch vanished while it was read");
        } catch (IOException | RuntimeException e) {
            problem(b.key(), Formats.messages(e));
        }
        bytesRead += b.sizeBytes();
    }

    /** The footer statistics and page indexes, which the reader above does not use. */
    private void checkFile(BlobStore store, String key) throws IOException {
        for (String p : BatchFileCheck.check(store, key)) {
            problem(key, p);
        }
    }

    /** Reads every update (the cursor validates each); tracks the time bounds if asked. */
    /** The sum of the diffs of the updates the last {@link #drain} read. */
    private long lastDiffSum;

    private long drain(UpdateCursor cursor, String key, long[] bounds, byte[] lower, byte[] upper)
            throws IOException {
        long rows = 0;
        lastDiffSum = 0;
        byte[] last = null;
        while (cursor.advance()) {
            lastDiffSum = DiffSums.add(lastDiffSum, cursor.diff());
            if (rows == 0
                    && lower != null
                    && lower.length > 0
                    && Arrays.compareUnsigned(cursor.key(), lower) < 0) {
                problem(
                        key,
                        "I8 violated: the part's first key "
                                + HexFormat.of().formatHex(cursor.key())
                                + " lies below its lower bound "
                                + HexFormat.of().formatHex(lower)
                                + " (parts of a batch overlap)");
            }
            if (upper != null) {
                last = cursor.key();
            }
            rows++;
            if (bounds != null) {
                bounds[0] = Math.min(bounds[0], cursor.time());
                bounds[1] = Math.max(bounds[1], cursor.time());
            }
        }
        if (last != null && Arrays.compareUnsigned(last, upper) >= 0) {
            problem(
                    key,
                    "I8 violated: the part's last key "
                            + HexFormat.of().formatHex(last)
                            + " lies at or above the next part's lower bound "
                            + HexFormat.of().formatHex(upper)
                            + " (parts of a batch overlap)");
        }
        updatesRead += rows;
        batchesRead++;
        return rows;
    }

    /** A retired batch must still exist while a lease pins a state version that references it. */
    private void checkRetired(
            ExistingCollection c, CollectionState s, Map<String, BlobInfo> batchFiles)
            throws IOException {
        OptionalLong minPinned = s.minPinnedSeqNo();
        if (minPinned.isEmpty()) {
            return;
        }
        for (RetiredBlob r : s.retired()) {
            if (minPinned.getAsLong() < r.retiredAt()
                    && !batchFiles.containsKey(r.key())
                    && stillNeeded(c, r.key())) {
                problem(
                        r.key(),
                        "I9 violated: the batch retired at state "
                                + r.retiredAt()
                                + " is missing although a lease pins state "
                                + minPinned.getAsLong()
                                + ", which references it");
            }
        }
    }

    private void listOrphans(ExistingCollection c, Map<String, BlobInfo> batchFiles)
            throws IOException {
        if (batchFiles.isEmpty()) {
            return;
        }
        CollectionState latest = c.refresh();
        Set<String> referenced = new HashSet<>();
        latest.trace().forEach(b -> referenced.addAll(b.partKeys()));
        latest.unsealed().forEach(b -> referenced.add(b.key()));
        latest.retired().forEach(b -> referenced.add(b.key()));
        long now = System.currentTimeMillis();
        batchFiles.values().stream()
                .filter(b -> !referenced.contains(b.key()))
                .filter(
                        b ->
                                latest.requests().stream()
                                        .noneMatch(r -> b.key().startsWith(r.partKeyPrefix())))
                .sorted((a, b) -> a.key().compareTo(b.key()))
                .forEach(
                        b ->
                                warnings.add(
                                        "orphan "
                                                + b.key()
                                                + " ("
                                                + Formats.bytes(b.sizeBytes())
                                                + ", last modified "
                                                + age(now, b.lastModifiedMillis())
                                                + "): no state references it; gc deletes it once it is older than the grace period"));
    }

    private void listTemporaryFiles(BlobStore store) throws IOException {
        if (store instanceof TemporaryFiles tmp) {
            long now = System.currentTimeMillis();
            for (BlobInfo f : tmp.listTemporaryFiles()) {
                warnings.add(
                        "temporary file "
                                + f.key()
                                + " ("
                                + Formats.bytes(f.sizeBytes())
                                + ", last modified "
                                + age(now, f.lastModifiedMillis())
                                + "): a write in progress or left by a crash; gc deletes it once it is older than the grace period");
            }
        }
    }

    private static String age(long now, long then) {
        Duration d = Duration.ofMillis(Math.max(0, now - then));
        String ago =
                d.toDays() > 0
                        ? d.toDays() + " d"
                        : d.toHours() > 0
                                ? d.toHours() + " h"
                                : d.toMinutes() > 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
        return Instant.ofEpochMilli(then) + ", " + ago + " ago";
    }
}
