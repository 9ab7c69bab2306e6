package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DumpCommandTest {

    @TempDir static Path dir;
    static TestingCollection collection;

    @BeforeAll
    static void write() throws Exception {
        collection = TestingCollection.write(dir, 3, false);
    }

    /** Parses CSV lines without quoted fields into "key,value" → summed diff; checks the header. */
    private static Map<String, Long> collapse(Cli r) {
        List<String> lines = r.lines();
        assertThat(lines.get(0)).isEqualTo("key,value,time,diff");
        Map<String, Long> m = new TreeMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            assertThat(f).hasSize(4);
            m.merge(f[0] + "," + f[1], Long.parseLong(f[3]), Long::sum);
        }
        m.values().removeIf(d -> d == 0);
        return m;
    }

    @Test
    void consolidatedByDefaultEachPairOnceWithItsNetDiff() {
        Cli r = Cli.run("dump", dir, TestingCollection.NAME, "--progress", "off");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        List<String> rows = r.lines().subList(1, r.lines().size());
        assertThat(
                        rows.stream()
                                .map(l -> l.substring(0, l.indexOf(',', l.indexOf(',') + 1)))
                                .distinct()
                                .count())
                .isEqualTo(rows.size());
        assertThat(collapse(r)).isEqualTo(collection.all());
        assertThat(r.err()).isEmpty();
    }

    @Test
    void asOfATime() {
        long since = collection.state.since().time();
        long t = since + 3;
        Cli r = Cli.run("dump", "--as-of", t, dir, TestingCollection.NAME);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.lines().subList(1, r.lines().size()))
                .allMatch(l -> l.split(",")[2].equals(Long.toString(t)));
        assertThat(collapse(r)).isEqualTo(collection.asOf(t));
    }

    @Test
    void rawReadsEveryStoredUpdate() {
        Cli r = Cli.run("dump", "--raw", dir, TestingCollection.NAME);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        long stored =
                collection.state.trace().stream().mapToLong(b -> b.updateCount()).sum()
                        + collection.state.unsealed().stream()
                                .mapToLong(b -> b.updateCount())
                                .sum();
        // Consolidated within each batch only (times advanced by since), so a pair may repeat.
        Cli consolidated = Cli.run("dump", dir, TestingCollection.NAME);
        assertThat(r.lines().size())
                .isGreaterThan(consolidated.lines().size())
                .isLessThanOrEqualTo((int) stored + 1);
        assertThat(collapse(r)).isEqualTo(collection.all());
    }

    @Test
    void jsonLines() {
        Cli r =
                Cli.run(
                        "dump",
                        "--format",
                        "json",
                        "--limit",
                        3,
                        "--as-of",
                        collection.state.since().time(),
                        dir,
                        TestingCollection.NAME);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.lines())
                .hasSize(3)
                .allMatch(
                        l ->
                                l.matches(
                                        "\\{\"key\":\"key-\\d{3}\",\"value\":\"v\\d\",\"time\":\\d+,\"diff\":-?\\d+}"));
    }

    @Test
    void codecsRenderBytesAsHexAndLongs() throws Exception {
        try (PersistCollection c =
                PersistCollection.open(dir.toString(), "numbers", CollectionConfig.defaults())) {
            c.append(
                    List.of(Update.of(-5L, 42L, 0, 1), Update.of(7L, -1L, 1, 2)),
                    Codecs.longOrdered(),
                    Codecs.longOrdered());
        }
        Cli longs = Cli.run("dump", "--codec", "long", dir, "numbers");
        assertThat(longs.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(longs.lines()).containsExactly("key,value,time,diff", "-5,42,0,1", "7,-1,1,2");

        Cli hex = Cli.run("dump", "--key-codec", "bytes", "--value-codec", "LONG", dir, "numbers");
        assertThat(hex.lines())
                .containsExactly(
                        "key,value,time,diff",
                        "7ffffffffffffffb,42,0,1",
                        "8000000000000007,-1,1,2");

        Cli notText = Cli.run("dump", dir, "numbers");
        assertThat(notText.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(notText.err())
                .contains(
                        "Cannot render key as a string: its bytes are not UTF-8 (hex 7ffffffffffffffb); use --codec bytes");

        Cli notLong = Cli.run("dump", "--codec", "long", dir, TestingCollection.NAME);
        assertThat(notLong.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(notLong.err()).contains("Cannot render key as a long: it has 7 bytes, not 8");
    }

    @Test
    void csvQuotesFieldsThatNeedIt() {
        assertThat(DumpCommand.csv("plain")).isEqualTo("plain");
        assertThat(DumpCommand.csv("a,b")).isEqualTo("\"a,b\"");
        assertThat(DumpCommand.csv("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(DumpCommand.csv("two\nlines")).isEqualTo("\"two\nlines\"");
    }

    @Test
    void anAsOfOutsideSinceAndSealIsAUsageError() {
        long seal = collection.state.seal().time();
        Cli r = Cli.run("dump", "--as-of", seal, dir, TestingCollection.NAME);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err())
                .contains(
                        "Cannot read as of time "
                                + seal
                                + ": it must be at or after since "
                                + collection.state.since()
                                + " and before seal "
                                + collection.state.seal());
        assertThat(r.out()).isEmpty();
    }

    @Test
    void badOptionValuesAreUsageErrors() {
        Cli format = Cli.run("dump", "--format", "xml", dir, TestingCollection.NAME);
        assertThat(format.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(format.err())
                .contains("Invalid value for option '--format'", "xml", "CSV, JSON");

        Cli asOf = Cli.run("dump", "--as-of", "yesterday", dir, TestingCollection.NAME);
        assertThat(asOf.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(asOf.err())
                .contains("Invalid value for option '--as-of': 'yesterday' is not a long");

        Cli limit = Cli.run("dump", "--limit", -1, dir, TestingCollection.NAME);
        assertThat(limit.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(limit.err()).contains("Invalid --limit -1: give 0 or more");
    }
}
