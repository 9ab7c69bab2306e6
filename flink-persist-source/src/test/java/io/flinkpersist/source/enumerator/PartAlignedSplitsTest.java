package io.flinkpersist.source.enumerator;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.state.BatchPart;
import io.flinkpersist.state.TraceBatchMeta;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consolidated splits of a collection whose trace is one batch of several key-range parts of about
 * equal size: split into as many splits as parts, the key bounds between splits are the parts' own
 * bounds, so each split reads whole parts.
 */
class PartAlignedSplitsTest {

    @TempDir Path dir;

    @Test
    void consolidatedSplitsCutAtTheBoundsOfTheTracesParts() throws Exception {
        CollectionConfig config =
                CollectionConfig.defaults()
                        .withWriteOptions(BatchWriteOptions.defaults().withRowGroupSizeBytes(4096))
                        .withPartBytes(64 << 10);
        try (PersistCollection c = PersistCollection.open(dir.toString(), "parts", config)) {
            for (int batch = 0; batch < 4; batch++) {
                List<Update<byte[], byte[]>> updates = new ArrayList<>();
                for (int i = batch; i < 40_000; i += 4) {
                    updates.add(
                            Update.of(
                                    String.format("key-%06d", i).getBytes(StandardCharsets.UTF_8),
                                    ("value-" + i).getBytes(StandardCharsets.UTF_8),
                                    batch,
                                    1));
                }
                c.append(updates);
            }
            c.seal(10);
            c.allowCompaction(10);
            c.drainUntilIdle();
            c.compactTrace();
            Snapshot snapshot = c.snapshot();
            assertThat(snapshot.state().trace()).hasSize(1);
            TraceBatchMeta trace = snapshot.state().trace().get(0);
            System.out.println("trace parts: " + trace.parts());
            assertThat(trace.parts().size()).as("parts of the trace batch").isGreaterThan(2);

            List<PersistSplit> splits =
                    PersistSplitPlanner.consolidated(c.store(), snapshot, trace.parts().size());
            List<String> splitBounds = new ArrayList<>();
            for (int i = 1; i < splits.size(); i++) {
                splitBounds.add(HexFormat.of().formatHex(splits.get(i).lowerKey()));
            }
            List<String> partBounds = new ArrayList<>();
            for (BatchPart p : trace.parts().subList(1, trace.parts().size())) {
                partBounds.add(HexFormat.of().formatHex(p.lower()));
            }
            assertThat(splitBounds).as("split bounds").isNotEmpty();
            assertThat(partBounds).as("part bounds").containsAll(splitBounds);
        }
    }
}
