package io.flinkpersist.table.internal;

import io.flinkpersist.sink.PersistSink;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.data.RowData;

/**
 * The {@code 'persist'} table sink: accepts every row kind (inserts, both halves of updates,
 * deletes) and writes them as diffs {@code +1}/{@code -1} through the persist sink, which turns
 * each row into an update with {@link RowDataSerializer}.
 */
@Internal
public final class PersistTableSink implements DynamicTableSink {

    private final PersistSink<RowData> sink;
    private final String collection;
    private final RowLayout layout;
    private final Integer parallelism;

    /**
     * @param collection the collection's name, for the plan's summary
     * @param parallelism the sink's parallelism, or {@code null} for the planner's choice
     */
    public PersistTableSink(
            PersistSink<RowData> sink, String collection, RowLayout layout, Integer parallelism) {
        this.sink = sink;
        this.collection = collection;
        this.layout = layout;
        this.parallelism = parallelism;
    }

    public PersistSink<RowData> sink() {
        return sink;
    }

    public RowLayout layout() {
        return layout;
    }

    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
        return ChangelogMode.all();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
        return SinkV2Provider.of(sink, parallelism);
    }

    @Override
    public DynamicTableSink copy() {
        return new PersistTableSink(sink, collection, layout, parallelism);
    }

    @Override
    public String asSummaryString() {
        return "persist(" + collection + ")";
    }
}
