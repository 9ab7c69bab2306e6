package io.flinkpersist.table.internal;

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
import java.util.Collection;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.types.logical.RowType;

/**
 * Looks rows of a persist table up by its primary key, or by a prefix of it, in the latest complete
 * state: the lookup row's fields are the leading primary-key columns (in the order of the planner's
 * lookup keys), encoded as the key's leading bytes. One instance per subtask; the SQL connector's
 * synchronous and asynchronous lookup functions share it.
 */
@Internal
public final class PersistLookupFunction implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String location;
    private final String collection;
    private final RowLayout layout;
    private final int[] lookupPositions;
    private final RowFieldsCodec prefixCodec;
    private final boolean wholeKey;
    private final int maxRetries;
    private final Duration refresh;

    private transient CollectionLookups lookups;
    private transient RowData.FieldGetter[] getters;
    private transient Counter lookupCount;
    private transient Counter hits;
    private transient Counter misses;

    /**
     * @param lookupPositions the table positions of the lookup row's fields, in its order: the
     *     first {@code n} primary-key columns in some order
     * @param prefix the first {@code n} primary-key positions, in key order
     */
    public PersistLookupFunction(
            String location,
            String collection,
            RowLayout layout,
            int[] lookupPositions,
            int[] prefix,
            int maxRetries,
            Duration refresh) {
        this.location = location;
        this.collection = collection;
        this.layout = layout;
        this.lookupPositions = lookupPositions.clone();
        this.prefixCodec = RowFieldsCodec.ordered(layout.rowType(), prefix);
        this.wholeKey = prefix.length == layout.keyCodec().positions().length;
        this.maxRetries = maxRetries;
        this.refresh = refresh;
    }

    public void open(FunctionContext context) throws IOException {
        PersistCollection c =
                PersistCollection.openExisting(location, collection, CollectionConfig.defaults());
        try {
            c.checkSchema(
                    new CollectionSchema(
                            layout.keyCodec().schemaName(), layout.valueCodec().schemaName()));
            lookups =
                    new CollectionLookups(c, new IndexCache(IndexCache.DEFAULT_MAX_BYTES), refresh);
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
        group.gauge("lookupBytesRead", () -> lookups.cache().bytesRead());
    }

    /** The table's rows whose leading key columns equal {@code keyRow}'s fields. */
    public Collection<RowData> lookup(RowData keyRow) throws IOException {
        return lookupKey(encode(keyRow));
    }

    /**
     * The leading key bytes {@code keyRow}'s fields select, taken at once (the planner may reuse
     * the row); null if a field is null, which SQL equality never matches.
     */
    public byte[] encode(RowData keyRow) {
        GenericRowData full = new GenericRowData(layout.rowType().getFieldCount());
        for (int i = 0; i < lookupPositions.length; i++) {
            Object field = getters[i].getFieldOrNull(keyRow);
            if (field == null) {
                return null;
            }
            full.setField(lookupPositions[i], field);
        }
        return prefixCodec.encode(full);
    }

    /** The table's rows whose key starts with (or, for the whole key, is) {@code key}. */
    public Collection<RowData> lookupKey(byte[] key) throws IOException {
        if (key == null) {
            lookupCount.inc();
            misses.inc();
            return List.of();
        }
        List<Update<byte[], byte[]>> updates = null;
        for (int attempt = 0; ; attempt++) {
            try {
                updates = wholeKey ? lookups.lookup(key) : lookups.lookupPrefix(key);
                break;
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
        List<RowData> rows = new ArrayList<>();
        for (Update<byte[], byte[]> u : updates) {
            GenericRowData row = layout.decode(u.key(), u.value());
            for (long i = 0; i < u.diff(); i++) {
                rows.add(row);
            }
        }
        lookupCount.inc();
        (rows.isEmpty() ? misses : hits).inc();
        return rows;
    }

    public void close() throws IOException {
        if (lookups != null) {
            lookups.close();
        }
    }
}
