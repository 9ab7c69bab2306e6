package io.flinkpersist.table.internal;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.CollectionLookups;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.IndexCache;
import io.flinkpersist.source.LookupMetrics;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;

/**
 * Looks rows of a persist table up by its primary key, or by a prefix of it: the lookup row's
 * fields are the leading primary-key columns (in the order of the planner's lookup keys), encoded
 * as the key's leading bytes. Without an as-of column the rows come from the latest complete state;
 * with one ({@code lookup.as-of-column}), the lookup row also carries a time {@code T} (the value
 * the join equates that column with, e.g. the probe's rowtime), and the rows are the table as of
 * {@code T}, answered once {@code T} is sealed, with the as-of column reading {@code T}. One
 * instance per subtask; the SQL connector's synchronous and asynchronous lookup functions share it.
 */
@Internal
public final class PersistLookupFunction implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The key bytes a lookup row selects, and the time to look up as of (if any). */
    public record Key(byte[] bytes, long asOf) {}

    private final String location;
    private final String collection;
    private final RowLayout layout;
    private final int[] lookupPositions;
    private final int asOfIndex;
    private final RowFieldsCodec prefixCodec;
    private final boolean wholeKey;
    private final int maxRetries;
    private final Duration refresh;
    private final Duration maxWait;
    private final long pageCacheBytes;

    private final int[] fields;
    private transient CollectionLookups lookups;
    private transient RowData.FieldGetter[] getters;
    private transient Counter lookupCount;
    private transient Counter hits;
    private transient Counter misses;
    private transient Histogram latency;

    /**
     * @param lookupPositions the table positions of the lookup row's fields, in its order: the
     *     first {@code n} primary-key columns in some order, and the as-of column if any
     * @param asOfIndex the index in the lookup row of the as-of column, or -1
     * @param prefix the first {@code n} primary-key positions, in key order
     * @param maxWait how long a lookup as of a time waits for the seal to pass it
     * @param fields the table positions of the columns a row holds, in its order (a projection)
     * @param pageCacheBytes the heap for decoded pages of the collection's files
     */
    public PersistLookupFunction(
            String location,
            String collection,
            RowLayout layout,
            int[] fields,
            int[] lookupPositions,
            int asOfIndex,
            int[] prefix,
            int maxRetries,
            Duration refresh,
            Duration maxWait,
            long pageCacheBytes) {
        this.location = location;
        this.collection = collection;
        this.layout = layout;
        this.fields = fields.clone();
        this.lookupPositions = lookupPositions.clone();
        this.asOfIndex = asOfIndex;
        this.prefixCodec = RowFieldsCodec.ordered(layout.rowType(), prefix);
        this.wholeKey = prefix.length == layout.keyCodec().positions().length;
        this.maxRetries = maxRetries;
        this.refresh = refresh;
        this.maxWait = maxWait;
        this.pageCacheBytes = pageCacheBytes;
    }

    public void open(FunctionContext context) throws IOException {
        PersistCollection c =
                PersistCollection.openExisting(location, collection, CollectionConfig.defaults());
        try {
            c.checkSchema(
                    new CollectionSchema(
                            layout.keyCodec().schemaName(), layout.valueCodec().schemaName()));
            lookups =
                    new CollectionLookups(
                            c,
                            new IndexCache(IndexCache.DEFAULT_MAX_OPEN_FILES, pageCacheBytes),
                            refresh);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        RowType type = layout.rowType();
        getters = new RowData.FieldGetter[lookupPositions.length];
        for (int i = 0; i < lookupPositions.length; i++) {
            getters[i] = RowData.createFieldGetter(type.getTypeAt(lookupPositions[i]), i);
        }
        var group = context.getMetricGroup();
        lookupCount = group.counter("lookups");
        hits = group.counter("lookupHits");
        misses = group.counter("lookupMisses");
        LookupMetrics.register(group, () -> lookups.cache());
        latency = group.histogram("lookupLatencyMicros", new DescriptiveStatisticsHistogram(1024));
    }

    /** The table's rows the lookup row selects; waits for the seal when looking up as of a time. */
    public Collection<RowData> lookup(RowData keyRow) throws IOException {
        long start = System.nanoTime();
        try {
            return lookupNow(keyRow);
        } finally {
            latency.update((System.nanoTime() - start) / 1_000);
        }
    }

    private Collection<RowData> lookupNow(RowData keyRow) throws IOException {
        Key key = encode(keyRow);
        if (key == null || asOfIndex < 0) {
            return latest(key);
        }
        try {
            return asOf(key).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(
                    "Lookup in persist table " + collection + " interrupted");
        } catch (ExecutionException e) {
            throw new IOException(
                    "Lookup in persist table "
                            + collection
                            + " failed: "
                            + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    /** As {@link #lookup}, not blocking the caller (the key is taken from the row at once). */
    public CompletableFuture<Collection<RowData>> lookupAsync(RowData keyRow, Executor executor) {
        long start = System.nanoTime();
        return lookupLater(keyRow, executor)
                .whenComplete(
                        (rows, failure) -> latency.update((System.nanoTime() - start) / 1_000));
    }

    private CompletableFuture<Collection<RowData>> lookupLater(RowData keyRow, Executor executor) {
        Key key = encode(keyRow);
        if (key != null && asOfIndex >= 0) {
            return asOf(key);
        }
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return latest(key);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                executor);
    }

    /**
     * The key bytes and as-of time {@code keyRow} selects, taken at once (the planner may reuse the
     * row); null if a field is null, which SQL equality never matches.
     */
    Key encode(RowData keyRow) {
        GenericRowData full = new GenericRowData(layout.rowType().getFieldCount());
        long asOf = Long.MIN_VALUE;
        for (int i = 0; i < lookupPositions.length; i++) {
            Object field = getters[i].getFieldOrNull(keyRow);
            if (field == null) {
                return null;
            }
            if (i == asOfIndex) {
                asOf =
                        field instanceof TimestampData ts
                                ? ts.getMillisecond()
                                : ((Number) field).longValue();
            } else {
                full.setField(lookupPositions[i], field);
            }
        }
        return new Key(prefixCodec.encode(full), asOf);
    }

    private Collection<RowData> latest(Key key) throws IOException {
        if (key == null) {
            return rows(List.of(), null);
        }
        for (int attempt = 0; ; attempt++) {
            try {
                return rows(
                        wholeKey ? lookups.lookup(key.bytes()) : lookups.lookupPrefix(key.bytes()),
                        null);
            } catch (IOException e) {
                if (attempt >= maxRetries) {
                    throw new IOException(
                            "Lookup in persist table "
                                    + collection
                                    + " failed after "
                                    + (attempt + 1)
                                    + " attempts (lookup.max-retries = "
                                    + maxRetries
                                    + ")",
                            e);
                }
            }
        }
    }

    private CompletableFuture<Collection<RowData>> asOf(Key key) {
        if (key.asOf() < 0) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException(
                            "Cannot look up persist table "
                                    + collection
                                    + " as of time "
                                    + key.asOf()
                                    + ": times are milliseconds since the epoch (or time units) and"
                                    + " are never negative"));
        }
        CompletableFuture<List<Update<byte[], byte[]>>> found =
                wholeKey
                        ? lookups.lookupAsOf(key.bytes(), key.asOf(), maxWait)
                        : lookups.lookupPrefixAsOf(key.bytes(), key.asOf(), maxWait);
        return found.thenApply(updates -> rows(updates, key));
    }

    /** The rows of {@code updates}, each once per unit of multiplicity. */
    private Collection<RowData> rows(List<Update<byte[], byte[]>> updates, Key asOf) {
        List<RowData> rows = new ArrayList<>();
        for (Update<byte[], byte[]> u : updates) {
            GenericRowData full = layout.decode(u.key(), u.value());
            if (asOf != null) {
                full.setField(lookupPositions[asOfIndex], asOfValue(asOf.asOf()));
            }
            GenericRowData row = new GenericRowData(fields.length);
            for (int i = 0; i < fields.length; i++) {
                row.setField(i, full.getField(fields[i]));
            }
            for (long i = 0; i < u.diff(); i++) {
                rows.add(row);
            }
        }
        lookupCount.inc();
        (rows.isEmpty() ? misses : hits).inc();
        return rows;
    }

    /** The as-of column's value for time {@code t}, in the column's type. */
    private Object asOfValue(long t) {
        LogicalType type = layout.rowType().getTypeAt(lookupPositions[asOfIndex]);
        return type.getTypeRoot() == LogicalTypeRoot.BIGINT
                ? (Object) t
                : TimestampData.fromEpochMillis(t);
    }

    public void close() throws IOException {
        if (lookups != null) {
            lookups.close();
        }
    }
}
