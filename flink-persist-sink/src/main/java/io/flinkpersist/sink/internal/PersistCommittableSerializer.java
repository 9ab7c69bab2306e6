package io.flinkpersist.sink.internal;

import io.flinkpersist.state.MetadataCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Serializer of {@link PersistCommittable}, version 2: the writer id, the checkpoint id, the
 * batches and the seal in the shared metadata encoding ({@link MetadataCodec}), then the
 * input-ended flag. Reads versions 1 (without the flag: false) and 2.
 */
@Internal
public final class PersistCommittableSerializer
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
            MetadataCodec.writeNewUnsealedBatches(out, c.batches());
            MetadataCodec.writeOptionalFrontier(out, c.seal());
            out.writeBoolean(c.inputEnded());
        }
        return bytes.toByteArray();
    }

    @Override
    public PersistCommittable deserialize(int version, byte[] serialized) throws IOException {
        SerializerChecks.checkVersion("committable", version, 1, VERSION);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            PersistCommittable c =
                    new PersistCommittable(
                            in.readUTF(),
                            in.readLong(),
                            MetadataCodec.readNewUnsealedBatches(in),
                            MetadataCodec.readOptionalFrontier(in),
                            version >= 2 && in.readBoolean());
            SerializerChecks.checkEnd("committable", in);
            return c;
        }
    }
}
