package io.flinkpersist.state;

import io.flinkpersist.CollectionSchema;
import io.flinkpersist.Frontier;
import io.flinkpersist.blob.CorruptBlobException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The binary format of a state record, {@code state/<seqNo>}.
 *
 * <pre>
 *   int   magic 0x46505354 ("FPST")
 *   short format version (6; versions 1 to 5 are still read)
 *   body  seqNo, seal, since, nextSeqNo, unsealed batches, trace batches, writers, retired blobs,
 *         since version 2: requested since, reader leases,
 *         since version 3: the schema (a presence byte, then the key and value codec names, each an
 *         int length and UTF-8 bytes),
 *         since version 4: each trace batch's parts (a count, and for a batch of more than one part
 *         each part's key, lower key bound, size and update count), then the pending merge requests
 *         and the number of merge parts requested so far,
 *         since version 5: the sum of the diffs of each part of each trace batch, in the order of
 *         the batches and their parts ({@link io.flinkpersist.DiffSums#UNKNOWN} where unknown),
 *         since version 6: each trace batch's sorted runs (a count, and for a batch of more than one
 *         run the index of the first part of each run after the first)
 *   int   CRC32C of everything before it
 * </pre>
 *
 * Frontiers are stored as longs ({@link Frontier#toStorageLong()}). Decoding checks the checksum,
 * the version, that no bytes trail the body, that the record's seqNo matches its key, and {@link
 * CollectionState#validate()}; any failure is a {@link CorruptBlobException} naming the record. The
 * format is hand-written in the manner of Flink's versioned serializers: the record is small and
 * fixed in shape, and this keeps the engine free of a schema compiler.
 */
public final class StateRecordCodec {

    static final int MAGIC = 0x46505354;
    public static final short CURRENT_VERSION = 6;

    /**
     * The oldest version this build still reads. Version 1 had no leases and no requested since;
     * versions 1 and 2 had no schema; versions 1 to 3 had single-file trace batches and no merge
     * requests; versions 1 to 4 had no diff sums (their batches' sums read as unknown); versions 1
     * to 5 had batches of one sorted run each.
     */
    public static final short OLDEST_READABLE_VERSION = 1;

    private static final int MAX_COUNT = 50_000_000;

    private StateRecordCodec() {}

    public static byte[] encode(CollectionState s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeShort(CURRENT_VERSION);
            out.writeLong(s.seqNo());
            out.writeLong(s.seal().toStorageLong());
            out.writeLong(s.since().toStorageLong());
            out.writeLong(s.nextSeqNo());
            out.writeInt(s.unsealed().size());
            for (UnsealedBatchMeta b : s.unsealed()) {
                MetadataCodec.writeUnsealedBatch(out, b);
            }
            out.writeInt(s.trace().size());
            for (TraceBatchMeta b : s.trace()) {
                MetadataCodec.writeTraceBatch(out, b);
            }
            for (TraceBatchMeta b : s.trace()) {
                writeParts(out, b);
            }
            out.writeInt(s.writers().size());
            for (Map.Entry<String, Long> w : s.writers().entrySet()) {
                out.writeUTF(w.getKey());
                out.writeLong(w.getValue());
            }
            out.writeInt(s.retired().size());
            for (RetiredBlob r : s.retired()) {
                out.writeUTF(r.key());
                out.writeLong(r.retiredAt());
            }
            out.writeLong(s.requestedSince().toStorageLong());
            out.writeInt(s.leases().size());
            for (ReaderLease l : s.leases().values()) {
                out.writeUTF(l.id());
                out.writeLong(l.sinceHold().toStorageLong());
                out.writeLong(l.pinnedSeqNo());
                out.writeLong(l.expiresAtMillis());
            }
            out.writeBoolean(s.schema().isPresent());
            if (s.schema().isPresent()) {
                writeString(out, s.schema().get().keyCodec());
                writeString(out, s.schema().get().valueCodec());
            }
            out.writeInt(s.requests().size());
            for (MergeRequest r : s.requests()) {
                writeRequest(out, r);
            }
            out.writeLong(s.partsRequested());
            for (TraceBatchMeta b : s.trace()) {
                for (BatchPart p : b.parts()) {
                    out.writeLong(p.diffSum());
                }
            }
            for (TraceBatchMeta b : s.trace()) {
                writeRuns(out, b);
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes and validates the record stored under {@code key}.
     *
     * @throws CorruptBlobException if the bytes are not a valid state record for that key
     */
    public static CollectionState decode(String key, byte[] data) throws CorruptBlobException {
        if (data.length < 10) {
            throw new CorruptBlobException(
                    key, "state record is truncated (length=" + data.length + ")");
        }
        int stored = ByteBuffer.wrap(data, data.length - 4, 4).getInt();
        CRC32C crc = new CRC32C();
        crc.update(data, 0, data.length - 4);
        if ((int) crc.getValue() != stored) {
            throw new CorruptBlobException(
                    key,
                    String.format(
                            "state record checksum mismatch, truncated or corrupted (stored=%08x, computed=%08x, length=%d)",
                            stored, (int) crc.getValue(), data.length));
        }
        CollectionState state;
        try (DataInputStream in =
                new DataInputStream(new ByteArrayInputStream(data, 0, data.length - 4))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new CorruptBlobException(
                        key, String.format("not a state record (magic=%08x)", magic));
            }
            short version = in.readShort();
            if (version < OLDEST_READABLE_VERSION || version > CURRENT_VERSION) {
                throw new CorruptBlobException(
                        key,
                        "unsupported state record version "
                                + version
                                + " (this build reads versions "
                                + OLDEST_READABLE_VERSION
                                + " to "
                                + CURRENT_VERSION
                                + "; a newer flink-persist may read it)");
            }
            state = readBody(in, version);
            if (in.available() > 0) {
                throw new CorruptBlobException(
                        key,
                        "state record has " + in.available() + " trailing bytes after its body");
            }
        } catch (CorruptBlobException e) {
            throw e;
        } catch (EOFException e) {
            throw new CorruptBlobException(key, "state record ends in the middle of its body", e);
        } catch (IOException | RuntimeException e) {
            throw new CorruptBlobException(
                    key, "state record body is malformed: " + e.getMessage(), e);
        }
        OptionalLong expected = CollectionLayout.seqNoOf(key);
        if (expected.isPresent() && expected.getAsLong() != state.seqNo()) {
            throw new CorruptBlobException(
                    key,
                    "state record holds seqNo "
                            + state.seqNo()
                            + " but is stored as version "
                            + expected.getAsLong());
        }
        try {
            state.validate();
        } catch (InvariantViolationException e) {
            throw new CorruptBlobException(key, e.getMessage(), e);
        }
        return state;
    }

    private static CollectionState readBody(DataInputStream in, short version) throws IOException {
        CollectionState.Builder b = CollectionState.builder();
        b.seqNo(in.readLong());
        b.seal(Frontier.fromStorageLong(in.readLong()));
        b.since(Frontier.fromStorageLong(in.readLong()));
        b.nextSeqNo(in.readLong());
        int n = count(in);
        List<UnsealedBatchMeta> unsealed = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            unsealed.add(MetadataCodec.readUnsealedBatch(in));
        }
        b.unsealed(unsealed);
        n = count(in);
        List<TraceBatchMeta> trace = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            trace.add(MetadataCodec.readTraceBatch(in));
        }
        if (version >= 4) {
            for (int i = 0; i < trace.size(); i++) {
                trace.set(i, readParts(in, trace.get(i)));
            }
        }
        n = count(in);
        Map<String, Long> writers = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            writers.put(in.readUTF(), in.readLong());
        }
        b.writers(writers);
        n = count(in);
        List<RetiredBlob> retired = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            retired.add(new RetiredBlob(in.readUTF(), in.readLong()));
        }
        b.retired(retired);
        if (version >= 2) {
            b.requestedSince(Frontier.fromStorageLong(in.readLong()));
            n = count(in);
            Map<String, ReaderLease> leases = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                ReaderLease l =
                        new ReaderLease(
                                in.readUTF(),
                                Frontier.fromStorageLong(in.readLong()),
                                in.readLong(),
                                in.readLong());
                if (leases.put(l.id(), l) != null) {
                    throw new IOException("duplicate lease id " + l.id());
                }
            }
            b.leases(leases);
        }
        if (version >= 3 && in.readBoolean()) {
            b.schema(Optional.of(new CollectionSchema(readString(in), readString(in))));
        }
        if (version >= 4) {
            n = count(in);
            List<MergeRequest> requests = new ArrayList<>(Math.min(n, 16));
            for (int i = 0; i < n; i++) {
                requests.add(readRequest(in));
            }
            b.requests(requests);
            b.partsRequested(in.readLong());
        }
        if (version >= 5) {
            for (int i = 0; i < trace.size(); i++) {
                trace.set(i, readDiffSums(in, trace.get(i)));
            }
        }
        if (version >= 6) {
            for (int i = 0; i < trace.size(); i++) {
                trace.set(i, readRuns(in, trace.get(i)));
            }
        }
        return b.trace(trace).build();
    }

    private static void writeParts(DataOutputStream out, TraceBatchMeta b) throws IOException {
        out.writeInt(b.parts().size());
        if (b.isMultiPart()) {
            for (BatchPart p : b.parts()) {
                out.writeUTF(p.key());
                writeBytes(out, p.lower());
                out.writeLong(p.sizeBytes());
                out.writeLong(p.updateCount());
            }
        }
    }

    /** The batch as read before its parts, with its parts (version 4). */
    private static TraceBatchMeta readParts(DataInputStream in, TraceBatchMeta whole)
            throws IOException {
        int n = count(in);
        if (n == 1) {
            return whole;
        }
        if (n == 0) {
            throw new IOException("trace batch " + whole.key() + " has no parts");
        }
        List<BatchPart> parts = new ArrayList<>(Math.min(n, 4096));
        for (int i = 0; i < n; i++) {
            parts.add(new BatchPart(in.readUTF(), readBytes(in), in.readLong(), in.readLong()));
        }
        return new TraceBatchMeta(
                whole.key(),
                whole.desc(),
                whole.level(),
                whole.sizeBytes(),
                whole.updateCount(),
                parts);
    }

    /** The batch with the diff sums of its parts (version 5). */
    private static TraceBatchMeta readDiffSums(DataInputStream in, TraceBatchMeta b)
            throws IOException {
        List<BatchPart> parts = new ArrayList<>(b.parts().size());
        for (BatchPart p : b.parts()) {
            parts.add(p.withDiffSum(in.readLong()));
        }
        return new TraceBatchMeta(
                b.key(), b.desc(), b.level(), b.sizeBytes(), b.updateCount(), parts);
    }

    private static void writeRuns(DataOutputStream out, TraceBatchMeta b) throws IOException {
        out.writeInt(b.runCount());
        for (int i = 1; i < b.parts().size(); i++) {
            if (b.parts().get(i).run() != b.parts().get(i - 1).run()) {
                out.writeInt(i);
            }
        }
    }

    /** The batch with its parts assigned to their runs (version 6). */
    private static TraceBatchMeta readRuns(DataInputStream in, TraceBatchMeta b)
            throws IOException {
        int runs = in.readInt();
        if (runs < 1 || runs > b.parts().size()) {
            throw new IOException(
                    "trace batch "
                            + b.key()
                            + " has "
                            + runs
                            + " runs but "
                            + b.parts().size()
                            + " parts");
        }
        if (runs == 1) {
            return b;
        }
        List<BatchPart> parts = new ArrayList<>(b.parts().size());
        int run = 0;
        int nextStart = in.readInt();
        for (int i = 0; i < b.parts().size(); i++) {
            if (i == nextStart) {
                run++;
                nextStart = run + 1 < runs ? in.readInt() : -1;
            }
            parts.add(b.parts().get(i).inRun(run));
        }
        if (run != runs - 1) {
            throw new IOException(
                    "trace batch "
                            + b.key()
                            + " has run starts outside its "
                            + parts.size()
                            + " parts");
        }
        return new TraceBatchMeta(
                b.key(), b.desc(), b.level(), b.sizeBytes(), b.updateCount(), parts);
    }

    private static void writeRequest(DataOutputStream out, MergeRequest r) throws IOException {
        out.writeUTF(r.id());
        writeStrings(out, r.run());
        out.writeLong(r.since().toStorageLong());
        out.writeBoolean(r.drained().isPresent());
        if (r.drained().isPresent()) {
            out.writeLong(r.drained().get().lower().toStorageLong());
            out.writeLong(r.drained().get().upper().toStorageLong());
        }
        writeStrings(out, r.drainInputs());
        out.writeInt(r.cuts().size());
        for (byte[] cut : r.cuts()) {
            writeBytes(out, cut);
        }
        out.writeLong(r.firstWorker());
    }

    private static MergeRequest readRequest(DataInputStream in) throws IOException {
        String id = in.readUTF();
        List<String> run = readStrings(in);
        Frontier since = Frontier.fromStorageLong(in.readLong());
        Optional<Transition.Drained> drained =
                in.readBoolean()
                        ? Optional.of(
                                new Transition.Drained(
                                        Frontier.fromStorageLong(in.readLong()),
                                        Frontier.fromStorageLong(in.readLong())))
                        : Optional.empty();
        List<String> inputs = readStrings(in);
        int n = count(in);
        List<byte[]> cuts = new ArrayList<>(Math.min(n, 4096));
        for (int i = 0; i < n; i++) {
            cuts.add(readBytes(in));
        }
        return new MergeRequest(id, run, since, drained, inputs, cuts, in.readLong());
    }

    private static void writeStrings(DataOutputStream out, List<String> strings)
            throws IOException {
        out.writeInt(strings.size());
        for (String s : strings) {
            out.writeUTF(s);
        }
    }

    private static List<String> readStrings(DataInputStream in) throws IOException {
        int n = count(in);
        List<String> out = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            out.add(in.readUTF());
        }
        return out;
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > BatchPart.MAX_LOWER_BYTES) {
            throw new IOException("implausible key bound length " + n);
        }
        byte[] bytes = new byte[n];
        in.readFully(bytes);
        return bytes;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > CollectionSchema.MAX_NAME_BYTES) {
            throw new IOException("implausible string length " + n);
        }
        byte[] bytes = new byte[n];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_COUNT) {
            throw new IOException("implausible element count " + n);
        }
        return n;
    }
}
