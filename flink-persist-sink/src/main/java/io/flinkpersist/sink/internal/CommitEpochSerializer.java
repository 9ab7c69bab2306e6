package io.flinkpersist.sink.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Serializes a sink writer's state in commit-epoch mode: its next commit epoch. Version 1: the
 * epoch as 8 big-endian bytes.
 */
@Internal
public final class CommitEpochSerializer implements SimpleVersionedSerializer<Long> {

    public static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(Long epoch) {
        return ByteBuffer.allocate(Long.BYTES).putLong(epoch).array();
    }

    @Override
    public Long deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException(
                    "Cannot deserialize a commit epoch: unknown version "
                            + version
                            + " (this serializer reads version "
                            + VERSION
                            + ")");
        }
        if (serialized.length != Long.BYTES) {
            throw new IOException(
                    "Cannot deserialize a commit epoch of version "
                            + version
                            + ": expected "
                            + Long.BYTES
                            + " bytes, got "
                            + serialized.length
                            + " (trailing or missing bytes)");
        }
        long epoch = ByteBuffer.wrap(serialized).getLong();
        if (epoch < 0) {
            throw new IOException(
                    "Cannot deserialize a commit epoch of version "
                            + version
                            + ": negative epoch "
                            + epoch);
        }
        return epoch;
    }
}
