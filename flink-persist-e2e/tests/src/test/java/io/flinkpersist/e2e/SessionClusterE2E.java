package io.flinkpersist.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A session cluster of a JobManager and two TaskManagers (two slots each) on HDFS, with nothing of
 * the project in {@code lib/}: the jobs come in the user's job jar, the SQL connector with {@code
 * ADD JAR}. Each test writes its own collection and checks it against the generator replayed in
 * plain Java.
 */
class SessionClusterE2E {

    @RegisterExtension
    static final E2EEnvironment ENV =
            new E2EEnvironment().taskManagers(2).allowErrors(E2EEnvironment.HADOOP_IN_USER_CODE);

    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    @Test
    void aJobJarWritesToHdfsAndAnotherReadsItBack() throws Exception {
        FlinkCluster cluster = ENV.cluster();
        String location = ENV.hdfsPath("persist");
        String[] data = Jobs.data(location, "written", 60_000);

        ClientRun write =
                cluster.flink(Jobs.run(ENV.dist(), List.of(), Jobs.WRITE, data)).assertSucceeded();
        assertThat(write.output()).contains("Job Runtime:");
        assertThat(read(data).line("E2E-READ")).endsWith("result=PASS");

        ClientRun validate = cluster.persistCli("validate", location, "written").assertSucceeded();
        assertThat(validate.output()).contains("OK: no problems found");
        try (PersistCollection c =
                PersistCollection.openExisting(location, "written", CollectionConfig.defaults())) {
            assertThat(c.state().seal().isClosed()).as("seal of %s", c.state()).isTrue();
        }
    }

    @Test
    void aTaskManagerKilledMidWriteIsReplacedAndTheWriteIsExactlyOnce() throws Exception {
        FlinkCluster cluster = ENV.cluster();
        String[] data = Jobs.data(ENV.hdfsPath("persist"), "tm-killed", 150_000, "--rate", "15000");
        String job = submit(data);

        cluster.awaitCheckpoints(job, 2, JOB_TIMEOUT);
        Set<String> writers = cluster.taskManagersRunning(job, "persist");
        assertThat(writers).as("TaskManagers running the sink").isNotEmpty();
        String victim = writers.iterator().next();
        ENV.killTaskManager(victim);
        ENV.startTaskManager();
        ENV.awaitTaskManagers();
        cluster.awaitJobFinished(job, JOB_TIMEOUT);

        assertThat(
                        cluster.rest("/jobs/" + job + "/exceptions")
                                .get("exceptionHistory")
                                .get("entries"))
                .as("failures of the job after %s was killed", victim)
                .isNotEmpty();
        assertThat(read(data).line("E2E-READ")).endsWith("result=PASS");
    }

    @Test
    void aContinuousReadFollowsARunningWriterWithCompleteWatermarks() throws Exception {
        FlinkCluster cluster = ENV.cluster();
        String[] data = Jobs.data(ENV.hdfsPath("persist"), "followed", 45_000, "--rate", "3000");
        String writer = submit(data);
        // A read fails on a collection that does not exist yet: start once the writer made it.
        FileSystem fs = ENV.hdfs().fileSystem();
        Path state = new Path("/persist/followed/state");
        FlinkCluster.await(
                "the collection's first state",
                JOB_TIMEOUT,
                () ->
                        fs.exists(state) && fs.listStatus(state).length > 0
                                ? Optional.of(state)
                                : Optional.empty());

        ClientRun follow =
                cluster.flink(
                                Jobs.run(
                                        ENV.dist(),
                                        List.of(),
                                        Jobs.FOLLOW,
                                        concat(data, "--min-watermarks", "3")))
                        .assertSucceeded();
        assertThat(follow.line("E2E-FOLLOW")).endsWith("result=PASS");
        cluster.awaitJobFinished(writer, JOB_TIMEOUT);
    }

    @Test
    @DisabledIfSystemProperty(named = "e2e.sql-client.skip", matches = "true")
    void theSqlClientAddsTheConnectorJarWritesAnAggregateAndReadsItBack() throws Exception {
        String script =
                CustomerTotals.script(
                        ENV.hdfsPath("persist"),
                        "customer_totals",
                        Optional.of(ENV.dist().connectorJar()));
        ClientRun sql = ENV.cluster().sqlClient(script).assertSucceeded();
        assertThat(CustomerTotals.read(sql)).isEqualTo(CustomerTotals.expected());
    }

    /** Submits a {@link Jobs#WRITE} detached and returns its job id. */
    private static String submit(String[] data) throws Exception {
        return ENV.cluster()
                .flink(Jobs.run(ENV.dist(), List.of("-d"), Jobs.WRITE, data))
                .assertSucceeded()
                .find("job=([0-9a-f]{32})");
    }

    private static ClientRun read(String[] data) throws Exception {
        return ENV.cluster()
                .flink(Jobs.run(ENV.dist(), List.of(), Jobs.READ, data))
                .assertSucceeded();
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
