package io.flinkpersist.table.internal;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.UpdateCursor;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.io.DefaultInputSplitAssigner;
import org.apache.flink.api.common.io.RichInputFormat;
import org.apache.flink.api.common.io.statistics.BaseStatistics;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.io.GenericInputSplit;
import org.apache.flink.core.io.InputSplit;
import org.apache.flink.core.io.InputSplitAssigner;
import org.apache.flink.table.data.RowData;

/**
 * The rows of a collection's latest complete state (as of {@code seal - 1}, as a lookup reads it),
 * consolidated, each row once per unit of its multiplicity, in the lookup's projection: what a
 * lookup join's FULL cache loads. One split; every load reads the state current when it opens.
 */
@Internal
final class LatestStateInputFormat extends RichInputFormat<RowData, InputSplit> {

    private static final long serialVersionUID = 1L;

    private final String location;
    private final String collection;
    private final RowLayout layout;
    private final int[] fields;

    private transient PersistCollection opened;
    private transient UpdateCursor cursor;
    private transient UpdateRows rows;
    private transient Deque<RowData> pending;

    LatestStateInputFormat(String location, String collection, RowLayout layout, int[] fields) {
        this.location = location;
        this.collection = collection;
        this.layout = layout;
        this.fields = fields.clone();
    }

    @Override
    public void configure(Configuration parameters) {}

    @Override
    public BaseStatistics getStatistics(BaseStatistics cachedStatistics) {
        return cachedStatistics;
    }

    @Override
    public InputSplit[] createInputSplits(int minNumSplits) {
        return new InputSplit[] {new GenericInputSplit(0, 1)};
    }

    @Override
    public InputSplitAssigner getInputSplitAssigner(InputSplit[] inputSplits) {
        return new DefaultInputSplitAssigner(inputSplits);
    }

    @Override
    public void open(InputSplit split) throws IOException {
        opened = PersistCollection.openExisting(location, collection, CollectionConfig.defaults());
        try {
            opened.checkSchema(
                    new CollectionSchema(
                            layout.keyCodec().schemaName(), layout.valueCodec().schemaName()));
            cursor = opened.snapshot().sealedState().readConsolidated();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        rows = new UpdateRows(layout, false, collection, fields, List.of());
        pending = new ArrayDeque<>();
    }

    @Override
    public boolean reachedEnd() throws IOException {
        while (pending.isEmpty() && cursor.advance()) {
            rows.emit(
                    Update.of(
                            cursor.key().clone(),
                            cursor.value().clone(),
                            cursor.time(),
                            cursor.diff()),
                    pending::add);
        }
        return pending.isEmpty();
    }

    @Override
    public RowData nextRecord(RowData reuse) {
        return pending.poll();
    }

    @Override
    public void close() throws IOException {
        try {
            if (cursor != null) {
                cursor.close();
            }
        } finally {
            cursor = null;
            if (opened != null) {
                opened.close();
                opened = null;
            }
        }
    }
}
