package io.flinkpersist.source;

import io.flinkpersist.Codec;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.CollectionLookups;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.IndexCache;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Looks up each input's key in a persist collection, for {@code AsyncDataStream}: the values of the
 * key in the collection's latest complete state, or, with {@link Builder#asOf}, as of a time taken
 * from the input (its event time, say), once that time is sealed. A lookup as of a time waits
 * (without blocking the task) until the collection's seal passes it, so its answer is final and the
 * same on every replay: an event-time lookup join without join state.
 *
 * <pre>{@code
 * DataStream<Tuple2<Order, List<String>>> joined =
 *     AsyncDataStream.orderedWait(
 *         orders,
 *         PersistLookup.<Order, String, String>builder()
 *             .location("/data/persist").collection("rates")
 *             .keyCodec(Codecs.string()).valueCodec(Codecs.string())
 *             .key(Order::currency)
 *             .asOf(Order::time)          // as of each order's time; omit for the latest state
 *             .build(),
 *         1, TimeUnit.MINUTES)            // above the builder's wait bound
 *     .returns(new TypeHint<Tuple2<Order, List<String>>>() {});
 * }</pre>
 *
 * <p>Emits {@code (input, values)}, a value once per unit of its multiplicity, in value order; no
 * values for a key the collection does not hold at that time. Metrics: {@code lookups}, {@code
 * lookupHits}, {@code lookupMisses}, {@code lookupBytesRead} (from storage: footers and indexes not
 * yet cached, and data pages) and the histogram {@code lookupLatencyMicros} (a lookup as of a time
 * includes its wait for the seal).
 *
 * @param <IN> the input type
 * @param <K> the collection's key type
 * @param <V> the collection's value type
 */
@PublicEvolving
public final class PersistLookup<IN, K, V> extends RichAsyncFunction<IN, Tuple2<IN, List<V>>> {

    private static final long serialVersionUID = 1L;

    /** Reads a time from an input. */
    @FunctionalInterface
    public interface TimeOf<IN> extends Serializable {
        long time(IN input);
    }

    private final String location;
    private final String collection;
    private final Codec<K> keyCodec;
    private final Codec<V> valueCodec;
    private final KeySelector<IN, K> key;
    private final TimeOf<IN> asOf;
    private final Duration wait;
    private final Duration refresh;
    private final int openFiles;
    private final long pageCacheBytes;

    private transient CollectionLookups lookups;
    private transient Counter lookupCount;
    private transient Counter hits;
    private transient Counter misses;
    private transient Histogram latency;

    private PersistLookup(Builder<IN, K, V> b) {
        this.location = Objects.requireNonNull(b.location, "location");
        this.collection = Objects.requireNonNull(b.collection, "collection");
        this.keyCodec = Objects.requireNonNull(b.keyCodec, "keyCodec");
        this.valueCodec = Objects.requireNonNull(b.valueCodec, "valueCodec");
        this.key = Objects.requireNonNull(b.key, "key");
        this.asOf = b.asOf;
        this.wait = b.wait;
        this.refresh = b.refresh;
        this.openFiles = b.openFiles;
        this.pageCacheBytes = b.pageCacheBytes;
    }

    public static <IN, K, V> Builder<IN, K, V> builder() {
        return new Builder<>();
    }

    @Override
    public void open(OpenContext context) throws Exception {
        PersistCollection c =
                PersistCollection.openExisting(location, collection, CollectionConfig.defaults());
        try {
            c.checkSchema(new CollectionSchema(keyCodec.codecName(), valueCodec.codecName()));
            lookups = new CollectionLookups(c, new IndexCache(openFiles, pageCacheBytes), refresh);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        var group = getRuntimeContext().getMetricGroup();
        lookupCount = group.counter("lookups");
        hits = group.counter("lookupHits");
        misses = group.counter("lookupMisses");
        LookupMetrics.register(group, () -> lookups.cache());
        latency = group.histogram("lookupLatencyMicros", new DescriptiveStatisticsHistogram(1024));
    }

    @Override
    public void asyncInvoke(IN input, ResultFuture<Tuple2<IN, List<V>>> result) throws Exception {
        long start = System.nanoTime();
        byte[] k = keyCodec.encode(key.getKey(input));
        CompletableFuture<List<Update<byte[], byte[]>>> found =
                asOf == null
                        ? CompletableFuture.completedFuture(lookups.lookup(k))
                        : lookups.lookupAsOf(k, asOf.time(input), wait);
        found.whenComplete(
                (updates, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                        return;
                    }
                    List<V> values = new ArrayList<>();
                    for (Update<byte[], byte[]> u : updates) {
                        V v = valueCodec.decode(u.value());
                        for (long i = 0; i < u.diff(); i++) {
                            values.add(v);
                        }
                    }
                    lookupCount.inc();
                    (values.isEmpty() ? misses : hits).inc();
                    latency.update((System.nanoTime() - start) / 1_000);
                    result.complete(Collections.singletonList(Tuple2.of(input, values)));
                });
    }

