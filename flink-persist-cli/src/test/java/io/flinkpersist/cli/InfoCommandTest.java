package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.TraceBatchMeta;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfoCommandTest {

    @TempDir static Path dir;
    static TestingCollection collection;

    @BeforeAll
    static void write() throws Exception {
        collection = TestingCollection.write(dir, 7, true);
    }

    @Test
    void showsFrontiersLevelsUnsealedBatchesLeasesAndBytes() {
        CollectionState s = collection.state;
        Cli r = Cli.run("info", dir, TestingCollection.NAME);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.out())
                .contains("Collection orders at file:")
                .contains("state seqno   " + s.seqNo())
                .contains("seal          " + s.seal())
                .contains("since         " + s.since())
                .contains("trace upper   " + s.traceUpper())
                .contains("key codec     string-utf8")
                .contains("value codec   string-utf8")
                .contains("Trace: " + Formats.count(s.trace().size(), "batch", "batches"))
                .contains("Unsealed: " + Formats.count(s.unsealed().size(), "batch", "batches"))
                .contains("Leases: 1", "reader-1  hold " + s.since() + "  pins state")
                .contains("live batches   " + Formats.bytes(s.liveBytes()));
        // One line per level, with the level's batch count.
        for (InfoCommand.Level l : InfoCommand.levels(s)) {
            assertThat(r.lines())
                    .anyMatch(
                            line ->
                                    line.matches(
                                            "\\s+" + l.level() + "\\s+" + l.batches() + "\\s+.*"));
        }
        assertThat(InfoCommand.levels(s)).hasSizeGreaterThan(1);
        for (var b : s.unsealed()) {
            assertThat(r.out()).contains(b.key());
        }
    }

    @Test
    void listsEveryTraceBatchOnRequest() {
        Cli r = Cli.run("info", "--batches", dir, TestingCollection.NAME);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        for (TraceBatchMeta b : collection.state.trace()) {
            assertThat(r.out()).contains("L" + b.level() + " " + b.desc() + "  ").contains(b.key());
        }
    }

    @Test
    void listsTheRunsOfALevelZeroBatchThatAdoptedUnsealedBatches(@TempDir Path other)
            throws Exception {
        try (PersistCollection c = PersistCollection.open(other, "runs")) {
            c.append(List.of(Update.of(bytes("a"), bytes("1"), 0, 1)));
            c.append(List.of(Update.of(bytes("b"), bytes("2"), 1, 1)));
            c.seal(2);
            assertThat(c.drain()).isTrue();
            assertThat(c.state().trace().get(0).runCount()).isEqualTo(2);
        }
        Cli r = Cli.run("info", "--batches", other, "runs");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("2 parts in 2 runs:").contains("run 0  keys from (start)");
        assertThat(r.out()).contains("run 1  keys from (start)");
        Cli json = Cli.run("info", other, "runs", "--json");
        assertThat(json.out()).contains("\"run\":1");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void printsJson() {
        CollectionState s = collection.state;
        Cli r = Cli.run("info", dir, TestingCollection.NAME, "--json");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        String json = r.out().trim();
        assertThat(json).startsWith("{\"collection\":\"orders\",").endsWith("}");
        assertThat(json)
                .contains("\"seqNo\":" + s.seqNo() + ",")
                .contains("\"seal\":" + s.seal().time() + ",")
                .contains("\"since\":" + s.since().time() + ",")
                .contains("\"traceUpper\":" + s.traceUpper().time() + ",")
                .contains("\"keyCodec\":\"string-utf8\",\"valueCodec\":\"string-utf8\",")
                .contains("\"liveBytes\":" + s.liveBytes() + ",")
                .contains("\"leases\":[{\"id\":\"reader-1\",\"hold\":" + s.since().time() + ",");
        for (TraceBatchMeta b : s.trace()) {
            assertThat(json).contains("{\"key\":\"" + b.key() + "\",\"level\":" + b.level() + ",");
        }
        // Balanced braces and brackets outside strings: well-formed nesting.
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"' && json.charAt(i - 1) != '\\') {
                inString = !inString;
            } else if (!inString && (c == '{' || c == '[')) {
                depth++;
            } else if (!inString && (c == '}' || c == ']')) {
                depth--;
                assertThat(depth).isNotNegative();
            }
        }
        assertThat(depth).isZero();
    }

    @Test
    void aMissingCollectionIsNamedWithWhatIsThere() {
        Cli r = Cli.run("info", dir, "ordrs");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err().trim())
                .isEqualTo(
                        "persist info: Cannot open collection ordrs at "
                                + dir
                                + ": no such collection (no state records under "
                                + dir.resolve("ordrs")
                                + "; collections there: orders)");
        assertThat(r.out()).isEmpty();
        // Looking did not create it.
        assertThat(Files.exists(dir.resolve("ordrs"))).isFalse();
    }

    @Test
    void aMissingLocationIsNamed() {
        Path nowhere = dir.resolve("nowhere");
        Cli r = Cli.run("info", nowhere, "orders");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err())
                .contains(
                        "Cannot open collection orders at "
                                + nowhere
                                + ": no such collection (directory "
                                + nowhere
                                + " does not exist)");
        assertThat(Files.exists(nowhere)).isFalse();
    }

    @Test
    void aFileUriLocationWorks() {
        Cli r = Cli.run("info", dir.toUri(), TestingCollection.NAME);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("state seqno   " + collection.state.seqNo());
    }
}
