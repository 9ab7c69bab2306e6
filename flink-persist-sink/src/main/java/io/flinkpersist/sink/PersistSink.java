package io.flinkpersist.sink;

import io.flinkpersist.sink.internal.CommitEpochSerializer;
import io.flinkpersist.sink.internal.MergeWorkOperator;
import io.flinkpersist.sink.internal.PersistCommitCoordinator;
import io.flinkpersist.sink.internal.PersistCommittable;
import io.flinkpersist.sink.internal.PersistCommittableSerializer;
import io.flinkpersist.sink.internal.PersistCommitter;
import io.flinkpersist.sink.internal.PersistSinkWriter;
import io.flinkpersist.sink.internal.SinkSettings;
import io.flinkpersist.sink.internal.WriterResult;
import io.flinkpersist.sink.internal.WriterResultSerializer;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessageTypeInfo;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Writes differential updates into a persist collection, exactly once.
 *
 * <pre>
 *                 checkpoint N                                                          checkpoint N completes
 *  updates ──► [ Writer ×p ] ──WriterResult──► [ Coordinator ×1 ] ──Committable──► [ merge work ×p ] ──► [ Committer, subtask 0 ]
 *               buffer, sort,   (batches,        all batches of N,   (to subtask 0)   passes it on         one compare-and-set:
 *               consolidate,     watermark)      seal = min watermark                                        batches + seal,
 *               spill Parquet                    of the writers                                              token (sink id, N)
 *               unsealed batches                                                                                 │
 *                                                                     ▲                                          ▼ trigger
 *                                          part j of the pending      │                           [ maintenance planner ]
 *                                          request (workerOf(j)),     │                           evict, trim, GC; records
 *                                          put-if-absent; the last ───┴──── state: merge request  each drain and merge as
 *                                          part's writer installs the       (inputs, since, cuts) a merge request (one CAS)
 *                                          merge by one CAS
 * </pre>
 *
 * <ul>
 *   <li><b>Writers</b> buffer updates, sort and consolidate them, and spill a Parquet unsealed
 *       batch when the buffer passes {@code sink.buffer-size}. At each checkpoint they hand their
 *       batches and the seal their watermark allows ({@code watermark + 1}) to the coordinator.
 *   <li>The <b>coordinator</b> (parallelism 1) combines one checkpoint's results into one
 *       committable; the seal is the minimum over the writers, leaving out writers idle for longer
 *       than {@code sink.idle-timeout}. It keeps the sink's id in its state across restores.
 *   <li>The <b>committer</b> commits each completed checkpoint's committable in one
 *       compare-and-set; a replay after a failure or restore is recognised by its {@code (sink id,
 *       checkpoint)} token and changes nothing. Since then follows the seal minus {@code
 *       sink.history-retention}. Maintenance never blocks a checkpoint; if its backlog passes
 *       {@code sink.max-backlog}, writers wait (backpressure).
 *   <li><b>Maintenance</b> grows with the job. The committer's background thread plans: it records
 *       each drain and trace merge in the collection's state as a <i>merge request</i> whose output
 *       is cut into key-range parts of about 32 MiB (from the inputs' page-level key statistics).
 *       Every subtask of the <b>merge work</b> stage (the sink's parallelism, between coordinator
 *       and committer, in the same slots as the writers) runs a worker thread that writes its share
 *       of the parts (published put-if-absent under keys fixed by the request, so a retried or
 *       duplicated part is harmless); whoever writes the last part installs the merge by one
 *       compare-and-set, and a request that no longer applies is dropped. A worker whose request
 *       gains no part for a while helps with the missing ones; a request left unfinished is
 *       finished by the committer's thread after a while. The stage sits after the coordinator so
 *       that all its subtasks see the end of the input together, after the last writer: they close
 *       after the same final checkpoint and stay, before they close, to help with the merges that
 *       compact the collection. (A writer that stayed would hold back the checkpoints of the
 *       writers still running.)
 * </ul>
 *
 * <p><b>Late updates</b> (time before the seal) are handled by {@link LateUpdatePolicy}. <b>End of
 * a bounded input</b>: the final watermark ({@code Long.MAX_VALUE}) does not seal the collection
 * unless {@code closeOnEndOfInput(true)}; everything written is committed, and the seal stays at
 * the last real watermark, so a later job can continue the collection. After that last commit,
 * maintenance (if on) drains what is sealed and compacts the trace before since into one batch
 * before the job finishes (waiting up to 30 s), so a finished job leaves a compact collection.
 *
 * <p>Requires aligned checkpoints (the default).
 *
 * <p>What an input record becomes is the {@link UpdateSerializer}'s: by default ({@code
 * PersistSink.<K, V>builder()...build()}) the {@link io.flinkpersist.Update} itself, its key and
 * value encoded; {@code build(serializer)} writes anything else, e.g. the SQL connector's rows.
 * With {@code timeFromCommitEpochs()} the writers stamp records with commit epochs instead of event
 * time (see {@link PersistSinkWriter}).
 *
 * @param <IN> the type of the input records
 */
