package io.flinkpersist.sink;

import io.flinkpersist.Codec;
import io.flinkpersist.Update;
import java.io.IOException;
import java.io.Serializable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * How a {@link PersistSink} turns an input record into updates: zero, one or more, written to the
 * writer's {@link UpdateWriter}. The default ({@link #ofCodecs}) writes an {@link Update} as it is,
 * its key and value encoded; the SQL connector writes a table row. Serializable and stateless: it
 * runs in every writer.
 *
 * @param <IN> the type of the input records
 */
@PublicEvolving
@FunctionalInterface
public interface UpdateSerializer<IN> extends Serializable {

    /** Writes the updates {@code record} stands for. */
    void serialize(IN record, UpdateWriter out) throws IOException, InterruptedException;

    /** Where a serializer writes, inside a sink writer. */
    interface UpdateWriter {

        /**
         * Writes one update; a late one (time before the seal) is handled by {@code
         * sink.late-updates}. A zero diff is ignored.
         */
        void write(byte[] key, byte[] value, long time, long diff)
                throws IOException, InterruptedException;

        /**
         * The writer's current commit epoch, the time of every record written until the next
         * checkpoint, for a sink built with {@link PersistSinkBuilder#timeFromCommitEpochs()}.
         *
         * @throws IllegalStateException if the sink does not assign commit epochs
         */
        long commitEpoch();
    }

    /** Writes each {@link Update} as it is, its key and value encoded by the codecs. */
    static <K, V> UpdateSerializer<Update<K, V>> ofCodecs(Codec<K> keyCodec, Codec<V> valueCodec) {
        return (u, out) ->
                out.write(
                        keyCodec.encode(u.key()), valueCodec.encode(u.value()), u.time(), u.diff());
    }
}
