package io.flinkpersist.source.reader;

import io.flinkpersist.Codec;
import io.flinkpersist.Update;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.source.split.PersistSplitState;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;

/** Reads assigned splits on one fetcher thread and decodes their updates through the codecs. */
@Internal
public final class PersistSourceReader<K, V>
        extends SingleThreadMultiplexSourceReaderBase<RawUpdate, Update<K, V>, PersistSplit, PersistSplitState> {

    public PersistSourceReader(SourceSettings settings, Codec<K> keyCodec, Codec<V> valueCodec, SourceReaderContext context) {
        super(
                () -> new PersistSplitReader(settings),
                (raw, output, state) -> {
                    output.collect(
                            Update.of(keyCodec.decode(raw.key()), valueCodec.decode(raw.value()), raw.time(), raw.diff()),
                            raw.time());
                    state.recordEmitted();
                },
                new Configuration(),
                context);
    }

    /** Splits assigned and not yet finished. */
    private final java.util.Set<String> unfinished = new java.util.HashSet<>();
    /** Announced seals, each waiting for the splits that were unfinished when it arrived. */
    private final java.util.ArrayDeque<PendingSeal> pendingSeals = new java.util.ArrayDeque<>();
    private org.apache.flink.api.connector.source.ReaderOutput<Update<K, V>> output;
    private long lastWatermark = Long.MIN_VALUE;

    private record PendingSeal(long seal, java.util.Set<String> waitingFor) {}

    @Override
    public void start() {
        if (getNumberOfCurrentlyAssignedSplits() == 0) {
            context.sendSplitRequest();
        }
    }

    @Override
    public void addSplits(java.util.List<PersistSplit> splits) {
        for (PersistSplit s : splits) {
            unfinished.add(s.splitId());
        }
        super.addSplits(splits);
    }

    @Override
    protected void onSplitFinished(Map<String, PersistSplitState> finished) {
        unfinished.removeAll(finished.keySet());
        for (PendingSeal p : pendingSeals) {
            p.waitingFor().removeAll(finished.keySet());
        }
        emitReadySeals();
        context.sendSplitRequest();
    }

    @Override
    public void handleSourceEvents(org.apache.flink.api.connector.source.SourceEvent event) {
        if (event instanceof io.flinkpersist.source.split.SealEvents.SealAdvanced sealed) {
            pendingSeals.add(new PendingSeal(sealed.seal(), new java.util.HashSet<>(unfinished)));
            emitReadySeals();
        } else {
            super.handleSourceEvents(event);
        }
    }

    @Override
    public org.apache.flink.core.io.InputStatus pollNext(org.apache.flink.api.connector.source.ReaderOutput<Update<K, V>> out)
            throws Exception {
        output = out;
        org.apache.flink.core.io.InputStatus status = super.pollNext(out);
        emitReadySeals();
        return status;
    }

    /** Emits the watermark of every announced seal whose splits are all read, and acknowledges it. */
    private void emitReadySeals() {
        while (output != null && !pendingSeals.isEmpty() && pendingSeals.peek().waitingFor().isEmpty()) {
            long seal = pendingSeals.poll().seal();
            if (seal - 1 > lastWatermark) {
                lastWatermark = seal - 1;
                output.emitWatermark(new org.apache.flink.api.common.eventtime.Watermark(seal - 1));
            }
            context.sendSourceEventToCoordinator(new io.flinkpersist.source.split.SealEvents.SealAcknowledged(seal));
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
