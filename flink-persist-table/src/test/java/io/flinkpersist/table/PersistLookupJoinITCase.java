package io.flinkpersist.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Lookup joins against a persist table: by the primary key and by a prefix of it, synchronous and
 * asynchronous, with and without Flink's partial cache, each equal to Flink's own join of the same
 * data; a missing key gives no row (inner join) or nulls (left join); a lookup key that is not the
 * primary key or a prefix of it fails at planning, naming the columns.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PersistLookupJoinITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @TempDir Path dir;

    private TableEnvironment streaming() {
        TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        env.getConfig().set("parallelism.default", "2");
        return env;
    }

    private String dimension(String name, String extra) {
        return "CREATE TABLE "
                + name
                + " (region STRING, id INT, rate DOUBLE, PRIMARY KEY (region, id) NOT ENFORCED)"
                + " WITH ('connector' = 'persist', 'location' = '"
                + dir
                + "', 'collection' = 'rates', 'sink.close-on-end-of-input' = 'true'"
                + extra
                + ")";
    }

    private static final String DIMENSION_ROWS =
            "VALUES ('eu', 1, 1.5), ('eu', 2, 2.5), ('us', 1, 3.5), ('us', 7, 4.5), ('asia', 3, 5.5)";

    private static final String PROBES =
            "CREATE TEMPORARY VIEW probes AS SELECT * FROM (VALUES"
                    + " ('eu', 1, 'a'), ('eu', 2, 'b'), ('us', 7, 'c'), ('us', 9, 'd'),"
                    + " ('mars', 1, 'e'), ('asia', 3, 'f')) AS p (region, id, tag)";

    private static List<String> collect(TableEnvironment env, String query) throws Exception {
        List<String> out = new ArrayList<>();
        try (CloseableIterator<Row> it = env.executeSql(query).collect()) {
            it.forEachRemaining(r -> out.add(r.toString()));
        }
        return out;
    }

    private void write() throws Exception {
        TableEnvironment batch = TableEnvironment.create(EnvironmentSettings.inBatchMode());
        batch.executeSql(dimension("rates", "")).await();
        batch.executeSql("INSERT INTO rates " + DIMENSION_ROWS).await();
    }

    @ParameterizedTest(name = "async={0}, cache={1}")
    @CsvSource({"false, NONE", "true, NONE", "false, PARTIAL", "true, PARTIAL", "false, FULL"})
    void aLookupJoinEqualsFlinksOwnJoin(boolean async, String cache) throws Exception {
        write();
        TableEnvironment env = streaming();
        env.executeSql(
                dimension(
                        "rates",
                        ", 'lookup.async' = '"
                                + async
                                + "', 'lookup.cache' = '"
                                + cache
                                + "', 'lookup.partial-cache.max-rows' = '100'"));
        env.executeSql(PROBES);
        env.executeSql("CREATE TEMPORARY VIEW probes_t AS SELECT *, PROCTIME() AS pt FROM probes");
        env.executeSql(
                "CREATE TEMPORARY VIEW reference AS SELECT * FROM ("
                        + DIMENSION_ROWS
                        + ") AS r (region, id, rate)");

        // By the whole key: inner and left.
        List<String> inner =
                collect(
                        env,
                        "SELECT p.tag, r.rate FROM probes_t AS p JOIN rates FOR SYSTEM_TIME AS OF p.pt AS r"
                                + " ON p.region = r.region AND p.id = r.id");
        assertThat(inner)
                .containsExactlyInAnyOrderElementsOf(
                        collect(
                                env,
                                "SELECT p.tag, r.rate FROM probes AS p JOIN reference AS r"
                                        + " ON p.region = r.region AND p.id = r.id"));
        assertThat(inner)
                .containsExactlyInAnyOrder("+I[a, 1.5]", "+I[b, 2.5]", "+I[c, 4.5]", "+I[f, 5.5]");
        assertThat(
                        collect(
                                env,
                                "SELECT p.tag, r.rate FROM probes_t AS p LEFT JOIN rates FOR SYSTEM_TIME AS OF p.pt AS r"
                                        + " ON p.id = r.id AND p.region = r.region"))
                .containsExactlyInAnyOrder(
                        "+I[a, 1.5]",
                        "+I[b, 2.5]",
                        "+I[c, 4.5]",
                        "+I[d, null]",
                        "+I[e, null]",
                        "+I[f, 5.5]");

        // By a prefix of the key: every row of the region.
        List<String> byRegion =
                collect(
                        env,
                        "SELECT p.tag, r.id, r.rate FROM probes_t AS p JOIN rates FOR SYSTEM_TIME AS OF p.pt AS r"
                                + " ON p.region = r.region");
        assertThat(byRegion)
                .containsExactlyInAnyOrderElementsOf(
                        collect(
                                env,
                                "SELECT p.tag, r.id, r.rate FROM probes AS p JOIN reference AS r"
                                        + " ON p.region = r.region"));
        assertThat(byRegion).hasSize(9);
    }

    @org.junit.jupiter.api.Test
    void aLookupKeyThatIsNotAKeyPrefixFailsAtPlanningNamingTheColumns() throws Exception {
        write();
        TableEnvironment env = streaming();
        env.executeSql(dimension("rates", ""));
        env.executeSql(PROBES);
        env.executeSql("CREATE TEMPORARY VIEW probes_t AS SELECT *, PROCTIME() AS pt FROM probes");
        assertThatThrownBy(
                        () ->
                                env.executeSql(
                                                "SELECT p.tag FROM probes_t AS p JOIN rates FOR SYSTEM_TIME AS OF p.pt AS r"
                                                        + " ON p.id = r.id")
                                        .await())
                .hasRootCauseInstanceOf(ValidationException.class)
                .rootCause()
                .hasMessageContaining("Cannot look up persist table rates by (id)")
                .hasMessageContaining("the primary key (region, id)");
    }
}
