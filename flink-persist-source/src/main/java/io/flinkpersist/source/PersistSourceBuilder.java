package io.flinkpersist.source;

import io.flinkpersist.Codec;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.Frontier;
import io.flinkpersist.Update;
import io.flinkpersist.blob.BlobStores;
import java.time.Duration;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Builds a {@link PersistSource}. {@link #build()} checks everything and says how to fix what is
 * wrong. Whether the as-of time lies in {@code [since, seal)} is checked when the job starts,
 * against the collection as it is then.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@PublicEvolving
public final class PersistSourceBuilder<K, V> {

    private String location;
    private String collection;
    private Codec<K> keyCodec;
    private Codec<V> valueCodec;
    private long asOf = Long.MIN_VALUE;
    private boolean consolidated = true;
    private Duration leaseDuration = Duration.ofMinutes(15);
    private TypeInformation<Update<K, V>> producedType;
    private Duration pollInterval;

    PersistSourceBuilder() {}

    public PersistSourceBuilder<K, V> location(String location) {
        this.location = location;
        return this;
    }

    public PersistSourceBuilder<K, V> collection(String collection) {
        this.collection = collection;
        return this;
    }

    public PersistSourceBuilder<K, V> keyCodec(Codec<K> keyCodec) {
        this.keyCodec = keyCodec;
        return this;
    }

    public PersistSourceBuilder<K, V> valueCodec(Codec<V> valueCodec) {
        this.valueCodec = valueCodec;
        return this;
    }

    /**
     * Read the collection as of time {@code t} (needs {@code since <= t < seal} when the job
     * starts).
     */
    public PersistSourceBuilder<K, V> asOf(long t) {
        this.asOf = t;
        return this;
    }

    /** Emit each {@code (key, value)} once with its net diff (default), or every stored update. */
    public PersistSourceBuilder<K, V> consolidated(boolean consolidated) {
        this.consolidated = consolidated;
        return this;
    }

    /**
     * Keep following the collection after the snapshot: poll its state every {@code pollInterval},
     * emit the updates of each newly sealed interval, then the watermark {@code seal - 1} once
     * every reader has emitted every update below the seal. Unbounded.
     */
    public PersistSourceBuilder<K, V> continuous(Duration pollInterval) {
        this.pollInterval = pollInterval;
        return this;
    }

    /**
     * How long the reader lease lives without renewal (default 15 minutes; renewed every third of
     * it).
     */
    public PersistSourceBuilder<K, V> leaseDuration(Duration d) {
        this.leaseDuration = d;
        return this;
    }

    /**
     * The type information of the produced updates (default: generic, serialized by Flink's
     * fallback).
     */
    public PersistSourceBuilder<K, V> producedType(TypeInformation<Update<K, V>> type) {
        this.producedType = type;
        return this;
    }

    @SuppressWarnings("unchecked")
    public PersistSource<K, V> build() {
        require(
                location != null && !location.isBlank(),
                "the location is not set: call location(\"/path\" or \"hdfs://...\")");
        require(collection != null, "the collection name is not set: call collection(\"name\")");
        try {
            BlobStores.checkName(collection);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot build PersistSource: " + e.getMessage(), e);
        }
        require(
                keyCodec != null,
                "the key codec is not set: call keyCodec(Codecs.string()) or another Codec");
        require(
                valueCodec != null,
                "the value codec is not set: call valueCodec(Codecs.string()) or another Codec");
        if (asOf != Long.MIN_VALUE) {
            require(
                    asOf >= 0 && asOf < Frontier.MAX_TIME,
                    "the as-of time must satisfy 0 <= t < Long.MAX_VALUE (was " + asOf + ")");
        }
        require(
                leaseDuration != null && leaseDuration.toMillis() >= 3_000,
                "the lease duration must be at least 3 seconds (was " + leaseDuration + ")");
        require(
                pollInterval == null || pollInterval.toMillis() >= 1,
                "the poll interval of a continuous read must be at least 1 ms (was "
                        + pollInterval
                        + ")");
        TypeInformation<Update<K, V>> type =
                producedType != null
                        ? producedType
                        : (TypeInformation<Update<K, V>>)
                                (TypeInformation<?>)
                                        TypeInformation.of(
                                                new TypeHint<Update<Object, Object>>() {});
        return new PersistSource<>(
                new SourceSettings(
                        location,
                        collection,
                        CollectionSchema.of(keyCodec, valueCodec),
                        asOf,
                        consolidated,
                        leaseDuration,
                        pollInterval),
                keyCodec,
                valueCodec,
                type);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("Cannot build PersistSource: " + message);
        }
    }
}
