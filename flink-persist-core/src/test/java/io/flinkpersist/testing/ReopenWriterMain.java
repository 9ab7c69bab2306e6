package io.flinkpersist.testing;

import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.state.CollectionState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Child process of the reopen test: writes {@link #updates(long, int)} in rounds with seals, drains
 * and compactions, prints the final state, and exits without closing anything.
 */
public final class ReopenWriterMain {

    public static void main(String[] args) throws Exception {
        PersistCollection c = PersistCollection.open(Paths.get(args[0]), args[1]);
        long seed = Long.parseLong(args[2]);
        int rounds = Integer.parseInt(args[3]);
        for (int round = 0; round < rounds; round++) {
            c.append(updates(seed, round));
            c.seal(round * 10L + 10);
            c.allowCompaction(round * 10L + 5);
            c.maintain();
        }
        CollectionState s = c.state();
        System.out.println(
                "STATE "
                        + s.seqNo()
                        + " "
                        + s.seal()
                        + " "
                        + s.since()
                        + " "
                        + s.trace().size()
                        + " "
                        + s.unsealed().size());
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /**
     * The updates of one round: deterministic in (seed, round), times in [10 round, 10 round + 15).
     */
    public static List<Update<byte[], byte[]>> updates(long seed, int round) {
        Random r = new Random(seed * 1_000_003L + round);
        List<Update<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] key = ("key-" + r.nextInt(50)).getBytes(StandardCharsets.UTF_8);
            byte[] value = ("value-" + r.nextInt(3)).getBytes(StandardCharsets.UTF_8);
            out.add(Update.of(key, value, round * 10L + r.nextInt(15), r.nextBoolean() ? 1 : -1));
        }
        return out;
    }
}
