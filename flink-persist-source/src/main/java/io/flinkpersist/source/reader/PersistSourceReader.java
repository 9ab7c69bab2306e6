package io.flinkpersist.source.reader;

import io.flinkpersist.Frontier;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.source.UpdateDeserializer;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.source.split.PersistSplitState;
import io.flinkpersist.source.split.SealEvents;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;

/**
 * Reads assigned splits on one fetcher thread and emits what the deserializer makes of each update,
 * at the update's time; the seals of a continuous read become its watermarks.
 */
@Internal
public final class PersistSourceReader<OUT>
        extends SingleThreadMultiplexSourceReaderBase<
                RawUpdate, OUT, PersistSplit, PersistSplitState> {

    public PersistSourceReader(
            SourceSettings settings,
            UpdateDeserializer<OUT> deserializer,
            SourceReaderContext context) {
        super(
                () -> new PersistSplitReader(settings),
                new Emitter<>(
                        deserializer,
                        context.metricGroup().getIOMetricGroup().getNumBytesInCounter()),
                new Configuration(),
                context);
    }

    /** Emits the deserializer's records of one update, each at the update's time. */
    private static final class Emitter<OUT>
            implements RecordEmitter<RawUpdate, OUT, PersistSplitState> {
        private final UpdateDeserializer<OUT> deserializer;
        private final Counter bytesIn;
        private final AtTime<OUT> atTime = new AtTime<>();

        Emitter(UpdateDeserializer<OUT> deserializer, Counter bytesIn) {
            this.deserializer = deserializer;
            this.bytesIn = bytesIn;
        }

        @Override
        public void emitRecord(RawUpdate raw, SourceOutput<OUT> output, PersistSplitState state) {
            atTime.output = output;
            atTime.time = raw.time();
            deserializer.deserialize(raw.key(), raw.value(), raw.time(), raw.diff(), atTime);
            bytesIn.inc(raw.key().length + raw.value().length + 16L);
            // Counted per update, however many records it became: a restore skips updates.
            state.recordEmitted();
        }
    }

    /** A collector that emits to the current output at the current update's time. */
    private static final class AtTime<OUT> implements Collector<OUT> {
        private SourceOutput<OUT> output;
        private long time;

        @Override
        public void collect(OUT record) {
            output.collect(record, time);
        }

        @Override
        public void close() {}
    }

    /** Splits assigned and not yet finished, with the time all their updates lie below. */
    private final Map<String, Frontier> unfinished = new HashMap<>();

    /** Announced seals not yet turned into watermarks. */
    private final TreeSet<Long> pendingSeals = new TreeSet<>();

    private ReaderOutput<OUT> output;
    private long lastWatermark = Long.MIN_VALUE;

    @Override
    public void start() {
        if (getNumberOfCurrentlyAssignedSplits() == 0) {
            context.sendSplitRequest();
        }
    }

    @Override
    public void addSplits(List<PersistSplit> splits) {
        for (PersistSplit s : splits) {
            unfinished.put(s.splitId(), s.times().keepBefore());
        }
        super.addSplits(splits);
    }

    @Override
    protected void onSplitFinished(Map<String, PersistSplitState> finished) {
        unfinished.keySet().removeAll(finished.keySet());
        emitReadySeals();
        context.sendSplitRequest();
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        if (event instanceof SealEvents.SealAdvanced sealed) {
            pendingSeals.add(sealed.seal());
            emitReadySeals();
        } else {
            super.handleSourceEvents(event);
        }
    }

    @Override
    public InputStatus pollNext(ReaderOutput<OUT> out) throws Exception {
        if (output == null) {
            // Flink counts a source output as idle until it emits its first watermark, and a reader
            // with no split outputs then reports itself idle downstream: the other readers' seal
            // watermarks would pass its updates. This reader's watermarks are the seals; it is
            // never
            // idle, so it says so before anything else.
            out.markActive();
        }
        output = out;
        InputStatus status = super.pollNext(out);
        emitReadySeals();
        return status;
    }

    /**
     * Emits the watermark {@code seal - 1} of every announced seal below which this reader holds no
     * unread update (no unfinished split ends at or below it), and acknowledges it. A closed seal
     * gives the final watermark, {@code Long.MAX_VALUE}, once every split is read.
     */
    private void emitReadySeals() {
        while (output != null && !pendingSeals.isEmpty()) {
            SealEvents.SealAdvanced seal = new SealEvents.SealAdvanced(pendingSeals.first());
            for (Frontier bound : unfinished.values()) {
                if (bound.lessEqual(seal.frontier())) {
                    return;
                }
            }
            pendingSeals.pollFirst();
            if (seal.watermark() > lastWatermark) {
                lastWatermark = seal.watermark();
                output.emitWatermark(new Watermark(lastWatermark));
            }
            context.sendSourceEventToCoordinator(new SealEvents.SealAcknowledged(seal.seal()));
        }
    }

    @Override
    protected PersistSplitState initializedState(PersistSplit split) {
        return new PersistSplitState(split);
    }

    @Override
    protected PersistSplit toSplitType(String splitId, PersistSplitState state) {
        return state.toSplit();
    }
}
