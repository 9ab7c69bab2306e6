package io.flinkpersist.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The JobManager of a session cluster (without high availability) killed under a running write: a
 * new JobManager on the same ports, the TaskManagers register again, and the job is submitted again
 * from its last retained checkpoint. The collection then holds every update exactly once.
 */
class JobManagerFailoverE2E {

    @RegisterExtension
    static final E2EEnvironment ENV =
            new E2EEnvironment()
                    .taskManagers(2)
                    .set(
                            "execution.checkpointing.externalized-checkpoint-retention",
                            "RETAIN_ON_CANCELLATION")
                    .allowErrors(E2EEnvironment.HADOOP_IN_USER_CODE);

    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    @Test
    void aJobResumedFromItsRetainedCheckpointAfterTheJobManagerWasKilledIsExactlyOnce()
            throws Exception {
        FlinkCluster cluster = ENV.cluster();
        String[] data = Jobs.data(ENV.hdfsPath("persist"), "jm-killed", 150_000, "--rate", "15000");
        String job =
                cluster.flink(Jobs.run(ENV.dist(), List.of("-d"), Jobs.WRITE, data))
                        .assertSucceeded()
                        .find("job=([0-9a-f]{32})");
        cluster.awaitCheckpoints(job, 3, JOB_TIMEOUT);

        cluster.killJobManager();
        cluster.startJobManager();
        ENV.awaitTaskManagers();
        Path checkpoint = latestCheckpoint(cluster.home().resolve("checkpoints").resolve(job));
        String resumed =
                cluster.flink(
                                Jobs.run(
                                        ENV.dist(),
                                        List.of("-d", "-s", checkpoint.toUri().toString()),
                                        Jobs.WRITE,
                                        data))
                        .assertSucceeded()
                        .find("job=([0-9a-f]{32})");
        cluster.awaitJobFinished(resumed, JOB_TIMEOUT);

        String restored =
                cluster.rest("/jobs/" + resumed + "/checkpoints")
                        .path("latest")
                        .path("restored")
                        .path("external_path")
                        .asText();
        assertThat(restored).as("checkpoint the job restored").contains(checkpoint.toString());
        ClientRun read =
                cluster.flink(Jobs.run(ENV.dist(), List.of(), Jobs.READ, data)).assertSucceeded();
        assertThat(read.line("E2E-READ")).endsWith("result=PASS");
    }

    /** The highest {@code chk-N} of a job that has its metadata written. */
    private static Path latestCheckpoint(Path jobDir) throws Exception {
        return FlinkCluster.await(
                "a retained checkpoint in " + jobDir,
                Duration.ofSeconds(10),
                () -> {
                    try (Stream<Path> s = Files.list(jobDir)) {
                        return s.filter(p -> p.getFileName().toString().startsWith("chk-"))
                                .filter(p -> Files.exists(p.resolve("_metadata")))
                                .max(
                                        Comparator.comparingLong(
                                                p ->
                                                        Long.parseLong(
                                                                p.getFileName()
                                                                        .toString()
                                                                        .substring(4))));
                    }
                });
    }
}
