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

    @Override
    public void start() {
        if (getNumberOfCurrentlyAssignedSplits() == 0) {
            context.sendSplitRequest();
        }
    }

    @Override
    protected void onSplitFinished(Map<String, PersistSplitState> finished) {
        context.sendSplitRequest();
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
