package io.flinkpersist.table.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;

/**
 * The {@code 'persist'} table sink: accepts every row kind (inserts, both halves of updates,
 * deletes) and writes them as diffs {@code +1}/{@code -1} through {@link PersistRowDataSink}.
 */
@Internal
public final class PersistTableSink implements DynamicTableSink {

    private final PersistRowDataSink sink;
    private final Integer parallelism;

    /**
     * @param parallelism the sink's parallelism, or {@code null} for the planner's choice
     */
    public PersistTableSink(PersistRowDataSink sink, Integer parallelism) {
        this.sink = sink;
        this.parallelism = parallelism;
    }

    public PersistRowDataSink sink() {
        return sink;
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
        return new PersistTableSink(sink, parallelism);
    }

    @Override
    public String asSummaryString() {
        return "persist(" + sink.inner().settings().collection() + ")";
    }
}
