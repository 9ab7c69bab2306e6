package io.flinkpersist.source.enumerator;

import io.flinkpersist.Frontier;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.source.split.PersistSplitSerializer;
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
 * Serializer of {@link PersistEnumeratorState}, version 3: the lease, the pinned version, the
 * version of the split serializer that wrote the unassigned splits, the splits, and the progress.
 * Versions 1 (without progress) and 2 are still read; they wrote no split version, and nested the
 * split serializer's version of the same number.
 */
@Internal
public final class PersistEnumeratorStateSerializer
        implements SimpleVersionedSerializer<PersistEnumeratorState> {

    public static final int VERSION = 3;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(PersistEnumeratorState state) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(state.leaseId());
            out.writeLong(state.pinnedSeqNo());
            out.writeInt(PersistSplitSerializer.VERSION);
            out.writeInt(state.unassigned().size());
            for (PersistSplit s : state.unassigned()) {
                PersistSplitSerializer.write(out, s);
            }
            out.writeLong(state.progress().toStorageLong());
        }
        return bytes.toByteArray();
    }

    @Override
    public PersistEnumeratorState deserialize(int version, byte[] serialized) throws IOException {
        if (version < 1 || version > VERSION) {
            throw new IOException(
                    "Cannot deserialize enumerator state: unknown serializer version "
                            + version
                            + " (this build reads versions 1 to "
                            + VERSION
                            + ")");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            String lease = in.readUTF();
            long pinned = in.readLong();
            int splitVersion = version >= 3 ? in.readInt() : version;
            if (splitVersion < 1 || splitVersion > PersistSplitSerializer.VERSION) {
                throw new IOException(
                        "Cannot deserialize enumerator state: its splits were written by split"
                                + " serializer version "
                                + splitVersion
                                + " (this build reads versions 1 to "
                                + PersistSplitSerializer.VERSION
                                + ")");
            }
            int n = in.readInt();
            if (n < 0 || n > 1_000_000) {
                throw new IOException(
                        "Cannot deserialize enumerator state: implausible split count " + n);
            }
            List<PersistSplit> splits = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                splits.add(PersistSplitSerializer.read(in, splitVersion));
            }
            Frontier progress = version >= 2 ? readProgress(in) : Frontier.minimum();
            if (in.available() > 0) {
                throw new IOException(
                        "Cannot deserialize enumerator state: "
                                + in.available()
                                + " trailing bytes");
            }
            return new PersistEnumeratorState(lease, pinned, splits, progress);
        }
    }

    /**
     * The progress as {@link Frontier#toStorageLong()} wrote it: a time, or {@code Long.MAX_VALUE}
     * for closed.
     */
    private static Frontier readProgress(DataInputStream in) throws IOException {
        long encoded = in.readLong();
        if (encoded < 0) {
            throw new IOException(
                    "Cannot deserialize enumerator state: negative progress " + encoded);
        }
        return Frontier.fromStorageLong(encoded);
    }
}
