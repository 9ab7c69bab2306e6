package io.flinkpersist.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded interval reads ({@code until}): the snapshot as of the as-of time (or since), then every
 * update before the end time, and the job ends; applied in order, they give the collection as of
 * {@code until - 1}. An end time beyond the seal waits for it; one not after since, without an
 * as-of time, fails naming both.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PersistSourceIntervalITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @TempDir Path dir;

    private final List<Update<String, String>> written = new ArrayList<>();

    /** Updates at times 0 to 9 over 20 keys, sealed at 10, since at 2. */
    @BeforeEach
    void write() throws Exception {
        Random random = new Random(7);
        try (PersistCollection c = open()) {
            for (long t = 0; t < 10; t++) {
                List<Update<String, String>> updates = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    updates.add(
                            Update.of(
                                    "k" + random.nextInt(20),
                                    "v" + random.nextInt(3),
                                    t,
                                    random.nextInt(4) == 0 ? -1 : 1));
                }
                c.append(updates, Codecs.string(), Codecs.string());
                written.addAll(updates);
                c.seal(t + 1);
                c.maintainUntilIdle();
            }
            c.allowCompaction(2);
            c.maintainUntilIdle();
        }
    }

    private PersistCollection open() throws Exception {
        return PersistCollection.open(
                dir.toString(),
                "events",
                CollectionConfig.defaults(),
                CollectionSchema.of(Codecs.string(), Codecs.string()));
    }

    private List<Update<String, String>> read(PersistSourceBuilder<String, String> builder)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        List<Update<String, String>> out = new ArrayList<>();
        try (CloseableIterator<Update<String, String>> it =
                env.fromSource(
                                builder.location(dir.toString())
                                        .collection("events")
                                        .keyCodec(Codecs.string())
                                        .valueCodec(Codecs.string())
                                        .build(),
                                WatermarkStrategy.noWatermarks(),
                                "interval")
                        .executeAndCollect("interval")) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    /** Net diff per "key,value" of {@code updates} with times at or before {@code t}. */
    private static Map<String, Long> asOf(List<Update<String, String>> updates, long t) {
        Map<String, Long> m = new TreeMap<>();
        for (Update<String, String> u : updates) {
            if (u.time() <= t) {
                m.merge(u.key() + "," + u.value(), u.diff(), Long::sum);
            }
        }
        m.values().removeIf(d -> d == 0);
        return m;
    }

    @Test
    void anIntervalReadIsTheSnapshotAsOfItsStartThenEachUpdateBeforeItsEnd() throws Exception {
        List<Update<String, String>> read =
                read(PersistSource.<String, String>builder().asOf(3).until(7));
        assertThat(read).allSatisfy(u -> assertThat(u.time()).isBetween(3L, 6L));
        assertThat(asOf(read, 3)).isEqualTo(asOf(written, 3));
        assertThat(asOf(read, 6)).isEqualTo(asOf(written, 6));
        // The updates after the start come as written, consolidated per (key, value, time).
        Map<String, Long> perTime = new TreeMap<>();
        for (Update<String, String> u : written) {
            if (u.time() > 3 && u.time() < 7) {
                perTime.merge(u.key() + "," + u.value() + "," + u.time(), u.diff(), Long::sum);
            }
        }
        perTime.values().removeIf(d -> d == 0);
        assertThat(read.stream().filter(u -> u.time() > 3).count()).isEqualTo(perTime.size());
    }

    @Test
    void withoutAnAsOfTimeTheReadStartsAtSince() throws Exception {
        List<Update<String, String>> read = read(PersistSource.<String, String>builder().until(5));
        assertThat(read).allSatisfy(u -> assertThat(u.time()).isBetween(2L, 4L));
        assertThat(asOf(read, 4)).isEqualTo(asOf(written, 4));
    }

    @Test
    void anEndBeyondTheSealWaitsForTheSeal() throws Exception {
        CompletableFuture<List<Update<String, String>>> reading =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return read(
                                        PersistSource.<String, String>builder().asOf(8).until(12));
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        });
        Thread.sleep(2_000);
        assertThat(reading).isNotDone();
        List<Update<String, String>> later =
                List.of(Update.of("k1", "late", 10, 1), Update.of("k2", "later", 11, 1));
        try (PersistCollection c = open()) {
            c.append(later, Codecs.string(), Codecs.string());
            c.seal(12);
        }
        written.addAll(later);
        List<Update<String, String>> read = reading.get(60, TimeUnit.SECONDS);
        assertThat(asOf(read, 11)).isEqualTo(asOf(written, 11));
    }

    @Test
    void anEndNotAfterSinceFailsNamingBoth() {
        assertThatThrownBy(() -> read(PersistSource.<String, String>builder().until(2)))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains("until time 2")
                                        .contains("not after since 2"));
    }

    @Test
    void anEndNotAfterTheAsOfTimeIsRefusedByTheBuilder() {
        assertThatThrownBy(
                        () ->
                                PersistSource.<String, String>builder()
                                        .location(dir.toString())
                                        .collection("events")
                                        .keyCodec(Codecs.string())
                                        .valueCodec(Codecs.string())
                                        .asOf(5)
                                        .until(5)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'scan.until'")
                .hasMessageContaining("after scan.as-of (5)");
    }

    private static String messages(Throwable t) {
        StringBuilder s = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            s.append(c.getMessage()).append('\n');
        }
        return s.toString();
    }
}
