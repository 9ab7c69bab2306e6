package io.flinkpersist.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.PersistCollection;
import io.flinkpersist.batch.UpdateBuffer;
import io.flinkpersist.blob.InMemoryBlobStore;
import io.flinkpersist.state.Transition.NewUnsealedBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every pass that encodes updates is counted once per file, with the rows it wrote. */
class PassCountersTest {

    @Test
    void spillsDrainsAndMergesAreCountedWithTheirRows() throws IOException {
        PassCounters.reset();
        PersistCollection c = PersistCollection.open(new InMemoryBlobStore());
        List<NewUnsealedBatch> batches = new ArrayList<>();
        for (int spill = 0; spill < 2; spill++) {
            UpdateBuffer b = new UpdateBuffer();
            for (int i = 0; i < 100; i++) {
                b.add(bytes("k" + i), bytes("v" + spill), spill, 1);
            }
            batches.add(c.writeBatch(b).orElseThrow());
        }
        c.commitAppend(batches, Optional.empty(), Optional.empty());
        c.seal(1);
        assertThat(c.drain()).isTrue();
        c.seal(2);
        assertThat(c.drain()).isTrue();
        c.allowCompaction(2);
        assertThat(c.compactTrace()).isTrue();

        Map<String, PassCounters.Counts> passes = PassCounters.byPass();
        assertThat(passes.get(PassCounters.SPILL))
                .isEqualTo(new PassCounters.Counts(2, 200, sizes(batches)));
        assertThat(passes.get(PassCounters.DRAIN).rows()).isEqualTo(200);
        assertThat(passes.get(PassCounters.DRAIN).files()).isEqualTo(2);
        // The final merge reads two level-0 batches and, with times advanced to since, keeps all
        // 200 distinct (key, value) pairs.
        assertThat(passes.get(PassCounters.merge(0, false)))
                .extracting(PassCounters.Counts::files, PassCounters.Counts::rows)
                .containsExactly(1L, 200L);
        long total = passes.values().stream().mapToLong(PassCounters.Counts::bytes).sum();
        assertThat(PassCounters.bytesByThread())
                .containsEntry(Thread.currentThread().getName(), total);
    }

    private static long sizes(List<NewUnsealedBatch> batches) {
        return batches.stream().mapToLong(NewUnsealedBatch::sizeBytes).sum();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
