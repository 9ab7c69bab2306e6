package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.state.CollectionState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompactCommandTest {

    static final String NAME = "events";

    @TempDir Path dir;

    /** Twelve sealed rounds, since following the seal, and no maintenance at all. */
    @BeforeEach
    void write() throws Exception {
        Random random = new Random(17);
        try (PersistCollection c =
                PersistCollection.open(dir.toString(), NAME, CollectionConfig.defaults())) {
            for (int round = 0; round < 12; round++) {
                List<Update<String, String>> batch = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    batch.add(
                            Update.of(
                                    "k" + random.nextInt(50),
                                    "v" + random.nextInt(2),
                                    round * 10L + random.nextInt(10),
                                    random.nextInt(4) == 0 ? -1 : 1));
                }
                c.append(batch, Codecs.string(), Codecs.string());
                c.seal((round + 1) * 10L);
                c.allowCompaction(round * 10L + 5);
            }
        }
    }

    private CollectionState state() throws Exception {
        try (PersistCollection c =
                PersistCollection.open(dir.toString(), NAME, CollectionConfig.defaults())) {
            return c.state().validate();
        }
    }

    private Map<String, Long> contentsAsOf(long t) throws Exception {
        Map<String, Long> m = new TreeMap<>();
        try (PersistCollection c =
                        PersistCollection.open(dir.toString(), NAME, CollectionConfig.defaults());
                UpdateCursor cursor = c.snapshot().asOf(t).readConsolidated()) {
            while (cursor.advance()) {
                m.merge(
                        new String(cursor.key(), StandardCharsets.UTF_8)
                                + ","
                                + new String(cursor.value(), StandardCharsets.UTF_8),
                        cursor.diff(),
                        Long::sum);
            }
        }
        return m;
    }

    @Test
    void runsMaintenanceToAFixpointWithoutChangingTheContents() throws Exception {
        CollectionState before = state();
        assertThat(before.unsealed()).hasSize(12);
        assertThat(before.trace()).isEmpty();
        Map<String, Long> contents = contentsAsOf(115);

        Cli r = Cli.run("compact", dir, NAME);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        CollectionState after = state();
        assertThat(after.unsealed()).isEmpty();
        assertThat(after.trace()).isNotEmpty();
        assertThat(after.traceUpper()).isEqualTo(after.seal());
        assertThat(r.out())
                .contains("Compacting collection events at file:")
                .contains(
                        "before: state "
                                + before.seqNo()
                                + ", seal {120}, since {115}, trace upper {0}, trace 0 batches, 12 batches unsealed")
                .contains("step 1: drained")
                .contains("merged the runs of 1 batch")
                .contains("after:  state " + after.seqNo())
                .contains("retired batches await garbage collection (persist gc)");
        // The drain adopts the twelve unsealed batches whole (all lie below the seal), so nothing
        // is evicted; their runs are merged into one at the end.
        assertThat(r.lines())
                .anyMatch(
                        l ->
                                l.matches(
                                        "  \\d+ steps in .*: 1 drains, 0 evicts, 0 trims, \\d+ compactions, 1 run merges"));
        assertThat(after.trace()).allSatisfy(b -> assertThat(b.runCount()).isEqualTo(1));
        // All before since: everything merges into few batches.
        assertThat(after.trace()).hasSizeLessThanOrEqualTo(2);
        assertThat(contentsAsOf(115)).isEqualTo(contents);

        // A second run finds nothing to do.
        Cli again = Cli.run("compact", dir, NAME);
        assertThat(again.out()).contains("0 steps in").doesNotContain("step 1:");
        assertThat(state().seqNo()).isEqualTo(after.seqNo());
    }

    @Test
    void advancesSinceOnRequest() throws Exception {
        Cli r = Cli.run("compact", "--advance-since", 119, dir, NAME);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("since advanced to {119}");
        assertThat(state().since().time()).isEqualTo(119);

        Cli back = Cli.run("compact", "--advance-since", 50, dir, NAME);
        assertThat(back.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(back.err()).contains("persist compact: ").contains("{50}").contains("{119}");
    }

    @Test
    void stopsAtMaxSteps() throws Exception {
        Cli r = Cli.run("compact", "--max-steps", 1, dir, NAME);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.out())
                .contains("step 1:")
                .doesNotContain("step 2:")
                .contains("(stopped at --max-steps; run again to continue)");
        assertThat(Cli.run("compact", "--max-steps", 0, dir, NAME).exitCode())
                .isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void aMissingCollectionFails() {
        Cli r = Cli.run("compact", dir, "missing");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err())
                .contains(
                        "persist compact: Cannot open collection missing at "
                                + dir
                                + ": no such collection");
    }
}
