package io.flinkpersist.e2e;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The SQL tests' job: a streaming {@code INSERT} of an aggregate changelog into a persist table,
 * then a batch {@code SELECT} of the table, as one SQL client script; and the table's expected
 * content, computed from the same generator in plain Java.
 *
 * <p>Orders {@code 0..ORDERS-1} from Flink's datagen source (a sequence) belong to customer {@code
 * id mod 100} and amount to {@code id * 37 mod 1000}. The aggregate per customer updates its row
 * with every order ({@code -U}/{@code +U}), and {@code HAVING MOD(COUNT(*), 3) <> 0} deletes and
 * re-inserts each row as the count passes multiples of 3, so the sink gets inserts, updates and
 * deletes. At the end the customers with 201 orders are gone and those with 200 remain.
 */
final class CustomerTotals {

    static final long ORDERS = 20_050;
    static final int CUSTOMERS = 100;

    /** What a result row of the SELECT starts with. */
    static final String ROW_TAG = "E2E-ROW";

    private CustomerTotals() {}

    /**
     * The script; {@code addJar} is the connector jar to add with {@code ADD JAR}, or empty when it
     * is in {@code lib/}.
     */
    static String script(String location, String collection, Optional<Path> addJar) {
        StringBuilder sql = new StringBuilder();
        sql.append("SET 'sql-client.execution.result-mode' = 'tableau';\n");
        sql.append("SET 'table.dml-sync' = 'true';\n");
        sql.append("SET 'execution.runtime-mode' = 'streaming';\n");
        sql.append("SET 'execution.checkpointing.interval' = '1 s';\n");
        addJar.ifPresent(jar -> sql.append("ADD JAR '").append(jar).append("';\n"));
        sql.append(
                """
                CREATE TABLE orders (id BIGINT) WITH (
                  'connector' = 'datagen',
                  'fields.id.kind' = 'sequence',
                  'fields.id.start' = '0',
                  'fields.id.end' = '%d',
                  'rows-per-second' = '5000'
                );
                CREATE TABLE customer_totals (
                  customer STRING,
                  orders   BIGINT,
                  total    BIGINT,
                  PRIMARY KEY (customer) NOT ENFORCED
                ) WITH (
                  'connector'  = 'persist',
                  'location'   = '%s',
                  'collection' = '%s',
                  'sink.close-on-end-of-input' = 'true'
                );
                INSERT INTO customer_totals
                SELECT customer, COUNT(*), SUM(amount)
                FROM (
                  SELECT CONCAT('c-', CAST(MOD(id, %d) AS STRING)) AS customer,
                         MOD(id * 37, 1000) AS amount
                  FROM orders)
                GROUP BY customer
                HAVING MOD(COUNT(*), 3) <> 0;
                SET 'execution.runtime-mode' = 'batch';
                SELECT '%s' AS tag, customer, orders, total FROM customer_totals;
                """
                        .formatted(ORDERS - 1, location, collection, CUSTOMERS, ROW_TAG));
        return sql.toString();
    }

    /** Each remaining customer's {@code "orders total"}, replayed in plain Java. */
    static Map<String, String> expected() {
        long[] orders = new long[CUSTOMERS];
        long[] totals = new long[CUSTOMERS];
        for (long id = 0; id < ORDERS; id++) {
            int c = (int) (id % CUSTOMERS);
            orders[c]++;
            totals[c] += id * 37 % 1000;
        }
        Map<String, String> rows = new TreeMap<>();
        for (int c = 0; c < CUSTOMERS; c++) {
            if (orders[c] % 3 != 0) {
                rows.put("c-" + c, orders[c] + " " + totals[c]);
            }
        }
        return rows;
    }

    /**
     * The rows the SELECT printed (the SQL client's tableau: {@code | E2E-ROW | c-7 | 200 | 99 |}),
     * as {@link #expected()} has them; fails on a customer printed twice.
     */
    static Map<String, String> read(ClientRun run) {
        Map<String, String> rows = new TreeMap<>();
        for (String line : run.output().split("\n")) {
            String[] cells = line.trim().split("\\s*\\|\\s*");
            // "| a | b |" splits into "", "a", "b".
            if (cells.length == 5 && cells[1].equals(ROW_TAG)) {
                String previous = rows.put(cells[2], cells[3] + " " + cells[4]);
                if (previous != null) {
                    throw new AssertionError(
                            "Customer " + cells[2] + " read twice:\n" + run.output());
                }
            }
        }
        return rows;
    }
}
