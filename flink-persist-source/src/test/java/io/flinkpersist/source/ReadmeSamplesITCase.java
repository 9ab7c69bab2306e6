package io.flinkpersist.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.sink.PersistSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Java samples of the README. Each README block marked {@code <!-- sample: name -->} must
 * equal, line for line after trimming indentation, the region of this file between {@code //
 * sample: name} and {@code // end sample}; the test methods run those regions.
 */
class ReadmeSamplesITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    static final Path README = Paths.get(System.getProperty("basedir", "."), "..", "README.md");
    static final Path SELF =
            Paths.get(
                    System.getProperty("basedir", "."),
                    "src/test/java/io/flinkpersist/source/ReadmeSamplesITCase.java");

    @TempDir Path dir;

    @Test
    void everyReadmeSampleIsOneOfTheseTests() throws IOException {
        Map<String, List<String>> readme =
                blocks(
                        Files.readString(README, StandardCharsets.UTF_8),
                        Pattern.compile(
                                "<!-- sample: (\\w+) -->\\s*\\n```java\\n(.*?)\\n```",
                                Pattern.DOTALL));
        Map<String, List<String>> here =
                blocks(
                        Files.readString(SELF, StandardCharsets.UTF_8),
                        Pattern.compile(
                                "// sample: (\\w+)\\n(.*?)\\n\\s*// end sample", Pattern.DOTALL));
        assertThat(readme).as("samples in the README").containsOnlyKeys("engine", "sink", "source");
        for (Map.Entry<String, List<String>> e : readme.entrySet()) {
            assertThat(e.getValue())
                    .as("README sample %s against this test", e.getKey())
                    .isEqualTo(here.get(e.getKey()));
        }
    }

    private static Map<String, List<String>> blocks(String text, Pattern pattern) {
        Map<String, List<String>> out = new HashMap<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            out.put(m.group(1), m.group(2).lines().map(String::strip).toList());
        }
        return out;
    }

    @Test
    void engine() throws IOException {
        byte[] key = "k".getBytes(StandardCharsets.UTF_8);
        byte[] value = "new".getBytes(StandardCharsets.UTF_8);
        byte[] old = "old".getBytes(StandardCharsets.UTF_8);
        List<String> seen = new ArrayList<>();
        // sample: engine
        try (PersistCollection orders = PersistCollection.open(dir, "orders")) {
            orders.append(
                    List.of(
                            Update.of(key, old, 3, +1),
                            Update.of(key, old, 5, -1),
                            Update.of(key, value, 5, +1)));
            orders.seal(10); // times < 10 are complete
            orders.allowCompaction(8); // times < 8 may be merged together
            orders.maintainUntilIdle(); // drain, evict, trim, compact
            try (UpdateCursor c = orders.snapshot().asOf(9).readConsolidated()) {
                while (c.advance()) { // (k, new, 9, +1): the old value is retracted
                    String v = new String(c.value(), StandardCharsets.UTF_8);
                    seen.add(v + "@" + c.time() + "x" + c.diff());
                }
            }
        }
        // end sample
        assertThat(seen).containsExactly("new@9x1");
    }

    @Test
    void sinkThenSource() throws Exception {
        String location = dir.toString();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(100);
        DataStream<Update<String, String>> changes =
                env.fromData(
                                List.of(
                                        Update.of("order-1", "placed", 1, +1),
                                        Update.of("order-2", "placed", 2, +1),
                                        Update.of("order-1", "placed", 3, -1),
                                        Update.of("order-1", "shipped", 3, +1)),
                                TypeInformation.of(new TypeHint<Update<String, String>>() {}))
                        .assignTimestampsAndWatermarks(
                                WatermarkStrategy.<Update<String, String>>forMonotonousTimestamps()
                                        .withTimestampAssigner((u, t) -> u.time()));
        // sample: sink
        changes.sinkTo(
                PersistSink.<String, String>builder()
                        .location(location) // a local directory, or hdfs://namenode:8020/persist
                        .collection("orders")
                        .keyCodec(Codecs.string())
                        .valueCodec(Codecs.string())
                        .historyRetention(100L) // since follows the seal, 100 time units behind
                        .closeOnEndOfInput(true) // a bounded input seals everything when it ends
                        .build());
        // end sample
        env.execute("write orders");

        StreamExecutionEnvironment readEnv = StreamExecutionEnvironment.getExecutionEnvironment();
        readEnv.setParallelism(2);
        // sample: source
        PersistSource<Update<String, String>> source =
                PersistSource.<String, String>builder()
                        .location(location)
                        .collection("orders")
                        .keyCodec(Codecs.string())
                        .valueCodec(Codecs.string())
                        .asOf(2) // optional: as of a time with since <= 2 < seal
                        .build(); // consolidated: each (key, value) once, with its net diff
        DataStream<Update<String, String>> orders =
                readEnv.fromSource(source, WatermarkStrategy.noWatermarks(), "orders");
        // end sample
        List<String> asOf2 = new ArrayList<>();
        orders.executeAndCollect()
                .forEachRemaining(
                        u ->
                                asOf2.add(
                                        u.key() + "=" + u.value() + "@" + u.time() + "x"
                                                + u.diff()));
        assertThat(asOf2).containsExactlyInAnyOrder("order-1=placed@2x1", "order-2=placed@2x1");

        PersistSource<Update<String, String>> latest =
                PersistSource.<String, String>builder()
                        .location(location)
                        .collection("orders")
                        .keyCodec(Codecs.string())
                        .valueCodec(Codecs.string())
                        .build();
        List<String> now = new ArrayList<>();
        readEnv.fromSource(latest, WatermarkStrategy.noWatermarks(), "orders")
                .executeAndCollect()
                .forEachRemaining(u -> now.add(u.key() + "=" + u.value() + "x" + u.diff()));
        assertThat(now).containsExactlyInAnyOrder("order-1=shippedx1", "order-2=placedx1");
    }
}
