package io.flinkpersist.sink.internal;

import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.batch.UpdateBuffer;
import io.flinkpersist.compaction.CompactionPolicy;
import io.flinkpersist.sink.UpdateSerializer;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/**
 * Buffers updates in a packed buffer, spills it as a sorted, consolidated unsealed batch when it
 * passes its memory bound, and at each checkpoint hands the batches written since the previous one,
 * with the seal its watermark allows, to the coordinator. Nothing is committed here.
 *
 * <p>An input record becomes updates through the sink's {@link UpdateSerializer}. An update is late
 * when its time is before the writer's late bound: the larger of the seal it last read and the seal
 * its own watermark allowed at the previous checkpoint. The committed seal never passes that bound,
 * so a batch that passes this check is never rejected as late at commit.
 *
 * <h2>Commit epochs</h2>
 *
 * A sink built with {@code timeFromCommitEpochs()} (a SQL table without a rowtime attribute) offers
 * its serializer the writer's current <i>epoch</i> as every record's time and makes its own
 * watermarks; the pipeline's watermarks are ignored. At each checkpoint (and at the end of the
 * input) the writer
 *
 * <ol>
 *   <li>takes the watermark {@code epoch}: every record so far is at a time {@code <= epoch}, so
 *       the coordinator may seal the collection to {@code epoch + 1} (the minimum over the
 *       writers);
 *   <li>moves to {@code epoch = max(epoch + 1, seal)}, reading the collection's current seal.
 * </ol>
 *
 * Records are therefore never late: the seal a checkpoint's batches meet at commit is at most the
 * minimum of the writers' previous {@code epoch + 1}, and no writer stamps below its own. A
 * commit's records become complete (readable by continuous scans and as of a time) when it commits.
 *
 * <p>Epochs are monotonic across restarts and across jobs: a fresh writer starts at the
 * collection's seal, above every time already written as complete; its state is the epoch after the
 * checkpoint, and a restored writer starts at the largest restored epoch or the current seal if
 * that is larger (the restored checkpoint's commit may be replayed only after the writer opened:
 * the seal it sets is at most the restored epoch). The state is written as {@code maxParallelism}
 * copies so that after any rescaling every subtask receives at least one. Two jobs writing one
 * collection at the same time are not coordinated: write it from one job at a time.
 */
