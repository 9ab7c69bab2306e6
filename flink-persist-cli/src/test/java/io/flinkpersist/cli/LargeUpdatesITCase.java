package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.RowGroupInfo;
import io.flinkpersist.read.Snapshot;
import io.flinkpersist.sink.PersistSink;
import io.flinkpersist.source.PersistSource;
import io.flinkpersist.source.enumerator.PersistSplitPlanner;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.state.TraceBatchMeta;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys of 8–40 KB and values up to 6 MiB, for which Parquet leaves the footer's min and max
 * statistics out, through the whole path: a sink job with drains, compaction and the end-of-input
 * merge; consolidated and raw reads that match the generator; split planning that still cuts the
 * key range from the page index; and {@code validate} finding no problem. Jobs run on a local
 * MiniCluster each. The seed is printed; replay with {@code -Dlarge.seed=<seed>}.
 */
class LargeUpdatesITCase {

    private static final int UPDATES = 400;
    private static final int KEYS = 120;
    private static final String NAME = "large";

    @TempDir Path dir;

    /**
     * Update {@code i} of the stream seeded {@code seed}: a pure function, so the jobs and the
     * model agree.
     */
    static Update<byte[], byte[]> generated(long seed, long i) {
        long keyIndex = Math.floorMod(new Random(seed * 7_919 + i).nextLong(), KEYS);
        Random key = new Random(seed * 31 + keyIndex);
        byte[] k = new byte[8_000 + key.nextInt(32_000)];
        key.nextBytes(k);
        Random value = new Random(seed * 131 + i);
        byte[] v =
                new byte
                        [i % 40 == 7
                                ? (1 << 20) + value.nextInt(5 << 20)
                                : 100 + value.nextInt(2_000)];
        value.nextBytes(v);
        // Every fifth update retracts the one before it; times rise by one every ten updates.
        if (i % 5 == 4) {
            Update<byte[], byte[]> previous = generated(seed, i - 1);
            return Update.of(previous.key(), previous.value(), i / 10, -1);
        }
        return Update.of(k, v, i / 10, 1);
    }

    static String digest(byte[] k, byte[] v) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(
                    HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(k))
                            .getBytes());
            sha.update(v);
            return k.length + ":" + v.length + ":" + HexFormat.of().formatHex(sha.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** (digest, diff) of an update: what the jobs hand back instead of megabytes. */
    static final class Digest implements MapFunction<Update<byte[], byte[]>, String> {
        @Override
        public String map(Update<byte[], byte[]> u) {
            return digest(u.key(), u.value()) + "=" + u.diff();
        }
    }

    static final class Generate implements MapFunction<Long, Update<byte[], byte[]>> {
        private final long seed;

        Generate(long seed) {
            this.seed = seed;
        }

        @Override
        public Update<byte[], byte[]> map(Long i) {
            return generated(seed, i);
        }
    }

    private static Map<String, Long> consolidate(List<String> digests) {
        Map<String, Long> out = new TreeMap<>();
        for (String d : digests) {
            int eq = d.lastIndexOf('=');
            out.merge(d.substring(0, eq), Long.parseLong(d.substring(eq + 1)), Long::sum);
        }
        out.values().removeIf(x -> x == 0);
        return out;
    }

    private static StreamExecutionEnvironment env() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        return env;
    }

    private List<String> read(boolean consolidated) throws Exception {
        PersistSource<Update<byte[], byte[]>> source =
                PersistSource.<byte[], byte[]>builder()
                        .location(dir.toString())
                        .collection(NAME)
                        .keyCodec(Codecs.bytes())
                        .valueCodec(Codecs.bytes())
                        .consolidated(consolidated)
                        .build();
        List<String> out = new ArrayList<>();
        try (CloseableIterator<String> it =
                env().fromSource(source, WatermarkStrategy.noWatermarks(), "read")
                        .map(new Digest())
                        .returns(Types.STRING)
                        .executeAndCollect("read")) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    @Test
    void largeKeysAndValuesGoTheWholeWayAndValidate() throws Exception {
        long seed = Long.getLong("large.seed", System.nanoTime());
        System.out.println(
                "LargeUpdatesITCase seed " + seed + " (replay with -Dlarge.seed=" + seed + ")");
        List<String> model = new ArrayList<>();
        for (long i = 0; i < UPDATES; i++) {
            Update<byte[], byte[]> u = generated(seed, i);
            model.add(digest(u.key(), u.value()) + "=" + u.diff());
        }
        Map<String, Long> expected = consolidate(model);

        StreamExecutionEnvironment env = env();
        env.enableCheckpointing(200);
        env.fromSequence(0, UPDATES - 1)
                .map(new Generate(seed))
                .returns(new TypeHint<Update<byte[], byte[]>>() {})
                .setParallelism(1)
                .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<Update<byte[], byte[]>>forMonotonousTimestamps()
                                .withTimestampAssigner((u, t) -> u.time()))
                .setParallelism(1)
                .sinkTo(
                        PersistSink.<byte[], byte[]>builder()
                                .location(dir.toString())
                                .collection(NAME)
                                .keyCodec(Codecs.bytes())
                                .valueCodec(Codecs.bytes())
                                .bufferSize(16 << 20)
                                .historyRetention(1L)
                                .closeOnEndOfInput(true)
                                .build());
        env.execute("write large updates");

        Cli validate = Cli.run("validate", "--progress", "off", dir, NAME);
        assertThat(validate.lines().stream().filter(l -> l.startsWith("PROBLEM "))).isEmpty();
        assertThat(validate.exitCode()).isEqualTo(ExitCodes.OK);

        try (PersistCollection c =
                PersistCollection.openExisting(dir.toString(), NAME, CollectionConfig.defaults())) {
            assertThat(c.state().seal().isClosed()).isTrue();
            assertThat(c.state().trace()).as("drained and compacted").isNotEmpty();
            int groups = 0;
            int truncated = 0;
            for (TraceBatchMeta b : c.state().trace()) {
                for (RowGroupInfo g : BatchReader.readFooter(c.store(), b.key()).rowGroups()) {
                    groups++;
                    assertThat(g.hasKeyBounds())
                            .as(
                                    "row group %d of %s has key bounds from the page index",
                                    g.index(), b.key())
                            .isTrue();
                    truncated += g.keyBoundsExact() ? 0 : 1;
                }
            }
            assertThat(truncated)
                    .as("row groups whose footer has no key statistics (keys of 8 KB and more)")
                    .isEqualTo(groups);
            Snapshot snapshot = c.snapshot();
            List<PersistSplit> splits = PersistSplitPlanner.consolidated(c.store(), snapshot, 4);
            assertThat(splits)
                    .as("consolidated splits cut from truncated bounds")
                    .hasSizeGreaterThan(1);
        }

        assertThat(consolidate(read(true))).as("consolidated read").isEqualTo(expected);
        assertThat(consolidate(read(false))).as("raw read, consolidated here").isEqualTo(expected);
        // A collected job's result can reach the client before its enumerator has released its
        // reader lease (a state write): wait for it, so nothing writes here after the test.
        try (PersistCollection c =
                PersistCollection.openExisting(dir.toString(), NAME, CollectionConfig.defaults())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!c.refresh().leases().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(c.state().leases()).as("reader leases after the read jobs").isEmpty();
        }
    }
}
