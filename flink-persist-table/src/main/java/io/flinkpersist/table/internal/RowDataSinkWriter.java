package io.flinkpersist.table.internal;

import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.sink.internal.SinkSettings;
import io.flinkpersist.sink.internal.WriterResult;
import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.table.data.RowData;

/**
 * Turns table rows into updates for the persist sink's writer: key and value encoded by the table's
 * {@link RowLayout}, diff {@code +1} for {@code INSERT} and {@code UPDATE_AFTER}, {@code -1} for
 * {@code UPDATE_BEFORE} and {@code DELETE}, and the time from the rowtime column or, without one,
 * the commit epoch.
 *
 * <h2>Commit epochs</h2>
 *
 * A table without a rowtime attribute stamps every row with the writer's current <i>epoch</i> and
 * makes its own watermarks; the pipeline's watermarks are ignored. At each checkpoint (and at the
 * end of the input) the writer
 *
 * <ol>
 *   <li>hands the inner writer the watermark {@code epoch}: every row so far is at a time {@code <=
 *       epoch}, so the coordinator may seal the collection to {@code epoch + 1} (the minimum over
 *       the writers);
 *   <li>moves to {@code epoch = max(epoch + 1, seal)}, reading the collection's current seal.
 * </ol>
 *
 * Rows are therefore never late: the seal a checkpoint's batches meet at commit is at most the
 * minimum of the writers' previous {@code epoch + 1}, and no writer stamps below its own. A
 * commit's rows become complete (readable by continuous scans and as of a time) when it commits.
 *
 * <p>Epochs are monotonic across restarts and across jobs:
 *
 * <ul>
 *   <li>A fresh writer starts at the collection's seal, which is above every time already written
 *       as complete (for a new job on an existing table: above everything earlier jobs wrote).
 *   <li>Its state is the epoch after the checkpoint. A restored writer starts at the largest
 *       restored epoch, or the current seal if that is larger. This matters because the restored
 *       checkpoint's commit may be replayed only after the writer opened: the seal it sets is at
 *       most the restored epoch. The state is written as {@code maxParallelism} copies so that
 *       after any rescaling every subtask receives at least one (Flink splits writer state evenly
 *       across the new subtasks).
 * </ul>
 *
 * <p>Two jobs writing one table at the same time are not coordinated: a job whose seal runs ahead
 * could make the other's rows late at commit. Write a table from one job at a time.
 */
@Internal
final class RowDataSinkWriter
        implements CommittingSinkWriter<RowData, WriterResult>, StatefulSinkWriter<RowData, Long> {

    private final CommittingSinkWriter<Update<byte[], byte[]>, WriterResult> inner;
    private final RowLayout layout;
    private final boolean epochMode;
    private final PersistCollection collection;
    private final int stateCopies;
    private final String collectionName;
    private long epoch;

    /**
     * @param restoredEpoch the largest restored epoch, or {@code -1} for a fresh writer (epoch mode
     *     only)
     */
    RowDataSinkWriter(
            CommittingSinkWriter<Update<byte[], byte[]>, WriterResult> inner,
            RowLayout layout,
            SinkSettings settings,
            long restoredEpoch,
            int stateCopies)
            throws IOException {
        this.inner = inner;
        this.layout = layout;
        this.epochMode = layout.rowtimePosition().isEmpty();
        this.stateCopies = stateCopies;
        this.collectionName = settings.collection();
        if (epochMode) {
            // Opened after the inner writer: this seal is at least the one the inner writer checks
            // lateness against.
            this.collection = settings.open();
            this.epoch = Math.max(restoredEpoch, sealTime());
        } else {
            this.collection = null;
        }
    }

    private long sealTime() throws IOException {
        Frontier seal = collection.refresh().seal();
        if (seal.isClosed()) {
            throw new IllegalStateException(
                    "Cannot write to collection "
                            + collectionName
                            + ": it is closed (its seal is "
                            + seal
                            + "), so no time is open for new rows; write to a new collection");
        }
        return seal.time();
    }

    /** The epoch rows are stamped with now (tests). */
    long epoch() {
        return epoch;
    }

    @Override
    public void write(RowData row, Context context) throws IOException, InterruptedException {
        long diff;
        switch (row.getRowKind()) {
            case INSERT:
            case UPDATE_AFTER:
                diff = 1;
                break;
            case UPDATE_BEFORE:
            case DELETE:
                diff = -1;
                break;
            default:
                throw new IllegalArgumentException(
                        "Cannot write a row of kind " + row.getRowKind());
        }
        long time = epochMode ? epoch : layout.rowtimeOf(row);
        inner.write(
                new Update<>(
                        layout.keyCodec().encode(row), layout.valueCodec().encode(row), time, diff),
                context);
    }

    @Override
    public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
        if (!epochMode) {
            inner.writeWatermark(watermark);
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        inner.flush(endOfInput);
    }

    @Override
    public Collection<WriterResult> prepareCommit() throws IOException, InterruptedException {
        if (!epochMode) {
            return inner.prepareCommit();
        }
        inner.writeWatermark(new Watermark(epoch));
        Collection<WriterResult> results = inner.prepareCommit();
        epoch = Math.max(epoch + 1, sealTime());
        return results;
    }

    @Override
    public List<Long> snapshotState(long checkpointId) {
        return epochMode ? Collections.nCopies(stateCopies, epoch) : List.of();
    }

    @Override
    public void close() throws Exception {
        try {
            inner.close();
        } finally {
            if (collection != null) {
                collection.close();
            }
        }
    }
}