@Internal
public final class PersistSinkWriter<IN>
        implements CommittingSinkWriter<IN, WriterResult>,
                StatefulSinkWriter<IN, Long>,
                UpdateSerializer.UpdateWriter {

    private final CompactionPolicy compaction;
    private final SinkSettings settings;
    private final UpdateSerializer<IN> serializer;
    private final int subtask;
    private final boolean epochMode;
    private final int stateCopies;
    private final PersistCollection collection;
    private final UpdateBuffer buffer = new UpdateBuffer();
    private final List<NewUnsealedBatch> written = new ArrayList<>();
    private final Counter recordsSent;
    private final Counter bytesSent;
    private final Counter lateDropped;
    private final LongSupplier clock;

    /** Updates before this time are late. */
    private Frontier lateBound;

    /** The largest watermark seen, in Flink's terms (all timestamps at or below it are done). */
    private long watermark = Long.MIN_VALUE;

    /** The largest watermark seen before the end of input's final one ({@code Long.MAX_VALUE}). */
    private long eventWatermark = Long.MIN_VALUE;

    private long lastActivityMillis;
    private boolean activeSinceCheckpoint;
    private boolean throttled;
    private boolean ended;

    /** Commit-epoch mode: the time of every record until the next checkpoint. */
    private long epoch;

    /**
     * @param restoredEpoch the largest restored commit epoch, or {@code -1} (commit-epoch mode)
     * @param stateCopies how many copies of the epoch the state holds (the max parallelism)
     */
    public PersistSinkWriter(
            SinkSettings settings,
            UpdateSerializer<IN> serializer,
            int subtask,
            SinkWriterMetricGroup metrics,
            LongSupplier clock,
            long restoredEpoch,
            int stateCopies)
            throws IOException {
        this.compaction = settings.maintenance().compaction().policy();
        this.settings = settings;
        this.serializer = serializer;
        this.subtask = subtask;
        this.epochMode = settings.committing().commitEpochs();
        this.stateCopies = stateCopies;
        this.clock = clock;
        this.collection = settings.open();
        this.lateBound = collection.state().seal();
        this.recordsSent = metrics.getNumRecordsSendCounter();
        this.bytesSent = metrics.getNumBytesSendCounter();
        this.lateDropped = metrics.counter("numLateUpdatesDropped");
        this.lastActivityMillis = clock.getAsLong();
        if (epochMode) {
            this.epoch = Math.max(restoredEpoch, openSealTime(collection.state()));
        }
    }

    private long openSealTime(CollectionState state) {
        Frontier seal = state.seal();
        if (seal.isClosed()) {
            throw new IllegalStateException(
                    "Cannot write to collection "
                            + settings.collection()
                            + ": it is closed (its seal is "
                            + seal
                            + "), so no time is open for new rows; write to a new collection");
        }
        return seal.time();
    }

    /** The commit epoch records are stamped with now (tests). */
    long epoch() {
        return epoch;
    }

    @Override
    public long commitEpoch() {
        if (!epochMode) {
            throw new IllegalStateException(
                    "Cannot stamp a record of collection "
                            + settings.collection()
                            + " with a commit epoch: the sink does not assign them (build it with"
                            + " timeFromCommitEpochs())");
        }
        return epoch;
    }

    @Override
    public void write(IN record, Context context) throws IOException, InterruptedException {
        while (throttled) {
            waitForMaintenance();
        }
        recordsSent.inc();
        serializer.serialize(record, this);
        activeSinceCheckpoint = true;
        lastActivityMillis = clock.getAsLong();
    }

    @Override
    public void write(byte[] k, byte[] v, long updateTime, long diff) throws IOException {
        long time = updateTime;
        if (!lateBound.lessEqual(time)) {
            switch (settings.writing().lateUpdates()) {
                case DROP:
                    lateDropped.inc();
                    return;
                case ADVANCE:
                    if (lateBound.isClosed()) {
                        throw late(time);
                    }
                    time = lateBound.time();
                    break;
                default:
                    throw late(time);
            }
        }
        if (diff != 0) {
            buffer.add(k, v, time, diff);
        }
        bytesSent.inc(k.length + v.length + 16L);
        if (buffer.usedBytes() >= settings.writing().bufferSizeBytes()) {
            spill();
        }
    }

    private IllegalArgumentException late(long time) {
        return new IllegalArgumentException(
                "Cannot write update at time "
                        + time
                        + " to collection "
                        + settings.collection()
                        + ": it is before the seal "
                        + lateBound
                        + " (a late update; set sink.late-updates to 'drop' or 'advance' to accept late data, or"
                        + " make the watermarks trail the update times)");
    }

    @Override
    public void writeWatermark(Watermark mark) {
        if (!epochMode) {
            advanceWatermark(mark.getTimestamp());
        }
    }

    private void advanceWatermark(long mark) {
        if (mark > watermark) {
            watermark = mark;
            if (watermark != Long.MAX_VALUE) {
                eventWatermark = watermark;
            }
            activeSinceCheckpoint = true;
            lastActivityMillis = clock.getAsLong();
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        ended |= endOfInput;
        spill();
    }

    private void spill() throws IOException {
        if (buffer.size() == 0) {
            return;
        }
        if (!epochMode && watermark >= 0 && watermark < Long.MAX_VALUE - 1) {
            // Cut at the seal the watermark allows, so that the next drain adopts the updates
            // before it whole (DrainPlan); those after it go into a batch of their own.
            written.addAll(collection.writeBatches(buffer, watermark + 1));
        } else {
            collection.writeBatch(buffer).ifPresent(written::add);
        }
        buffer.clear();
    }

    @Override
    public Collection<WriterResult> prepareCommit() throws IOException {
        if (epochMode) {
            advanceWatermark(epoch);
        }
        spill();
        Optional<Frontier> candidate = sealCandidate();
        boolean idle =
                !activeSinceCheckpoint
                        && clock.getAsLong() - lastActivityMillis
                                >= settings.writing().idleTimeout().toMillis();
        WriterResult result = new WriterResult(subtask, written, candidate, idle, ended);
        written.clear();
        activeSinceCheckpoint = false;
        CollectionState state = collection.refresh();
        lateBound = Frontier.max(lateBound, state.seal());
        if (candidate.isPresent()) {
            lateBound = Frontier.max(lateBound, candidate.get());
        }
        throttled =
                settings.maintenance().enabled()
                        && backlog(state, compaction) > settings.writing().maxBacklog();
        if (epochMode) {
            epoch = Math.max(epoch + 1, openSealTime(state));
        }
        return List.of(result);
    }

    @Override
    public List<Long> snapshotState(long checkpointId) {
        return epochMode ? Collections.nCopies(stateCopies, epoch) : List.of();
    }

    /** The seal the watermark allows: every time at or below the watermark is complete. */
    private Optional<Frontier> sealCandidate() {
        if (watermark == Long.MAX_VALUE) {
            if (settings.committing().closeOnEndOfInput()) {
                return Optional.of(Frontier.closed());
            }
            // The input ended: seal what the last real watermark covered, and leave the rest open.
            return eventWatermark < 0
                    ? Optional.empty()
                    : Optional.of(Frontier.at(eventWatermark + 1));
        }
        if (watermark < 0) {
            return Optional.empty();
        }
        return Optional.of(Frontier.at(watermark + 1));
    }

    /**
     * Maintenance work that can be done now, without new commits: unsealed batches holding sealed
     * updates (to drain, evict or trim), plus a pending trace compaction. Batches wholly beyond the
     * seal do not count: only new seals make them drainable, so waiting on them would deadlock.
     */
    static int backlog(CollectionState state, CompactionPolicy compaction) {
        int n = 0;
        for (UnsealedBatchMeta b : state.unsealed()) {
            if (state.seal().isBefore(b.tsLower())) {
                n++;
            }
        }
        return n + (compaction.pick(state).isPresent() ? 1 : 0);
    }

    private void waitForMaintenance() throws IOException, InterruptedException {
        Thread.sleep(100);
        throttled = backlog(collection.refresh(), compaction) > settings.writing().maxBacklog();
    }

    @Override
    public void close() throws Exception {
        collection.close();
    }
}
