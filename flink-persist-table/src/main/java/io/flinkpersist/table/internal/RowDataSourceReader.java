package io.flinkpersist.table.internal;

import io.flinkpersist.Update;
import io.flinkpersist.source.split.PersistSplit;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.table.data.RowData;

/**
 * The persist source's reader, emitting table rows instead of updates: every call goes to the
 * wrapped reader, whose outputs (the main one and one per split) are wrapped to convert each update
 * with {@link UpdateRows}. Watermarks and idleness pass through unchanged.
 */
@Internal
final class RowDataSourceReader implements SourceReader<RowData, PersistSplit> {

    private final SourceReader<Update<byte[], byte[]>, PersistSplit> inner;
    private final UpdateRows rows;
    private ReaderOutput<RowData> lastOutput;
    private ConvertingReaderOutput converting;

    RowDataSourceReader(SourceReader<Update<byte[], byte[]>, PersistSplit> inner, UpdateRows rows) {
        this.inner = inner;
        this.rows = rows;
    }

    @Override
    public void start() {
        inner.start();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<RowData> output) throws Exception {
        if (output != lastOutput) {
            lastOutput = output;
            converting = new ConvertingReaderOutput(output);
        }
        return inner.pollNext(converting);
    }

    @Override
    public List<PersistSplit> snapshotState(long checkpointId) {
        return inner.snapshotState(checkpointId);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return inner.isAvailable();
    }

    @Override
    public void addSplits(List<PersistSplit> splits) {
        inner.addSplits(splits);
    }

    @Override
    public void notifyNoMoreSplits() {
        inner.notifyNoMoreSplits();
    }

    @Override
    public void handleSourceEvents(SourceEvent sourceEvent) {
        inner.handleSourceEvents(sourceEvent);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        inner.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        inner.notifyCheckpointAborted(checkpointId);
    }

    @Override
    public void pauseOrResumeSplits(
            Collection<String> splitsToPause, Collection<String> splitsToResume) {
        inner.pauseOrResumeSplits(splitsToPause, splitsToResume);
    }

    @Override
    public void close() throws Exception {
        inner.close();
    }

    /** A split's (or the main) output, converting updates to rows. */
    private class ConvertingOutput implements SourceOutput<Update<byte[], byte[]>> {
        private final SourceOutput<RowData> out;

        ConvertingOutput(SourceOutput<RowData> out) {
            this.out = out;
        }

        @Override
        public void collect(Update<byte[], byte[]> update) {
            rows.emit(update, out::collect);
        }

        @Override
        public void collect(Update<byte[], byte[]> update, long timestamp) {
            rows.emit(update, row -> out.collect(row, timestamp));
        }

        @Override
        public void emitWatermark(Watermark watermark) {
            out.emitWatermark(watermark);
        }

        @Override
        public void markIdle() {
            out.markIdle();
        }

        @Override
        public void markActive() {
            out.markActive();
        }
    }

    private final class ConvertingReaderOutput extends ConvertingOutput
            implements ReaderOutput<Update<byte[], byte[]>> {
        private final ReaderOutput<RowData> main;

        ConvertingReaderOutput(ReaderOutput<RowData> main) {
            super(main);
            this.main = main;
        }

        @Override
        public SourceOutput<Update<byte[], byte[]>> createOutputForSplit(String splitId) {
            return new ConvertingOutput(main.createOutputForSplit(splitId));
        }

        @Override
        public void releaseOutputForSplit(String splitId) {
            main.releaseOutputForSplit(splitId);
        }
    }
}
