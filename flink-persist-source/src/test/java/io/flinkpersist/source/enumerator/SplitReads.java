package io.flinkpersist.source.enumerator;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.CollectionSchema;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.source.reader.PersistSplitReader;
import io.flinkpersist.source.reader.RawUpdate;
import io.flinkpersist.source.split.PersistSplit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;

/** Reads planned splits the way a source reader does, for planner tests. */
final class SplitReads {

    private SplitReads() {}

    /** Reads one split of collection {@code name} at {@code location} to its end. */
    static List<RawUpdate> read(String location, String name, PersistSplit split) throws Exception {
        List<RawUpdate> out = new ArrayList<>();
        PersistSplitReader reader =
                new PersistSplitReader(
                        new SourceSettings(
                                location,
                                name,
                                new CollectionSchema("bytes", "bytes"),
                                Long.MIN_VALUE,
                                split.mode() == PersistSplit.Mode.CONSOLIDATED,
                                Duration.ofMinutes(1),
                                null));
        try {
            reader.handleSplitsChanges(new SplitsAddition<>(List.of(split)));
            for (int fetches = 0; fetches < 100_000; fetches++) {
                RecordsWithSplitIds<RawUpdate> records = reader.fetch();
                String id;
                while ((id = records.nextSplit()) != null) {
                    assertThat(id).isEqualTo(split.splitId());
                    RawUpdate u;
                    while ((u = records.nextRecordFromSplit()) != null) {
                        out.add(u);
                    }
                }
                if (records.finishedSplits().contains(split.splitId())) {
                    return out;
                }
            }
            throw new AssertionError("split " + split.splitId() + " did not finish");
        } finally {
            reader.close();
        }
    }
}
