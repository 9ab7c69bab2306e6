package io.flinkpersist.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.state.CollectionState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A randomly generated collection (many batches, retractions, compacted trace, unsealed updates
 * beyond the seal) read by the source at parallelism 1, 2 and 4 equals the model: consolidated as
 * of several times, and raw once consolidated. Replay with {@code -Dtest.seed=<seed>}.
 */
class PersistSourceITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @TempDir static Path dir;

    /** Every update written, for the model. */
    static final List<Update<String, String>> WRITTEN = new ArrayList<>();

    static CollectionState state;

    @BeforeAll
    static void writeCollection() throws Exception {
        long seed = Long.getLong("test.seed", System.nanoTime());
        System.out.println(
                "PersistSourceITCase seed " + seed + " (replay with -Dtest.seed=" + seed + ")");
        Random random = new Random(seed);
        CollectionConfig config =
                CollectionConfig.defaults()
                        .withWriteOptions(
                                BatchWriteOptions.defaults().withRowGroupSizeBytes(16 << 10));
        try (PersistCollection c = PersistCollection.open(dir.toString(), "random", config)) {
            long seal = 0;
            for (int round = 0; round < 40; round++) {
                List<Update<String, String>> batch = new ArrayList<>();
                int n = 200 + random.nextInt(2000);
                for (int i = 0; i < n; i++) {
                    long time = seal + random.nextInt(8);
                    long diff = random.nextInt(4) == 0 ? -1 : 1;
                    batch.add(
                            Update.of(
                                    "key-" + random.nextInt(3000),
                                    "v" + random.nextInt(3),
                                    time,
                                    diff));
                }
                c.append(batch, Codecs.string(), Codecs.string());
                WRITTEN.addAll(batch);
                seal += 1 + random.nextInt(4);
                c.seal(seal);
                if (round % 3 == 0) {
                    c.allowCompaction(Math.max(0, seal - 6));
                }
                if (round % 4 != 3) {
                    c.maintainUntilIdle();
                }
            }
            state = c.state();
        }
        System.out.println("PersistSourceITCase collection: " + state);
        assertThat(state.trace()).isNotEmpty();
        assertThat(state.unsealed()).isNotEmpty();
    }

    private static List<Update<String, String>> read(
            int parallelism, PersistSourceBuilder<String, String> builder) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        PersistSource<Update<String, String>> source =
                builder.location(dir.toString())
                        .collection("random")
                        .keyCodec(Codecs.string())
                        .valueCodec(Codecs.string())
                        .producedType(TypeInformation.of(new TypeHint<Update<String, String>>() {}))
                        .build();
        List<Update<String, String>> out = new ArrayList<>();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "persist")
                .executeAndCollect()
                .forEachRemaining(out::add);
        return out;
    }

    /** The model as of t: net diff per (key, value) of the updates at or before t. */
    private static Map<String, Long> modelAsOf(long t) {
        Map<String, Long> m = new HashMap<>();
        for (Update<String, String> u : WRITTEN) {
            if (u.time() <= t) {
                m.merge(u.key() + "|" + u.value(), u.diff(), Long::sum);
            }
        }
        m.values().removeIf(d -> d == 0);
        return m;
    }

    private static Map<String, Long> collapse(List<Update<String, String>> updates) {
        Map<String, Long> m = new HashMap<>();
        for (Update<String, String> u : updates) {
            m.merge(u.key() + "|" + u.value(), u.diff(), Long::sum);
        }
        m.values().removeIf(d -> d == 0);
        return m;
    }

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 2, 4})
    void consolidatedAsOfSeveralTimesEqualsTheModel(int parallelism) throws Exception {
        long since = state.since().time();
        long seal = state.seal().time();
        for (long t : new long[] {since, (since + seal) / 2, seal - 1}) {
            List<Update<String, String>> out =
                    read(parallelism, PersistSource.<String, String>builder().asOf(t));
            // Consolidated: each (key, value) exactly once, at the as-of time.
            assertThat(out).allMatch(u -> u.time() == t);
            assertThat(out.stream().map(u -> u.key() + "|" + u.value()).distinct().count())
                    .isEqualTo(out.size());
            assertThat(collapse(out))
                    .as("as of %d at parallelism %d", t, parallelism)
                    .isEqualTo(modelAsOf(t));
        }
    }

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 2, 4})
    void rawReadConsolidatesToTheModel(int parallelism) throws Exception {
        List<Update<String, String>> out =
                read(parallelism, PersistSource.<String, String>builder().consolidated(false));
        // Everything stored, including unsealed updates beyond the seal.
        assertThat(collapse(out)).isEqualTo(modelAsOf(Long.MAX_VALUE - 1));
        long seal = state.seal().time();
        assertThat(out).anyMatch(u -> u.time() >= seal);
    }

    @Test
    void consolidatedWithoutAsOfReadsEverythingOncePerPair() throws Exception {
        List<Update<String, String>> out = read(2, PersistSource.<String, String>builder());
        assertThat(out.stream().map(u -> u.key() + "|" + u.value()).distinct().count())
                .isEqualTo(out.size());
        assertThat(collapse(out)).isEqualTo(modelAsOf(Long.MAX_VALUE - 1));
    }
}
