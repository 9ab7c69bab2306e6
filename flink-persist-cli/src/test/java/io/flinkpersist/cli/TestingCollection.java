package io.flinkpersist.cli;

import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.state.CollectionState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;

/**
 * A real collection written through the engine for the CLI tests, and the plain model of what it
 * holds: eight sealed rounds of string updates (retractions included) drained and compacted into a
 * trace of several levels, plus unsealed updates at and beyond the seal.
 */
final class TestingCollection {

    static final String NAME = "orders";
    static final int ROUNDS = 8;
    static final long ROUND_LENGTH = 10;

    final Path location;
    final List<Update<String, String>> written = new ArrayList<>();
    CollectionState state;

    private TestingCollection(Path location) {
        this.location = location;
    }

    /** Writes the collection under {@code location}; with a lease if {@code lease}. */
    static TestingCollection write(Path location, long seed, boolean lease) throws IOException {
        TestingCollection t = new TestingCollection(location);
        Random random = new Random(seed);
        CollectionConfig config =
                CollectionConfig.defaults()
                        .withWriteOptions(
                                BatchWriteOptions.defaults().withRowGroupSizeBytes(8 << 10));
        try (PersistCollection c =
                PersistCollection.open(
                        location.toString(),
                        NAME,
                        config,
                        CollectionSchema.of(Codecs.string(), Codecs.string()))) {
            for (int round = 0; round < ROUNDS; round++) {
                List<Update<String, String>> batch = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    long time = round * ROUND_LENGTH + random.nextInt((int) ROUND_LENGTH);
                    long diff = random.nextInt(5) == 0 ? -1 : 1;
                    batch.add(
                            Update.of(
                                    "key-" + String.format("%03d", random.nextInt(200)),
                                    "v" + random.nextInt(3),
                                    time,
                                    diff));
                }
                c.append(batch, Codecs.string(), Codecs.string());
                t.written.addAll(batch);
                c.seal((round + 1) * ROUND_LENGTH);
                c.allowCompaction(round * ROUND_LENGTH);
                c.maintainUntilIdle();
            }
            // Beyond the seal: stays unsealed.
            List<Update<String, String>> late =
                    List.of(
                            Update.of("key-500", "open", ROUNDS * ROUND_LENGTH + 5, 1),
                            Update.of("key-501", "open", ROUNDS * ROUND_LENGTH + 7, 2));
            c.append(late, Codecs.string(), Codecs.string());
            t.written.addAll(late);
            if (lease) {
                c.leasedSnapshot("reader-1", OptionalLong.of(c.state().since().time()));
            }
            t.state = c.refresh();
        }
        t.state.validate();
        return t;
    }

    /** The model as of {@code t}: net diff per "key,value" of the updates at or before it. */
    Map<String, Long> asOf(long t) {
        Map<String, Long> m = new TreeMap<>();
        for (Update<String, String> u : written) {
            if (u.time() <= t) {
                m.merge(u.key() + "," + u.value(), u.diff(), Long::sum);
            }
        }
        m.values().removeIf(d -> d == 0);
        return m;
    }

    /** The model of everything written. */
    Map<String, Long> all() {
        return asOf(Long.MAX_VALUE - 1);
    }

    /** The file of batch {@code key}. */
    Path file(String key) {
        return location.resolve(NAME).resolve(key);
    }
}
