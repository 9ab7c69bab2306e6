package io.flinkpersist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.blob.InMemoryBlobStore;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** With since following the seal, compaction keeps the trace at O(log n) batches after n drains. */
class TraceSizeTest {

    private static final int DRAINS = 1000;
    private static final int UPDATES_PER_DRAIN = 8;

    @Test
    void traceStaysLogarithmicOverEqualDrains() throws IOException {
        PersistCollection c =
                PersistCollection.open(
                        new InMemoryBlobStore(),
                        BatchWriteOptions.defaults()
                                .withCompression(BatchWriteOptions.Compression.UNCOMPRESSED));
        int maxSeen = 0;
        for (int i = 0; i < DRAINS; i++) {
            List<Update<byte[], byte[]>> updates = new ArrayList<>();
            for (int j = 0; j < UPDATES_PER_DRAIN; j++) {
                // Distinct keys each round: equal-sized drains whose merges grow.
                byte[] key = String.format("key-%06d-%02d", i, j).getBytes(StandardCharsets.UTF_8);
                updates.add(Update.of(key, "value".getBytes(StandardCharsets.UTF_8), i, 1));
            }
            c.append(updates);
            c.seal(i + 1);
            c.allowCompaction(i + 1);
            c.maintainUntilIdle();
            if (i % 50 == 0) {
                c.collectGarbage();
            }
            CollectionState s = c.state();
            int bound = log2Floor(i + 1) + 2;
            assertThat(s.trace().size())
                    .as("trace batches after %d drains", i + 1)
                    .isLessThanOrEqualTo(bound);
            assertThat(s.unsealed()).as("unsealed batches after drain %d", i + 1).isEmpty();
            maxSeen = Math.max(maxSeen, s.trace().size());
        }
        CollectionState s = c.state();
        System.out.println(
                "TraceSizeTest: "
                        + DRAINS
                        + " drains -> "
                        + s.trace().size()
                        + " trace batches (max seen "
                        + maxSeen
                        + "), levels "
                        + s.trace().stream().map(TraceBatchMeta::level).toList());
        assertThat(s.trace().size()).isLessThanOrEqualTo(log2Floor(DRAINS) + 2);
        // Levels strictly decrease: no two adjacent batches wait on the same level.
        for (int i = 1; i < s.trace().size(); i++) {
            assertThat(s.trace().get(i).level()).isLessThan(s.trace().get(i - 1).level());
        }
        long total = s.trace().stream().mapToLong(TraceBatchMeta::updateCount).sum();
        assertThat(total).isEqualTo((long) DRAINS * UPDATES_PER_DRAIN);
    }

    private static int log2Floor(int n) {
        return 31 - Integer.numberOfLeadingZeros(n);
    }
}