    @Override
    public void close() throws Exception {
        if (lookups != null) {
            lookups.close();
        }
    }

    /** Builds a {@link PersistLookup}. */
    public static final class Builder<IN, K, V> {
        private String location;
        private String collection;
        private Codec<K> keyCodec;
        private Codec<V> valueCodec;
        private KeySelector<IN, K> key;
        private TimeOf<IN> asOf;
        private Duration wait = Duration.ofSeconds(30);
        private Duration refresh = Duration.ofSeconds(1);
        private int openFiles = IndexCache.DEFAULT_MAX_OPEN_FILES;
        private long pageCacheBytes = IndexCache.DEFAULT_PAGE_CACHE_BYTES;

        private Builder() {}

        public Builder<IN, K, V> location(String location) {
            this.location = location;
            return this;
        }

        public Builder<IN, K, V> collection(String collection) {
            this.collection = collection;
            return this;
        }

        public Builder<IN, K, V> keyCodec(Codec<K> codec) {
            this.keyCodec = codec;
            return this;
        }

        public Builder<IN, K, V> valueCodec(Codec<V> codec) {
            this.valueCodec = codec;
            return this;
        }

        /** The key an input looks up. */
        public Builder<IN, K, V> key(KeySelector<IN, K> key) {
            this.key = key;
            return this;
        }

        /**
         * Looks each input up as of the time {@code asOf} gives it (e.g. its event time), waiting
         * until the collection is sealed past it; without this, the latest complete state.
         */
        public Builder<IN, K, V> asOf(TimeOf<IN> asOf) {
            this.asOf = asOf;
            return this;
        }

        /**
         * How long a lookup as of a time waits for the seal to pass it before it fails (default 30
         * s); keep the async operator's own timeout above it.
         */
        public Builder<IN, K, V> maxWait(Duration wait) {
            if (wait.isNegative() || wait.isZero()) {
                throw new IllegalArgumentException(
                        "Cannot wait for the seal a non-positive time (maxWait=" + wait + ")");
            }
            this.wait = wait;
            return this;
        }

        /**
         * How often the collection's state is read again: the latest state a lookup sees is at most
         * this old, and a waiting lookup sees a new seal within it (default 1 s).
         */
        public Builder<IN, K, V> refreshInterval(Duration refresh) {
            if (refresh.isNegative()) {
                throw new IllegalArgumentException(
                        "Cannot refresh at a negative interval (refreshInterval=" + refresh + ")");
            }
            this.refresh = refresh;
            return this;
        }

        /**
         * How many batch files a subtask keeps open for lookups, with their parsed footers and page
         * indexes (default 256; 0 opens a file for every lookup).
         */
        public Builder<IN, K, V> maxOpenFiles(int files) {
            if (files < 0) {
                throw new IllegalArgumentException(
                        "Cannot keep a negative number of files open (maxOpenFiles=" + files + ")");
            }
            this.openFiles = files;
            return this;
        }

        /**
         * How many bytes of decoded pages and key bloom filters of those files a subtask keeps
         * (default 64 MiB; 0 keeps none): a lookup whose pages are kept reads nothing from storage.
         */
        public Builder<IN, K, V> pageCacheBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException(
                        "Cannot keep a negative number of bytes of pages (pageCacheBytes="
                                + bytes
                                + ")");
            }
            this.pageCacheBytes = bytes;
            return this;
        }

        public PersistLookup<IN, K, V> build() {
            return new PersistLookup<>(this);
        }
    }
}