@PublicEvolving
public final class PersistSink<IN>
        implements Sink<IN>,
                SupportsCommitter<PersistCommittable>,
                SupportsPreCommitTopology<WriterResult, PersistCommittable>,
                SupportsWriterState<IN, Long> {

    private static final long serialVersionUID = 2L;

    private final SinkSettings settings;
    private final UpdateSerializer<IN> serializer;

    PersistSink(SinkSettings settings, UpdateSerializer<IN> serializer) {
        this.settings = settings;
        this.serializer = serializer;
    }

    public static <K, V> PersistSinkBuilder<K, V> builder() {
        return new PersistSinkBuilder<>();
    }

    /** The settings this sink was built with. */
    public SinkSettings settings() {
        return settings;
    }

    @Override
    public PersistSinkWriter<IN> createWriter(WriterInitContext context) throws IOException {
        return restoreWriter(context, List.of());
    }

    /**
     * A writer, restored with the commit epochs of the writers it replaces (commit-epoch mode; the
     * state is empty otherwise).
     */
    @Override
    public PersistSinkWriter<IN> restoreWriter(
            WriterInitContext context, Collection<Long> recoveredState) throws IOException {
        long restored = -1;
        for (long epoch : recoveredState) {
            restored = Math.max(restored, epoch);
        }
        return new PersistSinkWriter<>(
                settings,
                serializer,
                context.getTaskInfo().getIndexOfThisSubtask(),
                context.metricGroup(),
                context.getProcessingTimeService()::getCurrentProcessingTime,
                restored,
                Math.max(1, context.getTaskInfo().getMaxNumberOfParallelSubtasks()));
    }

    @Override
    public SimpleVersionedSerializer<Long> getWriterStateSerializer() {
        return new CommitEpochSerializer();
    }

    @Override
    public Committer<PersistCommittable> createCommitter(CommitterInitContext context) {
        return new PersistCommitter(settings, context.metricGroup());
    }

    @Override
    public SimpleVersionedSerializer<PersistCommittable> getCommittableSerializer() {
        return new PersistCommittableSerializer();
    }

    @Override
    public DataStream<CommittableMessage<PersistCommittable>> addPreCommitTopology(
            DataStream<CommittableMessage<WriterResult>> results) {
        return results.global()
                .transform(
                        "persist-coordinator: " + settings.collection(),
                        CommittableMessageTypeInfo.of(PersistCommittableSerializer::new),
                        new PersistCommitCoordinator())
                .setParallelism(1)
                .setMaxParallelism(1)
                // Every committable goes to subtask 0 of the maintenance stage, which has the
                // sink's parallelism, and on to committer subtask 0.
                .global()
                .transform(
                        "persist-merge-work: " + settings.collection(),
                        CommittableMessageTypeInfo.of(PersistCommittableSerializer::new),
                        new MergeWorkOperator(settings))
                .forward();
    }

    @Override
    public SimpleVersionedSerializer<WriterResult> getWriteResultSerializer() {
        return new WriterResultSerializer();
    }
}
