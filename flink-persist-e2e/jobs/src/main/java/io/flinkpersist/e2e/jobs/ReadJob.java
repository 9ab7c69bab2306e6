package io.flinkpersist.e2e.jobs;

import io.flinkpersist.Codecs;
import io.flinkpersist.Update;
import io.flinkpersist.source.PersistSource;
import io.flinkpersist.source.PersistSourceBuilder;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Reads a collection as a consolidated snapshot, collects it to the client and checks it against
 * the {@link Changelog} replayed in plain Java: every key's last value, once, with diff {@code +1}.
 * Prints {@code E2E-READ ... result=PASS}, or fails with the differences.
 *
 * <p>Arguments: {@code --location --collection --events [--keys 1000] [--seed 1]}.
 */
public final class ReadJob {

    private ReadJob() {}

    /** A source of the collection the arguments name, emitting its updates. */
    static PersistSourceBuilder<String, String> source(JobArgs a) {
        return PersistSource.<String, String>builder()
                .location(a.location())
                .collection(a.collection())
                .keyCodec(Codecs.string())
                .valueCodec(Codecs.string())
                .producedType(WriteJob.UPDATE_TYPE);
    }

    public static void main(String[] args) throws Exception {
        JobArgs a = JobArgs.parse(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        PersistSource<Update<String, String>> source = source(a).consolidated(true).build();
        StateCheck check = new StateCheck();
        try (CloseableIterator<Update<String, String>> it =
                env.fromSource(
                                source,
                                WatermarkStrategy.noWatermarks(),
                                "persist: " + a.collection())
                        .executeAndCollect("e2e read " + a.collection())) {
            it.forEachRemaining(check::add);
        }
        Map<String, String> expected = a.changelog().replay().advanceTo(a.events()).state();
        List<String> problems = check.problems(expected);
        // A consolidated snapshot holds each (key, value) once: more rows than keys is a duplicate.
        if (check.updates() != check.keys()) {
            problems.add(0, check.updates() + " rows for " + check.keys() + " keys");
        }
        String line =
                "E2E-READ rows="
                        + check.updates()
                        + " expected="
                        + expected.size()
                        + " "
                        + a.describe()
                        + " result="
                        + (problems.isEmpty() ? "PASS" : "FAIL");
        System.out.println(line);
        if (!problems.isEmpty()) {
            throw new IllegalStateException(line + "\n  " + String.join("\n  ", problems));
        }
    }
}
