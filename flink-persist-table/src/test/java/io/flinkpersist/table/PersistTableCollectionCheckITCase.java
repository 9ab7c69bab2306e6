package io.flinkpersist.table;

import static io.flinkpersist.table.TableTestSupport.awaitNoReaders;
import static io.flinkpersist.table.TableTestSupport.batch;
import static io.flinkpersist.table.TableTestSupport.collect;
import static io.flinkpersist.table.TableTestSupport.messages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SQL table's collection must exist to be read and must hold the table's key and value columns: a
 * scan of a mistyped collection fails naming it (and creates nothing), and a table whose columns
 * differ from the ones the collection was written with fails naming both, reading or writing.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PersistTableCollectionCheckITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @TempDir Path dir;

    private String table(String name, String collection, String columns) {
        return "CREATE TABLE "
                + name
                + " ("
                + columns
                + ") WITH ('connector' = 'persist', 'location' = '"
                + dir
                + "', 'collection' = '"
                + collection
                + "')";
    }

    @Test
    void scanningAMissingCollectionFailsNamingItAndCreatesNothing() throws Exception {
        TableEnvironment env = batch();
        env.executeSql(
                table("orders", "orders", "id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED"));
        env.executeSql("INSERT INTO orders VALUES (1, 'a'), (2, 'b')").await();
        env.executeSql(
                table("typo", "ordres", "id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED"));

        assertThatThrownBy(() -> collect(env.executeSql("SELECT * FROM typo")))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains(
                                                "Cannot open collection ordres at "
                                                        + dir
                                                        + ": no such collection")
                                        .contains("collections there: orders"));
        assertThat(dir.resolve("ordres")).doesNotExist();
        awaitNoReaders(dir, "orders");
    }

    @Test
    void aTableWithOtherColumnsThanTheCollectionHoldsFailsNamingBoth() throws Exception {
        TableEnvironment env = batch();
        env.executeSql(
                table("written", "c", "id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED"));
        env.executeSql("INSERT INTO written VALUES (1, 'a'), (2, 'b')").await();
        try (PersistCollection c =
                PersistCollection.openExisting(dir.toString(), "c", CollectionConfig.defaults())) {
            assertThat(c.state().schema()).isPresent();
            assertThat(c.state().schema().get().keyCodec())
                    .isEqualTo("persist-row-ordered-v1(id BIGINT)");
            assertThat(c.state().schema().get().valueCodec())
                    .isEqualTo("persist-row-compact-v1(name STRING)");
        }

        env.executeSql(table("same", "c", "id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED"));
        assertThat(collect(env.executeSql("SELECT * FROM same")))
                .containsExactlyInAnyOrder(Row.of(1L, "a"), Row.of(2L, "b"));

        env.executeSql(
                table("other_key", "c", "id STRING, name STRING, PRIMARY KEY (id) NOT ENFORCED"));
        assertThatThrownBy(() -> collect(env.executeSql("SELECT * FROM other_key")))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains("Cannot read collection")
                                        .contains(
                                                "with key codec 'persist-row-ordered-v1(id STRING)', value codec 'persist-row-compact-v1(name STRING)'")
                                        .contains(
                                                "it holds key codec 'persist-row-ordered-v1(id BIGINT)', value codec 'persist-row-compact-v1(name STRING)'"));

        env.executeSql(table("no_key", "c", "id BIGINT, name STRING"));
        assertThatThrownBy(() -> env.executeSql("INSERT INTO no_key VALUES (3, 'c')").await())
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains("Cannot write collection")
                                        .contains(
                                                "with key codec 'persist-row-ordered-v1(id BIGINT, name STRING)', value codec 'persist-row-compact-v1()'")
                                        .contains(
                                                "it holds key codec 'persist-row-ordered-v1(id BIGINT)'"));
        assertThat(collect(env.executeSql("SELECT * FROM same")))
                .as("nothing written by the refused insert")
                .containsExactlyInAnyOrder(Row.of(1L, "a"), Row.of(2L, "b"));
        awaitNoReaders(dir, "c");
    }
}
