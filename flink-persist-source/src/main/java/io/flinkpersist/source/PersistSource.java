package io.flinkpersist.source;

import io.flinkpersist.Frontier;
import io.flinkpersist.source.enumerator.FollowingSplitEnumerator;
import io.flinkpersist.source.enumerator.PersistEnumeratorState;
import io.flinkpersist.source.enumerator.PersistEnumeratorStateSerializer;
import io.flinkpersist.source.enumerator.SnapshotSplitEnumerator;
import io.flinkpersist.source.reader.PersistSourceReader;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.source.split.PersistSplitSerializer;
import java.util.List;
import java.util.UUID;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Reads a consistent snapshot of a persist collection in parallel.
 *
 * <pre>
 *   [ Enumerator ]  takes a reader lease pinning one state version,
 *        │           cuts it into one split per reader, balanced by bytes
 *        ├──split──► [ Reader 1 ]  reads its row groups ──► deserializer ──► records
 *        └──split──► [ Reader n ]
 * </pre>
 *
 * <ul>
 *   <li><b>Raw</b> ({@code consolidated(false)}): splits are row-group ranges of the batches; the
 *       output is every stored update with times advanced by since (or to the as-of time), not
 *       consolidated across batches.
 *   <li><b>Consolidated</b> (the default): splits are key ranges; each {@code (key, value)} is
 *       emitted once with its net diff — at the as-of time, or without one at the latest time of
 *       its updates.
 *   <li><b>As of</b> {@code T}: the collection as of a complete time, {@code since <= T < seal}.
 * </ul>
 *
 * <p><b>Continuous</b> ({@code continuous(pollInterval)}): the snapshot is read as of the latest
 * complete time, then every newly sealed interval {@code [s, s')} is read as a changelog and
 * followed by the watermark {@code s' - 1} (Flink's "no more timestamps at or below"), emitted only
 * after every reader has emitted every update below {@code s'}. Use a watermark strategy that
 * passes the source's own watermarks on, e.g. {@code WatermarkStrategy.noWatermarks()} in streaming
 * mode. When the collection's seal closes (a writer with {@code closeOnEndOfInput}), the read emits
 * the rest of the collection, then the final watermark {@code Long.MAX_VALUE}, and ends: from then
 * on it is bounded, also after a restore.
 *
 * <p>The lease keeps the blobs of what is being read from garbage collection while the job runs; a
 * continuous read also holds since just below its progress. It is renewed in the background and
 * released at the end.
 *
 * <p>What is emitted for each update is the {@link UpdateDeserializer}'s: by default ({@code
 * PersistSource.<K, V>builder()...build()}) the {@link io.flinkpersist.Update} itself, decoded by
 * the codecs; {@code build(deserializer)} emits anything else, e.g. the SQL connector's table rows.
 *
 * @param <OUT> the type of the records emitted
 */
@PublicEvolving
public final class PersistSource<OUT>
        implements Source<OUT, PersistSplit, PersistEnumeratorState>, ResultTypeQueryable<OUT> {

    private static final long serialVersionUID = 2L;

    private final SourceSettings settings;
    private final UpdateDeserializer<OUT> deserializer;

    PersistSource(SourceSettings settings, UpdateDeserializer<OUT> deserializer) {
        this.settings = settings;
        this.deserializer = deserializer;
    }

    public static <K, V> PersistSourceBuilder<K, V> builder() {
        return new PersistSourceBuilder<>();
    }

    public SourceSettings settings() {
        return settings;
    }

    @Override
    public Boundedness getBoundedness() {
        return settings.bounded() ? Boundedness.BOUNDED : Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SplitEnumerator<PersistSplit, PersistEnumeratorState> createEnumerator(
            SplitEnumeratorContext<PersistSplit> context) {
        return restoreEnumerator(
                context,
                new PersistEnumeratorState(
                        "source-" + UUID.randomUUID(), -1, List.of(), Frontier.minimum()));
    }

    @Override
    public SplitEnumerator<PersistSplit, PersistEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<PersistSplit> context, PersistEnumeratorState checkpoint) {
        return settings.continuous()
                ? new FollowingSplitEnumerator(context, settings, checkpoint)
                : new SnapshotSplitEnumerator(context, settings, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<PersistSplit> getSplitSerializer() {
        return new PersistSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<PersistEnumeratorState> getEnumeratorCheckpointSerializer() {
        return new PersistEnumeratorStateSerializer();
    }

    @Override
    public SourceReader<OUT, PersistSplit> createReader(SourceReaderContext context) {
        return new PersistSourceReader<>(settings, deserializer, context);
    }

    @Override
    public TypeInformation<OUT> getProducedType() {
        return deserializer.producedType();
    }
}
