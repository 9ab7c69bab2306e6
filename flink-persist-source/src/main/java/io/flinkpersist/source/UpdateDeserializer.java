package io.flinkpersist.source;

import io.flinkpersist.Codec;
import io.flinkpersist.Update;
import java.io.Serializable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.Collector;

/**
 * What a {@link PersistSource} emits for each update it reads: zero, one or more records, each at
 * the update's time. The default ({@link #ofCodecs}) emits the update itself, decoded; the SQL
 * connector emits table rows. Serializable and stateless: it runs in every reader.
 *
 * @param <OUT> the type of the records emitted
 */
@PublicEvolving
public interface UpdateDeserializer<OUT> extends Serializable {

    /**
     * Emits the records of one read update.
     *
     * @param key the key as stored
     * @param value the value as stored
     * @param time the update's time (advanced by since, or to the as-of time)
     * @param diff its multiplicity change, never 0
     */
    void deserialize(byte[] key, byte[] value, long time, long diff, Collector<OUT> out);

    /** The type of the records emitted. */
    TypeInformation<OUT> producedType();

    /** Emits each update as an {@link Update}, its key and value decoded by the codecs. */
    static <K, V> UpdateDeserializer<Update<K, V>> ofCodecs(
            Codec<K> keyCodec, Codec<V> valueCodec, TypeInformation<Update<K, V>> producedType) {
        return new UpdateDeserializer<>() {
            private static final long serialVersionUID = 1L;

            @Override
            public void deserialize(
                    byte[] key, byte[] value, long time, long diff, Collector<Update<K, V>> out) {
                out.collect(Update.of(keyCodec.decode(key), valueCodec.decode(value), time, diff));
            }

            @Override
            public TypeInformation<Update<K, V>> producedType() {
                return producedType;
            }
        };
    }
}
