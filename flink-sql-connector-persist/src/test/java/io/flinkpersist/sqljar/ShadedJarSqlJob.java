package io.flinkpersist.sqljar;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * What a user of the SQL client does, as a program: with only Flink and the shaded connector jar on
 * the class path, create a persist table in a local directory, write it and read it back. Prints
 * what it read and exits 0 if that is what it wrote; run by {@link ShadedJarPackagingITCase} in a
 * JVM of its own.
 */
public final class ShadedJarSqlJob {

    private ShadedJarSqlJob() {}

    public static void main(String[] args) throws Exception {
        String location = args[0];
        Class<?> factory = Class.forName("io.flinkpersist.table.PersistDynamicTableFactory");
        System.out.println(
                "factory loaded from "
                        + factory.getProtectionDomain().getCodeSource().getLocation());
        try {
            Class.forName("org.apache.parquet.hadoop.ParquetWriter");
            System.out.println("unrelocated Parquet is on the class path");
            System.exit(2);
        } catch (ClassNotFoundException expected) {
            // Parquet exists only relocated, inside the connector jar.
        }

        TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inBatchMode());
        env.executeSql(
                "CREATE TABLE fruit (id INT, name STRING, price DECIMAL(6, 2), PRIMARY KEY (id) NOT ENFORCED)"
                        + " WITH ('connector' = 'persist', 'location' = '"
                        + location
                        + "', 'collection' = 'fruit')");
        env.executeSql(
                        "INSERT INTO fruit VALUES (3, 'pear', 1.25), (1, 'apple', 0.50), (2, 'plum', 2.00)")
                .await();
        List<String> rows = new ArrayList<>();
        try (CloseableIterator<Row> it =
                env.executeSql("SELECT id, name, price FROM fruit ORDER BY id").collect()) {
            it.forEachRemaining(r -> rows.add(r.toString()));
        }
        System.out.println("rows: " + rows);
        boolean ok =
                rows.equals(
                        List.of("+I[1, apple, 0.50]", "+I[2, plum, 2.00]", "+I[3, pear, 1.25]"));
        System.exit(ok ? 0 : 1);
    }
}
