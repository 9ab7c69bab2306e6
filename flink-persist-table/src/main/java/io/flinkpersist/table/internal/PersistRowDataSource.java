package io.flinkpersist.table.internal;

import io.flinkpersist.source.PersistSource;
import io.flinkpersist.source.enumerator.PersistEnumeratorState;
import io.flinkpersist.source.split.PersistSplit;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.table.data.RowData;

/**
 * The table source's runtime: the {@link PersistSource} of encoded keys and values, with readers
 * that decode them into rows ({@link RowDataSourceReader}). Enumerator, splits, leases and
 * watermarks are the persist source's own.
 *
 * <pre>
 *   [ persist enumerator ] ──splits──► [ RowDataSourceReader ×p ] ──► rows (+I, or -D in a continuous scan)
 *                                        persist reader + decode,
 *                                        |diff| rows per update
 * </pre>
 */
@Internal
public final class PersistRowDataSource
        implements Source<RowData, PersistSplit, PersistEnumeratorState>,
                ResultTypeQueryable<RowData> {

    private static final long serialVersionUID = 1L;

    private final PersistSource<byte[], byte[]> inner;
    private final RowLayout layout;
    private final TypeInformation<RowData> producedType;

    public PersistRowDataSource(
            PersistSource<byte[], byte[]> inner,
            RowLayout layout,
            TypeInformation<RowData> producedType) {
        this.inner = inner;
        this.layout = layout;
        this.producedType = producedType;
    }

    public PersistSource<byte[], byte[]> inner() {
        return inner;
    }

    @Override
    public Boundedness getBoundedness() {
        return inner.getBoundedness();
    }

    @Override
    public SplitEnumerator<PersistSplit, PersistEnumeratorState> createEnumerator(
            SplitEnumeratorContext<PersistSplit> context) throws Exception {
        return inner.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<PersistSplit, PersistEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<PersistSplit> context, PersistEnumeratorState checkpoint)
            throws Exception {
        return inner.restoreEnumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<PersistSplit> getSplitSerializer() {
        return inner.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<PersistEnumeratorState> getEnumeratorCheckpointSerializer() {
        return inner.getEnumeratorCheckpointSerializer();
    }

    @Override
    public SourceReader<RowData, PersistSplit> createReader(SourceReaderContext context)
            throws Exception {
        boolean changelog = inner.settings().continuous();
        return new RowDataSourceReader(
                inner.createReader(context),
                new UpdateRows(layout, changelog, inner.settings().collection()));
    }

    @Override
    public TypeInformation<RowData> getProducedType() {
        return producedType;
    }
}
