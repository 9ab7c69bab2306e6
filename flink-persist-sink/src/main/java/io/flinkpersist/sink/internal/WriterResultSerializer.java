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
 * Serializer of {@link WriterResult}, version 1: the subtask, the new batches and the seal
 * candidate in the shared metadata encoding ({@link MetadataCodec}), then the idle and ended flags.
 */
@Internal
public final class WriterResultSerializer implements SimpleVersionedSerializer<WriterResult> {

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
            MetadataCodec.writeNewUnsealedBatches(out, r.batches());
            MetadataCodec.writeOptionalFrontier(out, r.sealCandidate());
            out.writeBoolean(r.idle());
            out.writeBoolean(r.ended());
        }
        return bytes.toByteArray();
    }

    @Override
    public WriterResult deserialize(int version, byte[] serialized) throws IOException {
        SerializerChecks.checkVersion("writer result", version, VERSION, VERSION);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            WriterResult r =
                    new WriterResult(
                            in.readInt(),
                            MetadataCodec.readNewUnsealedBatches(in),
                            MetadataCodec.readOptionalFrontier(in),
                            in.readBoolean(),
                            in.readBoolean());
            SerializerChecks.checkEnd("writer result", in);
            return r;
        }
    }
}
