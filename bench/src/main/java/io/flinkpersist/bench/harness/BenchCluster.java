package io.flinkpersist.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.executiongraph.ArchivedExecutionGraph;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * An embedded MiniCluster started before the measured job, so its start-up is outside the timing;
 * jobs are submitted as stream graphs and their checkpoint history is read from the archived
 * execution graph.
 */
final class BenchCluster implements AutoCloseable {

    /**
     * One completed checkpoint: when it was triggered (ms after submission) and how long it took.
     */
    record Checkpoint(long id, long triggerOffsetMillis, long durationMillis) {}

    /** The outcome of one job. */
    record JobRun(
            long wallNanos,
            long netRuntimeMillis,
            Map<String, Object> accumulators,
            List<Checkpoint> checkpoints) {}

    private final MiniCluster cluster;
    private final int parallelism;

    BenchCluster(int parallelism) throws Exception {
        this.parallelism = parallelism;
        Configuration conf =
                Configuration.fromMap(
                        Map.of(
                                "rest.bind-port", "0",
                                "web.checkpoints.history", "100000",
                                "taskmanager.numberOfTaskSlots",
                                        Integer.toString(2 * parallelism)));
        cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(conf)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(2 * parallelism)
                                .build());
        cluster.start();
    }

    /** An environment for a job of this cluster: streaming with checkpoints, or batch. */
    StreamExecutionEnvironment environment(boolean streaming, long checkpointIntervalMillis) {
        Configuration conf =
                Configuration.fromMap(
                        Map.of(
                                "parallelism.default",
                                Integer.toString(parallelism),
                                "execution.runtime-mode",
                                streaming ? "STREAMING" : "BATCH",
                                "restart-strategy.type",
                                "none"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (streaming) {
            env.enableCheckpointing(checkpointIntervalMillis);
        }
        env.getConfig().enableObjectReuse();
        return env;
    }

    /** Submits the job of {@code env} and waits for it; fails if the job failed. */
    JobRun run(StreamExecutionEnvironment env, String name) throws Exception {
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(name);
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        JobID id = cluster.submitJob(graph).get().getJobID();
        JobResult result = cluster.requestJobResult(id).get();
        long wall = System.nanoTime() - start;
        if (!result.isSuccess()) {
            Throwable t =
                    result.getSerializedThrowable()
                            .map(s -> s.deserializeError(getClass().getClassLoader()))
                            .orElse(null);
            throw new IllegalStateException(
                    "Job " + name + " failed: " + result.getApplicationStatus(), t);
        }
        JobExecutionResult execution = result.toJobExecutionResult(getClass().getClassLoader());
        List<Checkpoint> checkpoints = new ArrayList<>();
        ArchivedExecutionGraph graphInfo = cluster.getArchivedExecutionGraph(id).get();
        if (graphInfo.getCheckpointStatsSnapshot() != null) {
            for (AbstractCheckpointStats s :
                    graphInfo.getCheckpointStatsSnapshot().getHistory().getCheckpoints()) {
                if (s.getStatus() == CheckpointStatsStatus.COMPLETED) {
                    checkpoints.add(
                            new Checkpoint(
                                    s.getCheckpointId(),
                                    s.getTriggerTimestamp() - startMillis,
                                    s.getEndToEndDuration()));
                }
            }
        }
        checkpoints.sort((a, b) -> Long.compare(a.id(), b.id()));
        return new JobRun(
                wall, execution.getNetRuntime(), execution.getAllAccumulatorResults(), checkpoints);
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
