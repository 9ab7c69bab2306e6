package io.flinkpersist.table;

import io.flinkpersist.PersistCollection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/** Table environments and result collection shared by the SQL tests. */
final class TableTestSupport {

    private TableTestSupport() {}

    /** A streaming environment at parallelism 2 that checkpoints (and so commits) every 100 ms. */
    static TableEnvironment streaming() {
        TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        env.getConfig().set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(100));
        env.getConfig().set(CoreOptions.DEFAULT_PARALLELISM, 2);
        return env;
    }

    /** A batch environment at parallelism 2. */
    static TableEnvironment batch() {
        TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inBatchMode());
        env.getConfig().set(CoreOptions.DEFAULT_PARALLELISM, 2);
        return env;
    }

    /** Every row of a bounded result, with its kind. */
    static List<Row> collect(TableResult result) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = result.collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    /** Rows as a multiset: each row's text (with its kind) and how often it occurs. */
    static Map<String, Integer> multiset(List<Row> rows) {
        Map<String, Integer> m = new TreeMap<>();
        for (Row r : rows) {
            m.merge(r.toString(), 1, Integer::sum);
        }
        return m;
    }

    /**
     * Waits until no reader holds a lease on the collections: a scan's enumerator releases its
     * lease (one more state version) as its job shuts down, after the last row was collected. Tests
     * wait for it before their directory is deleted.
     */
    static void awaitNoReaders(Path location, String... collections) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (String name : collections) {
            try (PersistCollection c = PersistCollection.open(location, name)) {
                while (!c.refresh().leases().isEmpty()) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError(
                                "Readers of collection "
                                        + name
                                        + " did not release their leases: "
                                        + c.state().leases());
                    }
                    Thread.sleep(50);
                }
            }
        }
    }

    /** Every message in a throwable's cause chain, joined, for asserting what a failure says. */
    static String messages(Throwable t) {
        StringBuilder s = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            s.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append('\n');
        }
        return s.toString();
    }
}
