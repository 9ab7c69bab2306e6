package io.flinkpersist.source.split;

import io.flinkpersist.Frontier;
import io.flinkpersist.read.BatchSlice;
import io.flinkpersist.read.ReadTimes;
import io.flinkpersist.state.BatchPart;
import io.flinkpersist.state.MetadataCodec;
import io.flinkpersist.state.TraceBatchMeta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Serializer of {@link PersistSplit}, version 3 (still read: version 2, without the count of count
 * splits and the diff sums of trace batch slices, and version 1, also without the lower time bound
 * {@code keepFrom} of continuous reads).
 */
@Internal
public final class PersistSplitSerializer implements SimpleVersionedSerializer<PersistSplit> {

    public static final int VERSION = 3;

    /** The code of a slice of a trace batch. */
    private static final int TRACE_SLICE = 0;

    /** The code of a slice of an unsealed batch. */
    private static final int UNSEALED_SLICE = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(PersistSplit split) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out, split);
        }
        return bytes.toByteArray();
    }

    @Override
    public PersistSplit deserialize(int version, byte[] serialized) throws IOException {
        if (version < 1 || version > VERSION) {
            throw new IOException(
                    "Cannot deserialize split: unknown serializer version "
                            + version
                            + " (this build reads versions 1 to "
                            + VERSION
                            + ")");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            PersistSplit split = read(in, version);
            if (in.available() > 0) {
                throw new IOException(
                        "Cannot deserialize split: " + in.available() + " trailing bytes");
            }
            return split;
        }
    }

    /** Writes a split inside another serializer's record. */
    public static void write(DataOutputStream out, PersistSplit split) throws IOException {
        out.writeUTF(split.splitId());
        out.writeByte(split.mode().code());
        MetadataCodec.writeFrontier(out, split.times().unsealedFrom());
        out.writeLong(split.times().keepFrom());
        MetadataCodec.writeFrontier(out, split.times().keepBefore());
        out.writeLong(split.times().advanceTo());
        writeBytes(out, split.lowerKey());
        writeBytes(out, split.upperKey());
        out.writeLong(split.recordsToSkip());
        out.writeLong(split.counted());
        out.writeInt(split.slices().size());
        for (BatchSlice s : split.slices()) {
            out.writeInt(s.fromRowGroup());
            out.writeInt(s.toRowGroup());
            out.writeLong(s.bytes());
            if (s.trace() != null) {
                out.writeByte(TRACE_SLICE);
                MetadataCodec.writeTraceBatch(out, s.trace());
                out.writeLong(s.trace().diffSum());
            } else {
                out.writeByte(UNSEALED_SLICE);
                MetadataCodec.writeUnsealedBatch(out, s.unsealed());
            }
        }
    }

    /** Reads what {@link #write} wrote, in serializer version {@code version}. */
    public static PersistSplit read(DataInputStream in, int version) throws IOException {
        String id = in.readUTF();
        int code = in.readByte();
        PersistSplit.Mode mode =
                PersistSplit.Mode.ofCode(code)
                        .orElseThrow(
                                () ->
                                        new IOException(
                                                "Cannot deserialize split "
                                                        + id
                                                        + ": unknown mode "
                                                        + code));
        Frontier unsealedFrom = MetadataCodec.readFrontier(in);
        long keepFrom = version >= 2 ? in.readLong() : 0;
        ReadTimes times =
                new ReadTimes(
                        unsealedFrom, keepFrom, MetadataCodec.readFrontier(in), in.readLong());
        byte[] lower = readBytes(in);
        byte[] upper = readBytes(in);
        long skip = in.readLong();
        long counted = version >= 3 ? in.readLong() : 0;
        int n = in.readInt();
        if (n < 0 || n > 10_000_000) {
            throw new IOException(
                    "Cannot deserialize split " + id + ": implausible slice count " + n);
        }
        List<BatchSlice> slices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int from = in.readInt();
            int to = in.readInt();
            long bytes = in.readLong();
            int kind = in.readByte();
            if (kind == TRACE_SLICE) {
                TraceBatchMeta trace = MetadataCodec.readTraceBatch(in);
                if (version >= 3) {
                    trace = withDiffSum(trace, in.readLong());
                }
                slices.add(BatchSlice.ofTrace(trace, from, to, bytes));
            } else if (kind == UNSEALED_SLICE) {
                slices.add(
                        BatchSlice.ofUnsealed(
                                MetadataCodec.readUnsealedBatch(in), from, to, bytes));
            } else {
                throw new IOException(
                        "Cannot deserialize split " + id + ": unknown slice kind " + kind);
            }
        }
        return new PersistSplit(id, mode, slices, times, lower, upper, skip, counted);
    }

    /** A slice's batch (one file: a part view) with the diff sum stored beside it. */
    private static TraceBatchMeta withDiffSum(TraceBatchMeta b, long diffSum) {
        return new TraceBatchMeta(
                b.key(),
                b.desc(),
                b.level(),
                b.sizeBytes(),
                b.updateCount(),
                List.of(BatchPart.whole(b.key(), b.sizeBytes(), b.updateCount(), diffSum)));
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < -1 || n > 1 << 24) {
            throw new IOException("Cannot deserialize split: implausible key length " + n);
        }
        if (n == -1) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
