package io.flinkpersist.testing;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.blob.LocalFileBlobStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Child process of the crash test: appends numbered batches and runs seals, drains, evicts, trims,
 * compactions and garbage collection until it is killed. Prints {@code BEGIN i} before append i and
 * {@code ACK i} once it committed.
 */
public final class CrashWorkerMain {

    public static final int UPDATES_PER_APPEND = 5;

    public static void main(String[] args) throws Exception {
        int next = Integer.parseInt(args[1]);
        Random random = new Random(Long.parseLong(args[2]));
        CollectionConfig config =
                CollectionConfig.defaults()
                        .withGcGracePeriod(Duration.ZERO)
                        .withRetainedStateRecords(10);
        PersistCollection c =
                PersistCollection.open(new LocalFileBlobStore(Paths.get(args[0])), config);
        System.out.println("READY");
        System.out.flush();
        while (true) {
            long seal = c.state().seal().time();
            int r = random.nextInt(10);
            if (r < 5) {
                System.out.println("BEGIN " + next);
                System.out.flush();
                c.append(updates(next, seal + random.nextInt(5)));
                System.out.println("ACK " + next);
                System.out.flush();
                next++;
            } else if (r < 7) {
                c.seal(seal + 1 + random.nextInt(3));
                c.allowCompaction(Math.max(c.state().requestedSince().time(), seal));
            } else if (r < 9) {
                c.maintain();
            } else {
                c.collectGarbage();
            }
        }
    }

    /** The updates of append {@code i}: keys {@code w<i>-<j>}, value {@code x}, diff 1. */
    public static List<Update<byte[], byte[]>> updates(int i, long time) {
        List<Update<byte[], byte[]>> out = new ArrayList<>();
        for (int j = 0; j < UPDATES_PER_APPEND; j++) {
            out.add(
                    Update.of(
                            ("w" + i + "-" + j).getBytes(StandardCharsets.UTF_8),
                            "x".getBytes(StandardCharsets.UTF_8),
                            time,
                            1));
        }
        return out;
    }
}
