package io.flinkpersist.table.internal;

import io.flinkpersist.sink.PersistSink;
import io.flinkpersist.sink.internal.PersistCommittable;
import io.flinkpersist.sink.internal.WriterResult;
import java.io.IOException;
import java.util.Collection;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.data.RowData;

/**
 * The table sink's runtime: a {@link PersistSink} of encoded keys and values behind writers that
 * convert rows ({@link RowDataSinkWriter}). Committing, the coordinator and maintenance are the
 * persist sink's own, so its exactly-once guarantee holds unchanged.
 *
 * <pre>
 *   rows ──► [ RowDataSinkWriter ×p ]  ──► [ coordinator ×1 ] ──► [ committer ]
 *             encode key and value,         (the persist sink's pre-commit topology and committer)
 *             time = rowtime or epoch,
 *             diff = ±1 by row kind
 * </pre>
 */
@Internal
public final class PersistRowDataSink
        implements Sink<RowData>,
                SupportsCommitter<PersistCommittable>,
                SupportsPreCommitTopology<WriterResult, PersistCommittable>,
                SupportsWriterState<RowData, Long> {

    private static final long serialVersionUID = 1L;

    private final PersistSink<byte[], byte[]> inner;
    private final RowLayout layout;

    public PersistRowDataSink(PersistSink<byte[], byte[]> inner, RowLayout layout) {
        this.inner = inner;
        this.layout = layout;
    }

    public PersistSink<byte[], byte[]> inner() {
        return inner;
    }

    public RowLayout layout() {
        return layout;
    }

    @Override
    public StatefulSinkWriter<RowData, Long> createWriter(WriterInitContext context)
            throws IOException {
        return writer(context, -1);
    }

    @Override
    public StatefulSinkWriter<RowData, Long> restoreWriter(
            WriterInitContext context, Collection<Long> recoveredState) throws IOException {
        long restored = -1;
        for (long epoch : recoveredState) {
            restored = Math.max(restored, epoch);
        }
        return writer(context, restored);
    }

    private RowDataSinkWriter writer(WriterInitContext context, long restoredEpoch)
            throws IOException {
        return new RowDataSinkWriter(
                inner.createWriter(context),
                layout,
                inner.settings(),
                restoredEpoch,
                Math.max(1, context.getTaskInfo().getMaxNumberOfParallelSubtasks()));
    }

    @Override
    public SimpleVersionedSerializer<Long> getWriterStateSerializer() {
        return new CommitEpochSerializer();
    }

    @Override
    public Committer<PersistCommittable> createCommitter(CommitterInitContext context) {
        return inner.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<PersistCommittable> getCommittableSerializer() {
        return inner.getCommittableSerializer();
    }

    @Override
    public DataStream<CommittableMessage<PersistCommittable>> addPreCommitTopology(
            DataStream<CommittableMessage<WriterResult>> committables) {
        return inner.addPreCommitTopology(committables);
    }

    @Override
    public SimpleVersionedSerializer<WriterResult> getWriteResultSerializer() {
        return inner.getWriteResultSerializer();
    }
}
