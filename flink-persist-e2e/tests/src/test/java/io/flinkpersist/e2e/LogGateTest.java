package io.flinkpersist.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogGateTest {

    @TempDir Path logs;

    @Test
    void findsErrorLinesOfLogsAndOutputsOutsideTheAllowList() throws Exception {
        Files.writeString(
                logs.resolve("jobmanager-1.log"),
                String.join(
                        "\n",
                        "2026-01-01 00:00:00,000 INFO  a.B [] - fine, no ERROR here",
                        "2026-01-01 00:00:01,000 ERROR a.B [] - broken",
                        "2026-01-01 00:00:02,000 ERROR org.apache.flink.runtime.rest.handler.job.coordination.ClientCoordinationHandler [] - Unhandled exception.",
                        "org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (0)",
                        "2026-01-01 00:00:03,000 ERROR org.apache.flink.runtime.rest.handler.job.coordination.ClientCoordinationHandler [] - Unhandled exception.",
                        "java.lang.IllegalStateException: something else",
                        "2026-01-01 00:00:04,000 ERROR a.C [] - allowed by the class"));
        Files.writeString(
                logs.resolve("sql-client-1.out"),
                String.join(
                        "\n",
                        "java -cp ... -Dsomething=ERROR",
                        "Flink SQL> [ERROR] Could not execute SQL statement.",
                        "Exception in thread \"main\" java.lang.RuntimeException"));
        Files.writeString(logs.resolve("notes.txt"), "ERROR not a log");

        List<String> found = new LogGate(List.of(Pattern.compile("a\\.C"))).unexpected(logs);

        assertThat(found)
                .containsExactly(
                        "jobmanager-1.log:2: 2026-01-01 00:00:01,000 ERROR a.B [] - broken",
                        "jobmanager-1.log:5: 2026-01-01 00:00:03,000 ERROR"
                                + " org.apache.flink.runtime.rest.handler.job.coordination.ClientCoordinationHandler"
                                + " [] - Unhandled exception.",
                        "sql-client-1.out:2: Flink SQL> [ERROR] Could not execute SQL statement.",
                        "sql-client-1.out:3: Exception in thread \"main\" java.lang.RuntimeException");
    }
}
