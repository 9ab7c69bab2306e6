package io.flinkpersist.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PersistLookup} with {@code AsyncDataStream}: each probe sees the collection as of its own
 * time, and a probe whose time is not sealed yet waits until it is (the writer seals while the job
 * runs), so the output equals the join of each probe with the table as of its time.
 */
class PersistLookupITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @TempDir Path dir;

    /** A probe: a currency and the time to look its rate up as of. */
    public record Probe(String currency, long time) {}

    @Test
    void eachProbeSeesTheTableAsOfItsTimeOnceThatTimeIsSealed() throws Exception {
        try (PersistCollection c =
                PersistCollection.open(dir.toString(), "rates", CollectionConfig.defaults())) {
            c.append(
                    List.of(
                            Update.of("EUR", "1.00", 1, 1),
                            Update.of("USD", "0.90", 2, 1),
                            Update.of("EUR", "1.00", 5, -1),
                            Update.of("EUR", "1.10", 5, 1)),
                    Codecs.string(),
                    Codecs.string());
            c.seal(4);
        }
        List<Probe> probes =
                List.of(
                        new Probe("EUR", 1),
                        new Probe("EUR", 3),
                        new Probe("USD", 1),
                        new Probe("USD", 3),
                        new Probe("GBP", 3),
                        new Probe("EUR", 6));
        // The probe at time 6 can only be answered once the collection is sealed past 6.
        Thread sealer =
                new Thread(
                        () -> {
                            try {
                                Thread.sleep(1_500);
                                try (PersistCollection c =
                                        PersistCollection.openExisting(dir, "rates")) {
                                    c.seal(7);
                                }
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        });
        sealer.start();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        DataStream<Tuple2<Probe, List<String>>> joined =
                AsyncDataStream.orderedWait(
                                env.fromData(probes),
                                PersistLookup.<Probe, String, String>builder()
                                        .location(dir.toString())
                                        .collection("rates")
                                        .keyCodec(Codecs.string())
                                        .valueCodec(Codecs.string())
                                        .key(Probe::currency)
                                        .asOf(Probe::time)
                                        .refreshInterval(java.time.Duration.ofMillis(50))
                                        .build(),
                                60,
                                TimeUnit.SECONDS)
                        .returns(new TypeHint<Tuple2<Probe, List<String>>>() {});
        List<String> out = new ArrayList<>();
        try (CloseableIterator<Tuple2<Probe, List<String>>> it = joined.executeAndCollect()) {
            it.forEachRemaining(t -> out.add(t.f0.currency() + "@" + t.f0.time() + "=" + t.f1));
        }
        sealer.join();
        assertThat(out)
                .containsExactlyInAnyOrder(
                        "EUR@1=[1.00]",
                        "EUR@3=[1.00]",
                        "USD@1=[]",
                        "USD@3=[0.90]",
                        "GBP@3=[]",
                        "EUR@6=[1.10]");
    }
}
