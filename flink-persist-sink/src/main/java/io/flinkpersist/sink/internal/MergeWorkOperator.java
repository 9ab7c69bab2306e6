package io.flinkpersist.sink.internal;

import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The sink's parallel maintenance stage, between the coordinator and the committer: each of its
 * subtasks runs a {@link MergeWorker} that writes its share of the pending merge request's parts.
 * Committables pass through unchanged (they all reach subtask 0, and from it committer subtask 0).
 *
 * <p>It sits after the coordinator, not in the writers, for the end of the input: every subtask of
 * this stage sees the end of its input at the same moment (when the coordinator finishes, after the
 * last writer), so all of them close after the same final checkpoint and stay together to help with
 * the merges that compact the collection. A writer that stayed would hold back the checkpoints, and
 * so the commits, of the writers still running.
 *
 * <p>A failure of a test hook in the worker fails this task at the next check (every 200 ms, and at
 * each checkpoint), so a test's injected fault restarts the job as a crash would.
 */
@Internal
public final class MergeWorkOperator
        extends AbstractStreamOperator<CommittableMessage<PersistCommittable>>
        implements OneInputStreamOperator<
                        CommittableMessage<PersistCommittable>,
                        CommittableMessage<PersistCommittable>>,
                BoundedOneInput {

    private static final long serialVersionUID = 1L;

    /** How often a hook's failure in the worker is looked for. */
    private static final long CHECK_EVERY_MILLIS = 200;

    /** How long the stage helps after the end of the input before it closes anyway. */
    static final long FINISH_MILLIS = 30_000;

    private final SinkSettings settings;
    private transient MergeWorker worker;
    private transient boolean ended;
    private transient boolean finalCheckpointCompleted;

    public MergeWorkOperator(SinkSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open() throws Exception {
        super.open();
        if (!settings.maintenance().enabled()) {
            return;
        }
        worker =
                new MergeWorker(
                        settings,
                        getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                        getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks());
        getMetricGroup().gauge("maintenanceBytesWritten", worker::bytesWritten);
        getMetricGroup().gauge("maintenancePartsWritten", worker::partsWritten);
        getMetricGroup().gauge("maintenanceWorkFailures", worker::failures);
        scheduleCheck();
    }

    private void scheduleCheck() {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService()
                .registerTimer(
                        now + CHECK_EVERY_MILLIS,
                        time -> {
                            worker.checkError();
                            if (!ended) {
                                scheduleCheck();
                            }
                        });
    }

    @Override
    public void processElement(StreamRecord<CommittableMessage<PersistCommittable>> element) {
        output.collect(element);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        if (worker != null) {
            worker.checkError();
        }
    }

    @Override
    public void endInput() {
        ended = true;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        // A checkpoint completed after the end of the input: the final one, whose commit plans
        // the last merges.
        finalCheckpointCompleted |= ended;
    }

    /**
     * After the end of the input and the final checkpoint, whose commit plans the last merges:
     * helps until the collection's maintenance is done, up to {@link #FINISH_MILLIS}. A task that
     * fails after its input ended also closes, before any final checkpoint: it only stops its
     * worker then, so that a failure of merge work is not raised again while the task cleans up.
     */
    @Override
    public void close() throws Exception {
        try {
            if (worker != null) {
                try {
                    if (ended && finalCheckpointCompleted) {
                        worker.finish(FINISH_MILLIS);
                        worker.checkError();
                    }
                } finally {
                    worker.close();
                }
            }
        } finally {
            super.close();
        }
    }
}
