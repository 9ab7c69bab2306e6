package io.flinkpersist.sink.internal;

import io.flinkpersist.Codec;
import io.flinkpersist.Frontier;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.UpdateBuffer;
import io.flinkpersist.compaction.CompactionPolicy;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/**
 * Buffers updates in a packed buffer, spills it as a sorted, consolidated unsealed batch when it
 * passes its memory bound, and at each checkpoint hands the batches written since the previous one,
 * with the seal its watermark allows, to the coordinator. Nothing is committed here.
 *
 * <p>An update is late when its time is before the writer's late bound: the larger of the seal it
 * last read and the seal its own watermark allowed at the previous checkpoint. The committed seal
 * never passes that bound, so a batch that passes this check is never rejected as late at commit.
 */
@Internal
public final class PersistSinkWriter<K, V>
        implements CommittingSinkWriter<Update<K, V>, WriterResult> {

    private final CompactionPolicy compaction;
    private final SinkSettings settings;
    private final Codec<K> keyCodec;
    private final Codec<V> valueCodec;
    private final int subtask;
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

    public PersistSinkWriter(
            SinkSettings settings,
            Codec<K> keyCodec,
            Codec<V> valueCodec,
            int subtask,
            SinkWriterMetricGroup metrics,
            LongSupplier clock)
            throws IOException {
        this.compaction = settings.maintenance().compaction().policy();
        this.settings = settings;
        this.keyCodec = keyCodec;
        this.valueCodec = valueCodec;
        this.subtask = subtask;
        this.clock = clock;
        this.collection = settings.open();
        this.lateBound = collection.state().seal();
        this.recordsSent = metrics.getNumRecordsSendCounter();
        this.bytesSent = metrics.getNumBytesSendCounter();
        this.lateDropped = metrics.counter("numLateUpdatesDropped");
        this.lastActivityMillis = clock.getAsLong();
    }

    @Override
    public void write(Update<K, V> update, Context context)
            throws IOException, InterruptedException {
        while (throttled) {
            waitForMaintenance();
        }
        long time = update.time();
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
        byte[] k = keyCodec.encode(update.key());
        byte[] v = valueCodec.encode(update.value());
        if (update.diff() != 0) {
            buffer.add(k, v, time, update.diff());
        }
        recordsSent.inc();
        bytesSent.inc(k.length + v.length + 16L);
        activeSinceCheckpoint = true;
        lastActivityMillis = clock.getAsLong();
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
        if (mark.getTimestamp() > watermark) {
            watermark = mark.getTimestamp();
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
        collection.writeBatch(buffer).ifPresent(written::add);
        buffer.clear();
    }

    @Override
    public Collection<WriterResult> prepareCommit() throws IOException {
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
        return List.of(result);
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
