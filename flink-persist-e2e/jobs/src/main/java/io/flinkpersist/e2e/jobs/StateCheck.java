package io.flinkpersist.e2e.jobs;

import io.flinkpersist.Update;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Consolidates read updates per key and value, and compares them with an expected state: every
 * expected key must hold exactly its value with diff {@code +1}, and no other key anything. A lost
 * update shows as an old value or a missing key, a duplicated one as a diff of 2 or -1.
 */
public final class StateCheck implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final int PROBLEMS_SHOWN = 5;

    private final Map<String, Map<String, Long>> read = new HashMap<>();
    private long updates;

    public void add(Update<String, String> u) {
        updates++;
        Map<String, Long> values = read.computeIfAbsent(u.key(), k -> new HashMap<>());
        if (values.merge(u.value(), u.diff(), Long::sum) == 0) {
            values.remove(u.value());
            if (values.isEmpty()) {
                read.remove(u.key());
            }
        }
    }

    /** How many updates were added. */
    public long updates() {
        return updates;
    }

    /** How many keys hold something. */
    public int keys() {
        return read.size();
    }

    /** What differs from {@code expected}, one line per key (the first few), empty if nothing. */
    public List<String> problems(Map<String, String> expected) {
        Map<String, String> problems = new TreeMap<>();
        expected.forEach(
                (key, value) -> {
                    Map<String, Long> values = read.getOrDefault(key, Map.of());
                    if (values.size() != 1 || values.getOrDefault(value, 0L) != 1) {
                        problems.put(key, "expected {" + value + "=1}, read " + values);
                    }
                });
        read.forEach(
                (key, values) -> {
                    if (!expected.containsKey(key)) {
                        problems.put(key, "expected nothing, read " + values);
                    }
                });
        List<String> lines = new ArrayList<>();
        problems.entrySet().stream()
                .limit(PROBLEMS_SHOWN)
                .forEach(e -> lines.add("key " + e.getKey() + ": " + e.getValue()));
        if (problems.size() > PROBLEMS_SHOWN) {
            lines.add("... " + (problems.size() - PROBLEMS_SHOWN) + " more keys");
        }
        return lines;
    }
}
