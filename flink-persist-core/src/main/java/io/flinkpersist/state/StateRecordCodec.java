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
 *   short format version (3; versions 1 and 2 are still read)
 *   body  seqNo, seal, since, nextSeqNo, unsealed batches, trace batches, writers, retired blobs,
 *         since version 2: requested since, reader leases,
 *         since version 3: the schema (a presence byte, then the key and value codec names, each an
 *         int length and UTF-8 bytes)
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
    public static final short CURRENT_VERSION = 3;

    /**
     * The oldest version this build still reads. Version 1 had no leases and no requested since;
     * versions 1 and 2 had no schema.
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
        b.trace(trace);
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
        return b.build();
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
