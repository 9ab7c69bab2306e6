package io.flinkpersist.sink.internal;

import io.flinkpersist.Frontier;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The sink's parallelism-1 coordinator: gathers every writer subtask's {@link WriterResult} of a
 * checkpoint and turns them into one {@link PersistCommittable}, whose seal is the minimum of the
 * writers' seal candidates (idle writers aside). It emits the committable before the checkpoint's
 * barrier passes, so the committer commits exactly that checkpoint's work once it completes.
 *
 * <p>Its state is the sink's writer id — chosen once, then kept across restores and savepoints, so
 * that a committable replayed after a restore is recognised as already committed — and the writer
 * subtasks whose input has ended, which report nothing after a restore.
 *
 * <p>Needs aligned checkpoints: with unaligned ones a writer's results could reach it after the
 * barrier.
 */
@Internal
public final class PersistCommitCoordinator
        extends AbstractStreamOperator<CommittableMessage<PersistCommittable>>
        implements OneInputStreamOperator<
                        CommittableMessage<WriterResult>, CommittableMessage<PersistCommittable>>,
                BoundedOneInput {

    private static final long serialVersionUID = 1L;

    private transient ListState<String> writerIdState;
    private transient ListState<Integer> endedState;
    private transient ListState<Long> endedSealState;
    private transient String writerId;

    /** Per checkpoint: the results received and the number of writer subtasks. */
    private transient TreeMap<Long, Pending> pending;

    /** Writer subtasks whose input has ended: they report no more and hold nothing back. */
    private transient Set<Integer> ended;

    /** The writer parallelism the ended set refers to; after a rescale it means nothing. */
    private transient int endedParallelism;

    /**
     * The latest seal candidate of a writer whose input ended (its last real watermark), if any.
     */
    private transient Frontier endedSeal;

    private static final class Pending {
        int subtasks;
        final Map<Integer, WriterResult> results = new HashMap<>();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        writerIdState =
                context.getOperatorStateStore()
                        .getListState(new ListStateDescriptor<>("persist-writer-id", Types.STRING));
        for (String id : writerIdState.get()) {
            writerId = id;
        }
        if (writerId == null) {
            writerId = "sink-" + UUID.randomUUID();
        }
        pending = new TreeMap<>();
        ended = new HashSet<>();
        endedState =
                context.getOperatorStateStore()
                        .getListState(
                                new ListStateDescriptor<>("persist-ended-writers", Types.INT));
        // Stored as the writer parallelism followed by the ended subtasks.
        Iterator<Integer> stored = endedState.get().iterator();
        if (stored.hasNext()) {
            endedParallelism = stored.next();
            stored.forEachRemaining(ended::add);
        }
        // Added later than the ended set: absent in older savepoints, which then seal as before.
        endedSealState =
                context.getOperatorStateStore()
                        .getListState(new ListStateDescriptor<>("persist-ended-seal", Types.LONG));
        for (Long storage : endedSealState.get()) {
            endedSeal = Frontier.fromStorageLong(storage);
        }
    }

    @Override
    public void processElement(StreamRecord<CommittableMessage<WriterResult>> element) {
        CommittableMessage<WriterResult> message = element.getValue();
        Pending p = pending.computeIfAbsent(message.getCheckpointId(), id -> new Pending());
        if (message instanceof CommittableSummary<WriterResult> summary) {
            p.subtasks = Math.max(p.subtasks, summary.getNumberOfSubtasks());
            if (summary.getNumberOfSubtasks() != endedParallelism) {
                ended.clear();
                endedSeal = null;
                endedParallelism = summary.getNumberOfSubtasks();
            }
        } else if (message instanceof CommittableWithLineage<WriterResult> lineage) {
            WriterResult r = lineage.getCommittable();
            p.results.put(r.subtask(), r);
            if (r.ended()) {
                ended.add(r.subtask());
                if (r.sealCandidate().isPresent()) {
                    endedSeal =
                            endedSeal == null
                                    ? r.sealCandidate().get()
                                    : Frontier.max(endedSeal, r.sealCandidate().get());
                }
            }
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        emitUpTo(checkpointId);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        writerIdState.update(List.of(writerId));
        List<Integer> stored = new ArrayList<>();
        stored.add(endedParallelism);
        stored.addAll(ended);
        endedState.update(stored);
        endedSealState.update(endedSeal == null ? List.of() : List.of(endedSeal.toStorageLong()));
    }

    @Override
    public void endInput() {
        emitUpTo(Long.MAX_VALUE);
    }

    private void emitUpTo(long checkpointId) {
        while (!pending.isEmpty() && pending.firstKey() <= checkpointId) {
            Map.Entry<Long, Pending> e = pending.pollFirstEntry();
            Pending p = e.getValue();
            long endedElsewhere = ended.stream().filter(s -> !p.results.containsKey(s)).count();
            PersistCommittable c =
                    combine(
                            writerId,
                            e.getKey(),
                            p.subtasks - (int) endedElsewhere,
                            p.results.values(),
                            Optional.ofNullable(endedSeal));
            output.collect(new StreamRecord<>(new CommittableSummary<>(0, 1, e.getKey(), 1, 0)));
            output.collect(new StreamRecord<>(new CommittableWithLineage<>(c, e.getKey(), 0)));
        }
    }

    /**
     * One checkpoint's commit: all batches, and the minimum seal candidate of the writers that are
     * neither idle nor ended — only if every writer subtask that has not ended reported and every
     * such active one has a candidate. When every writer's input has ended, the seal is the latest
     * of their candidates (their last real watermarks, or closed).
     */
    static PersistCommittable combine(
            String writerId, long checkpointId, int subtasks, Iterable<WriterResult> results) {
        return combine(writerId, checkpointId, subtasks, results, Optional.empty());
    }

    /**
     * As {@link #combine(String, long, int, Iterable)}, where {@code earlierEnded} is the latest
     * seal candidate of writers whose input ended at an earlier checkpoint (they report no more).
     */
    static PersistCommittable combine(
            String writerId,
            long checkpointId,
            int subtasks,
            Iterable<WriterResult> results,
            Optional<Frontier> earlierEnded) {
        List<NewUnsealedBatch> batches = new ArrayList<>();
        Frontier seal = null;
        boolean sealable = true;
        boolean anyActive = false;
        int reported = 0;
        boolean allEnded = true;
        Frontier endedSeal = earlierEnded.orElse(null);
        for (WriterResult r : results) {
            reported++;
            allEnded &= r.ended();
            batches.addAll(r.batches());
            if (r.ended() && r.sealCandidate().isPresent()) {
                endedSeal =
                        endedSeal == null
                                ? r.sealCandidate().get()
                                : Frontier.max(endedSeal, r.sealCandidate().get());
            }
            if (r.idle() || r.ended()) {
                // Idle, or its input ended (all its updates are written): it holds nothing back.
                continue;
            }
            anyActive = true;
            if (r.sealCandidate().isEmpty()) {
                sealable = false;
            } else {
                seal =
                        seal == null
                                ? r.sealCandidate().get()
                                : Frontier.min(seal, r.sealCandidate().get());
            }
        }
        boolean complete = reported >= subtasks;
        Optional<Frontier> sealTo;
        if (complete && anyActive) {
            sealTo = sealable ? Optional.ofNullable(seal) : Optional.empty();
        } else if (complete && allEnded) {
            // Every input has ended: seal to the latest of their last watermarks (closed if they
            // close).
            sealTo = Optional.ofNullable(endedSeal);
        } else {
            sealTo = Optional.empty();
        }
        return new PersistCommittable(
                writerId, checkpointId, batches, sealTo, complete && allEnded);
    }
}
