package io.flinkpersist.sink.internal;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/** The versioned serializers of what crosses a checkpoint: writer results and committables. */
@Internal
public final class Serialization {

    private Serialization() {}

    /** Serializer of {@link WriterResult}, version 1. */
    public static final class WriterResultSerializer
            implements SimpleVersionedSerializer<WriterResult> {
        public static final int VERSION = 1;

        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(WriterResult r) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(r.subtask());
                writeBatches(out, r.batches());
                writeFrontier(out, r.sealCandidate());
                out.writeBoolean(r.idle());
                out.writeBoolean(r.ended());
            }
            return bytes.toByteArray();
        }

        @Override
        public WriterResult deserialize(int version, byte[] serialized) throws IOException {
            checkVersion("writer result", version, VERSION);
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                WriterResult r =
                        new WriterResult(
                                in.readInt(),
                                readBatches(in),
                                readFrontier(in),
                                in.readBoolean(),
                                in.readBoolean());
                checkEnd("writer result", in);
                return r;
            }
        }
    }

    /**
     * Serializer of {@link PersistCommittable}, version 2: version 1 and then the input-ended flag.
     * Reads versions 1 (the flag is false) and 2.
     */
    public static final class CommittableSerializer
            implements SimpleVersionedSerializer<PersistCommittable> {
        public static final int VERSION = 2;

        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(PersistCommittable c) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(c.writerId());
                out.writeLong(c.checkpointId());
                writeBatches(out, c.batches());
                writeFrontier(out, c.seal());
                out.writeBoolean(c.inputEnded());
            }
            return bytes.toByteArray();
        }

        @Override
        public PersistCommittable deserialize(int version, byte[] serialized) throws IOException {
            checkVersion("committable", version, 1, VERSION);
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                PersistCommittable c =
                        new PersistCommittable(
                                in.readUTF(),
                                in.readLong(),
                                readBatches(in),
                                readFrontier(in),
                                version >= 2 && in.readBoolean());
                checkEnd("committable", in);
                return c;
            }
        }
    }

    static void checkVersion(String what, int version, int current) throws IOException {
        checkVersion(what, version, current, current);
    }

    static void checkVersion(String what, int version, int oldest, int current) throws IOException {
        if (version < oldest || version > current) {
            throw new IOException(
                    "Cannot deserialize "
                            + what
                            + ": unknown serializer version "
                            + version
                            + " (this build reads "
                            + (oldest == current
                                    ? "version " + current
                                    : "versions " + oldest + " to " + current)
                            + ")");
        }
    }

    static void checkEnd(String what, DataInputStream in) throws IOException {
        if (in.available() > 0) {
            throw new IOException(
                    "Cannot deserialize " + what + ": " + in.available() + " trailing bytes");
        }
    }

    static void writeBatches(DataOutputStream out, List<NewUnsealedBatch> batches)
            throws IOException {
        out.writeInt(batches.size());
        for (NewUnsealedBatch b : batches) {
            out.writeUTF(b.key());
            out.writeLong(b.tsLower());
            out.writeLong(b.tsUpper());
            out.writeLong(b.sizeBytes());
            out.writeLong(b.updateCount());
        }
    }

    static List<NewUnsealedBatch> readBatches(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000_000) {
            throw new IOException("Cannot deserialize batches: implausible count " + n);
        }
        List<NewUnsealedBatch> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(
                    new NewUnsealedBatch(
                            in.readUTF(),
                            in.readLong(),
                            in.readLong(),
                            in.readLong(),
                            in.readLong()));
        }
        return out;
    }

    static void writeFrontier(DataOutputStream out, Optional<Frontier> f) throws IOException {
        out.writeBoolean(f.isPresent());
        if (f.isPresent()) {
            out.writeLong(f.get().toStorageLong());
        }
    }

    static Optional<Frontier> readFrontier(DataInputStream in) throws IOException {
        return in.readBoolean()
                ? Optional.of(Frontier.fromStorageLong(in.readLong()))
                : Optional.empty();
    }
}
