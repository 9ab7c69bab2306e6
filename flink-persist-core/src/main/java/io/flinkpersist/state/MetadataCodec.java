package io.flinkpersist.state;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one binary encoding of the metadata that several records carry: frontiers, trace batch
 * descriptions, the metadata of trace and unsealed batches, and new unsealed batches. The state
 * record, the source's split serializer and the sink's committable serializer all use it, so a
 * batch is described by the same bytes wherever it is stored; their golden files pin the bytes.
 *
 * <p>A frontier is its {@link Frontier#toStorageLong()}; strings are modified UTF-8 ({@link
 * DataOutput#writeUTF}); everything else is big-endian.
 */
public final class MetadataCodec {

    private MetadataCodec() {}

    public static void writeFrontier(DataOutput out, Frontier f) throws IOException {
        out.writeLong(f.toStorageLong());
    }

    public static Frontier readFrontier(DataInput in) throws IOException {
        return Frontier.fromStorageLong(in.readLong());
    }

    /** A presence flag, then the frontier if present. */
    public static void writeOptionalFrontier(DataOutput out, Optional<Frontier> f)
            throws IOException {
        out.writeBoolean(f.isPresent());
        if (f.isPresent()) {
            writeFrontier(out, f.get());
        }
    }

    public static Optional<Frontier> readOptionalFrontier(DataInput in) throws IOException {
        return in.readBoolean() ? Optional.of(readFrontier(in)) : Optional.empty();
    }

    /** Lower, upper and since. */
    public static void writeDescription(DataOutput out, Description d) throws IOException {
        writeFrontier(out, d.lower());
        writeFrontier(out, d.upper());
        writeFrontier(out, d.since());
    }

    public static Description readDescription(DataInput in) throws IOException {
        return new Description(readFrontier(in), readFrontier(in), readFrontier(in));
    }

    /** Key, description, level, size and update count. */
    public static void writeTraceBatch(DataOutput out, TraceBatchMeta b) throws IOException {
        out.writeUTF(b.key());
        writeDescription(out, b.desc());
        out.writeInt(b.level());
        out.writeLong(b.sizeBytes());
        out.writeLong(b.updateCount());
    }

    public static TraceBatchMeta readTraceBatch(DataInput in) throws IOException {
        String key = in.readUTF();
        Description desc = readDescription(in);
        return new TraceBatchMeta(key, desc, in.readInt(), in.readLong(), in.readLong());
    }

    /** Key, SeqNo range, min and max time, size and update count. */
    public static void writeUnsealedBatch(DataOutput out, UnsealedBatchMeta b) throws IOException {
        out.writeUTF(b.key());
        out.writeLong(b.seqNos().start());
        out.writeLong(b.seqNos().end());
        out.writeLong(b.tsLower());
        out.writeLong(b.tsUpper());
        out.writeLong(b.sizeBytes());
        out.writeLong(b.updateCount());
    }

    public static UnsealedBatchMeta readUnsealedBatch(DataInput in) throws IOException {
        String key = in.readUTF();
        SeqNoRange range = new SeqNoRange(in.readLong(), in.readLong());
        return new UnsealedBatchMeta(
                key, range, in.readLong(), in.readLong(), in.readLong(), in.readLong());
    }

    /** A count, then per batch its key, min and max time, size and update count. */
    public static void writeNewUnsealedBatches(DataOutput out, List<NewUnsealedBatch> batches)
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

    public static List<NewUnsealedBatch> readNewUnsealedBatches(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000_000) {
            throw new IOException("Cannot deserialize batches: implausible count " + n);
        }
        List<NewUnsealedBatch> out = new ArrayList<>(Math.min(n, 1024));
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
}
