package io.flinkpersist.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code time} and {@code diff} metadata columns and bounded interval reads ({@code
 * scan.until}) in SQL, over a collection written with the engine at known times:
 *
 * <pre>
 *   t=1  +(1, a, 10)  +(2, b, 20)  +(3, c, 30)
 *   t=2  -(2, b, 20)  +(2, b, 21)
 *   t=3  -(3, c, 30)
 *   t=4  +(4, d, 40)
 *   seal 5, since 0 (every time readable)
 * </pre>
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MetadataAndIntervalITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @TempDir Path dir;

    @BeforeEach
    void write() throws Exception {
        try (PersistCollection c = ScoresCollection.open(dir, CollectionConfig.defaults())) {
            List<Update<byte[], byte[]>> updates = new ArrayList<>();
            updates.add(ScoresCollection.update(1, "a", 10, 1, 1));
            updates.add(ScoresCollection.update(2, "b", 20, 1, 1));
            updates.add(ScoresCollection.update(3, "c", 30, 1, 1));
            updates.add(ScoresCollection.update(2, "b", 20, 2, -1));
            updates.add(ScoresCollection.update(2, "b", 21, 2, 1));
            updates.add(ScoresCollection.update(3, "c", 30, 3, -1));
            updates.add(ScoresCollection.update(4, "d", 40, 4, 1));
            c.append(updates);
            c.seal(5);
        }
    }

    private void createTable(TableEnvironment env) {
        env.executeSql(
                "CREATE TABLE scores (id BIGINT, name STRING, score INT,"
                        + " t BIGINT METADATA FROM 'time' VIRTUAL,"
                        + " d BIGINT METADATA FROM 'diff' VIRTUAL,"
                        + " PRIMARY KEY (id) NOT ENFORCED)"
                        + " WITH ('connector' = 'persist', 'location' = '"
                        + dir
                        + "', 'collection' = 'scores')");
    }

    private Map<String, Integer> run(TableEnvironment env, String query) throws Exception {
        Map<String, Integer> rows =
                TableTestSupport.multiset(TableTestSupport.collect(env.executeSql(query)));
        TableTestSupport.awaitNoReaders(dir, "scores");
        return rows;
    }

    @Test
    void aSnapshotGivesEachRowItsLatestTimeAndItsMultiplicity() throws Exception {
        TableEnvironment env = TableTestSupport.batch();
        createTable(env);
        assertThat(env.explainSql("SELECT id, t, d FROM scores")).contains("metadata=[time, diff]");
        assertThat(run(env, "SELECT id, name, score, t, d FROM scores"))
                .isEqualTo(
                        Map.of(
                                "+I[1, a, 10, 1, 1]", 1,
                                "+I[2, b, 21, 2, 1]", 1,
                                "+I[4, d, 40, 4, 1]", 1));
        // As of 2, times up to 2 read as 2.
        assertThat(
                        run(
                                env,
                                "SELECT id, name, score, t, d FROM scores"
                                        + " /*+ OPTIONS('scan.as-of' = '2') */"))
                .isEqualTo(
                        Map.of(
                                "+I[1, a, 10, 2, 1]", 1,
                                "+I[2, b, 21, 2, 1]", 1,
                                "+I[3, c, 30, 2, 1]", 1));
    }

    @Test
    void anIntervalReadIsTheSnapshotThenEveryChangeBeforeUntil() throws Exception {
        TableEnvironment env = TableTestSupport.streaming();
        createTable(env);
        assertThat(
                        run(
                                env,
                                "SELECT id, name, score, t, d FROM scores"
                                        + " /*+ OPTIONS('scan.as-of' = '1', 'scan.until' = '4') */"))
                .isEqualTo(
                        Map.of(
                                "+I[1, a, 10, 1, 1]", 1,
                                "+I[2, b, 20, 1, 1]", 1,
                                "+I[3, c, 30, 1, 1]", 1,
                                "-D[2, b, 20, 2, -1]", 1,
                                "+I[2, b, 21, 2, 1]", 1,
                                "-D[3, c, 30, 3, -1]", 1));
        // Without an as-of time, from since (0, where nothing was written): every change before 3.
        assertThat(
                        run(
                                env,
                                "SELECT id, name, score FROM scores"
                                        + " /*+ OPTIONS('scan.until' = '3') */"))
                .isEqualTo(
                        Map.of(
                                "+I[1, a, 10]", 1,
                                "+I[2, b, 20]", 1,
                                "+I[3, c, 30]", 1,
                                "-D[2, b, 20]", 1,
                                "+I[2, b, 21]", 1));
    }
}
