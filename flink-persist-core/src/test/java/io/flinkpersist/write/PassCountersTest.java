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

/**
 * Every pass that encodes updates is counted once per file, with the rows it wrote; unsealed
 * batches a drain adopts are counted apart.
 */
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
        // Each drain adopted one spill whole: moved into the trace, not encoded again.
        assertThat(passes).doesNotContainKey(PassCounters.DRAIN);
        assertThat(PassCounters.adopted()).isEqualTo(new PassCounters.Counts(2, 200, 0));
        // The final merge reads two level-0 batches and, with times advanced to since, keeps all
        // 200 distinct (key, value) pairs.
        assertThat(passes.get(PassCounters.merge(0, false)))
                .extracting(PassCounters.Counts::files, PassCounters.Counts::rows)
                .containsExactly(1L, 200L);
        long total = passes.values().stream().mapToLong(PassCounters.Counts::bytes).sum();
        assertThat(PassCounters.bytesByThread())
                .containsEntry(Thread.currentThread().getName(), total);
    }

    @Test
    void aDrainCountsWhatItRewritesAndWhatItAdopts() throws IOException {
        PassCounters.reset();
        PersistCollection c = PersistCollection.open(new InMemoryBlobStore());
        UpdateBuffer below = new UpdateBuffer();
        UpdateBuffer straddling = new UpdateBuffer();
        for (int i = 0; i < 10; i++) {
            below.add(bytes("k" + i), bytes("v"), 0, 1);
            straddling.add(bytes("k" + i), bytes("w"), i, 1);
        }
        NewUnsealedBatch adopted = c.writeBatch(below).orElseThrow();
        c.commitAppend(
                List.of(adopted, c.writeBatch(straddling).orElseThrow()),
                Optional.empty(),
                Optional.empty());
        c.seal(5);
        assertThat(c.drain()).isTrue();

        assertThat(PassCounters.adopted()).isEqualTo(new PassCounters.Counts(1, 10, 0));
        // The straddling batch's updates at times 0 to 4 were rewritten.
        assertThat(PassCounters.byPass().get(PassCounters.DRAIN))
                .extracting(PassCounters.Counts::files, PassCounters.Counts::rows)
                .containsExactly(1L, 5L);
        assertThat(c.state().trace().get(0).runCount()).isEqualTo(2);
        assertThat(c.state().trace().get(0).partKeys().get(0)).isEqualTo(adopted.key());
    }

    private static long sizes(List<NewUnsealedBatch> batches) {
        return batches.stream().mapToLong(NewUnsealedBatch::sizeBytes).sum();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
