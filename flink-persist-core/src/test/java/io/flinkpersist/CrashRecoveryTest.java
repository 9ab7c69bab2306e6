package io.flinkpersist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.blob.LocalFileBlobStore;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.testing.CrashWorkerMain;
import io.flinkpersist.testing.JavaProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM appending, sealing, draining, compacting and collecting garbage on a local directory
 * is killed with SIGKILL at random moments, 50 times. After each kill the collection reopens and
 * validates, every acknowledged append is there, and every unacknowledged one is wholly there or
 * wholly absent.
 *
 * <p>Replay with {@code -Dtest.seed=<seed>} (kill delays and the children's choices follow it).
 */
class CrashRecoveryTest {

    private static final int KILLS = Integer.getInteger("crash.kills", 50);

    @TempDir Path dir;

    @Test
    void survivesRepeatedSigkill() throws Exception {
        long seed = Long.getLong("test.seed", System.nanoTime());
        System.out.println(
                "CrashRecoveryTest seed " + seed + " (replay with -Dtest.seed=" + seed + ")");
        Random random = new Random(seed);
        Path data = dir.resolve("collection");
        Set<Integer> acknowledged = new HashSet<>();
        int next = 0;
        int killedMidAppend = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            Path log = dir.resolve("child-" + kill + ".log");
            Process child =
                    JavaProcess.start(
                            CrashWorkerMain.class,
                            List.of("-Xmx128m", "-XX:TieredStopAtLevel=1", "-Xshare:auto"),
                            List.of(
                                    data.toString(),
                                    Integer.toString(next),
                                    Long.toString(random.nextLong())),
                            log);
            waitForLine(child, log, "READY");
            // Let it get some way in: a random number of acknowledged appends, then a random pause.
            waitForAcks(child, log, random.nextInt(5));
            Thread.sleep(random.nextInt(300));
            assertThat(child.isAlive())
                    .as("child %d died on its own:%n%s", kill, Files.readString(log))
                    .isTrue();
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

            int begun = next - 1;
            Set<Integer> acked = new HashSet<>();
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.startsWith("BEGIN ")) {
                    begun = Math.max(begun, Integer.parseInt(line.substring(6)));
                } else if (line.startsWith("ACK ")) {
                    acked.add(Integer.parseInt(line.substring(4)));
                }
            }
            acknowledged.addAll(acked);
            if (begun >= next && !acked.contains(begun)) {
                killedMidAppend++;
            }

            // Reopen: the latest state decodes and validates, and every batch it names is readable.
            try (PersistCollection c = PersistCollection.open(new LocalFileBlobStore(data))) {
                CollectionState s = c.state();
                s.validate();
                Map<Integer, Integer> present = new HashMap<>();
                for (Rec r : Rec.readAll(c.snapshot().readConsolidated())) {
                    assertThat(r.diff()).as("update %s", r).isEqualTo(1);
                    int i = Integer.parseInt(r.key().substring(1, r.key().indexOf('-')));
                    present.merge(i, 1, Integer::sum);
                }
                for (int i : acknowledged) {
                    assertThat(present.get(i))
                            .as("acknowledged append %d after kill %d", i, kill)
                            .isEqualTo(CrashWorkerMain.UPDATES_PER_APPEND);
                }
                for (Map.Entry<Integer, Integer> e : present.entrySet()) {
                    assertThat(e.getValue())
                            .as("append %d is half visible after kill %d", e.getKey(), kill)
                            .isEqualTo(CrashWorkerMain.UPDATES_PER_APPEND);
                    assertThat(e.getKey()).isLessThanOrEqualTo(begun);
                }
            }
            next = begun + 1;
        }
        System.out.printf(
                "CrashRecoveryTest: %d kills, %d appends acknowledged, %d kills in the middle of an append%n",
                KILLS, acknowledged.size(), killedMidAppend);
        assertThat(acknowledged).isNotEmpty();
    }

    private static void waitForAcks(Process p, Path log, int acks) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && p.isAlive()) {
            long seen =
                    Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                            .filter(l -> l.startsWith("ACK "))
                            .count();
            if (seen >= acks) {
                return;
            }
            Thread.sleep(10);
        }
    }

    private static void waitForLine(Process p, Path log, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)
                    && Files.readAllLines(log, StandardCharsets.UTF_8).contains(line)) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError(
                        "child ended before " + line + ":\n" + Files.readString(log));
            }
            Thread.sleep(20);
        }
        p.destroyForcibly();
        throw new AssertionError("child never printed " + line + ":\n" + Files.readString(log));
    }
}
