package io.flinkpersist.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A session cluster with the shaded SQL connector jar in {@code lib/}: the SQL client needs no
 * {@code ADD JAR}, and the Hadoop the jar bundles also serves Flink's own checkpoints on HDFS.
 */
@DisabledIfSystemProperty(named = "e2e.sql-client.skip", matches = "true")
class ConnectorInLibE2E {

    @RegisterExtension
    static final E2EEnvironment ENV =
            new E2EEnvironment()
                    .taskManagers(2)
                    .connectorInLib()
                    .set("execution.checkpointing.dir", hdfs -> hdfs.uri() + "/flink-checkpoints");

    @Test
    void theSqlClientWritesAnAggregateAndReadsItBackWithCheckpointsOnHdfs() throws Exception {
        String script =
                CustomerTotals.script(ENV.hdfsPath("persist"), "customer_totals", Optional.empty());
        ClientRun sql = ENV.cluster().sqlClient(script).assertSucceeded();
        assertThat(CustomerTotals.read(sql)).isEqualTo(CustomerTotals.expected());

        String insert = null;
        for (JsonNode job : ENV.cluster().rest("/jobs/overview").get("jobs")) {
            if (job.get("name").asText().startsWith("insert-into")) {
                insert = job.get("jid").asText();
            }
        }
        assertThat(insert).as("the INSERT's job").isNotNull();
        JsonNode checkpoints = ENV.cluster().rest("/jobs/" + insert + "/checkpoints");
        assertThat(checkpoints.path("counts").path("completed").asLong())
                .as("completed checkpoints of the INSERT: %s", checkpoints)
                .isPositive();
        assertThat(checkpoints.path("latest").path("completed").path("external_path").asText())
                .startsWith(ENV.hdfsPath("flink-checkpoints/" + insert));
        assertThat(ENV.hdfs().fileSystem().exists(new Path("/flink-checkpoints/" + insert)))
                .isTrue();
    }
}
