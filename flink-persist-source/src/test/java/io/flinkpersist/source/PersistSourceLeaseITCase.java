package io.flinkpersist.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.BatchWriteOptions;
import io.flinkpersist.state.CollectionState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source's reader lease: it protects a long read from compaction and GC, and it ends with the
 * job.
 */
class PersistSourceLeaseITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @TempDir Path dir;

    private CollectionConfig config() {
        return CollectionConfig.defaults()
                .withGcGracePeriod(Duration.ZERO)
                .withWriteOptions(BatchWriteOptions.defaults().withRowGroupSizeBytes(32 << 10));
    }

    private void round(PersistCollection c, int i) throws Exception {
        List<Update<String, String>> u = new ArrayList<>();
        for (int j = 0; j < 5_000; j++) {
            u.add(Update.of("key-" + i + "-" + j, "value-" + j, i, 1));
        }
        c.append(u, Codecs.string(), Codecs.string());
        c.seal(i + 1);
        c.allowCompaction(i + 1);
        c.maintainUntilIdle();
    }

    private PersistSource<Update<String, String>> source(Duration lease) {
        return PersistSource.<String, String>builder()
                .location(dir.toString())
                .collection("leased")
                .keyCodec(Codecs.string())
                .valueCodec(Codecs.string())
                .consolidated(false)
                .leaseDuration(lease)
                .producedType(TypeInformation.of(new TypeHint<Update<String, String>>() {}))
                .build();
    }

    @Test
    void aLongReadSurvivesCompactionAndGcUnderneath() throws Exception {
        Map<String, Long> expected = new HashMap<>();
        try (PersistCollection c = PersistCollection.open(dir.toString(), "leased", config())) {
            for (int i = 0; i < 24; i++) {
                round(c, i);
            }
            c.collectGarbage();
            c.snapshot().readRaw().close();
            try (var cursor = c.snapshot().readConsolidated()) {
                while (cursor.advance()) {
                    expected.merge(
                            new String(cursor.key()) + "|" + new String(cursor.value()),
                            cursor.diff(),
                            Long::sum);
                }
            }
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        Map<String, Long> read = new HashMap<>();
        int rewrites = 0;
        int whileRunning = 0;
        JobClient job;
        try (PersistCollection writer =
                PersistCollection.open(dir.toString(), "leased", config())) {
            CloseableIterator<Update<String, String>> it =
                    env.fromSource(
                                    source(Duration.ofMinutes(1)),
                                    WatermarkStrategy.noWatermarks(),
                                    "leased")
                            .map(new Slow())
                            .returns(new TypeHint<Update<String, String>>() {})
                            .collectAsync();
            job = env.executeAsync("long read");
            int n = 0;
            while (it.hasNext()) {
                Update<String, String> u = it.next();
                read.merge(u.key() + "|" + u.value(), u.diff(), Long::sum);
                if (++n % 5_000 == 0 && job.getJobStatus().get() == JobStatus.RUNNING) {
                    // Rewrite the trace and collect garbage while the snapshot is being read.
                    round(writer, 24 + rewrites++);
                    writer.collectGarbage();
                    CollectionState s = writer.state();
                    if (job.getJobStatus().get() == JobStatus.RUNNING) {
                        whileRunning++;
                        assertThat(s.leases())
                                .as("the source holds a lease while it reads")
                                .hasSize(1);
                        assertThat(s.since())
                                .as("a snapshot read does not hold since back")
                                .isEqualTo(s.seal());
                    }
                }
            }
            it.close();
            System.out.println(
                    "lease test: read "
                            + n
                            + " updates with "
                            + rewrites
                            + " rewrites underneath ("
                            + whileRunning
                            + " while the job ran), now "
                            + writer.refresh());
        }
        assertThat(whileRunning).isGreaterThanOrEqualTo(3);
        assertThat(rewrites).isGreaterThanOrEqualTo(3);
        try (PersistCollection after = PersistCollection.open(dir.toString(), "leased", config())) {
            // The trace was compacted underneath: far fewer batches than rounds written.
            assertThat(after.state().trace().size()).isLessThan(8);
        }
        assertThat(read).isEqualTo(expected);
        // The enumerator releases the lease as the job ends, which may come just after the last
        // record reached the iterator: wait for the job, then give the release a bounded time.
        job.getJobExecutionResult().get(1, TimeUnit.MINUTES);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (PersistCollection after = PersistCollection.open(dir.toString(), "leased", config())) {
            while (!after.refresh().leases().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(after.state().leases()).as("released when the job ended").isEmpty();
        }
    }

    /**
     * Slows reading down, so the readers are still in the middle of their batches during rewrites.
     */
    private static final class Slow
            implements MapFunction<Update<String, String>, Update<String, String>> {
        private long n;

        @Override
        public Update<String, String> map(Update<String, String> u) throws Exception {
            if (++n % 20 == 0) {
                Thread.sleep(1);
            }
            return u;
        }
    }

    @Test
    void aStoppedReadersLeaseEnds() throws Exception {
        try (PersistCollection c = PersistCollection.open(dir.toString(), "leased", config())) {
            for (int i = 0; i < 4; i++) {
                round(c, i);
            }
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSource(source(Duration.ofSeconds(3)), WatermarkStrategy.noWatermarks(), "leased")
                .map(
                        u -> {
                            Thread.sleep(1);
                            return u;
                        })
                .returns(new TypeHint<Update<String, String>>() {})
                .sinkTo(new DiscardingSink<>());
        JobClient job = env.executeAsync("stopped reader");
        try (PersistCollection c = PersistCollection.open(dir.toString(), "leased", config())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.refresh().leases().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(c.state().leases()).hasSize(1);
            long held = c.state().since().time();
            assertThat(c.state().leases().values().iterator().next().pinnedSeqNo())
                    .isLessThanOrEqualTo(c.state().seqNo());

            job.cancel().get(30, TimeUnit.SECONDS);
            // Released on close, or else expired after its duration: either way since moves on.
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && !c.refresh().leases().isEmpty()) {
                c.expireLeases();
                Thread.sleep(200);
            }
            assertThat(c.state().leases()).isEmpty();
            c.allowCompaction(held + 101);
            assertThat(c.state().since().time()).isEqualTo(held + 101);
            // Its pin is gone too: garbage collection may now delete what it pinned.
            assertThat(c.state().minPinnedSeqNo()).isEmpty();
        }
    }
}
