package io.flinkpersist.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Codec;
import io.flinkpersist.Codecs;
import io.flinkpersist.CollectionConfig;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.sink.PersistSink;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs meet a collection as it is: a source of a collection that does not exist fails at job start
 * naming it (and creates nothing); a source or sink whose codecs differ from the collection's fails
 * naming both, and a refused sink writes nothing.
 */
class PersistSourceCollectionCheckITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @TempDir Path dir;

    private static StreamExecutionEnvironment env() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        return env;
    }

    private <K> List<Update<K, String>> read(String collection, Codec<K> keyCodec)
            throws Exception {
        PersistSource<Update<K, String>> source =
                PersistSource.<K, String>builder()
                        .location(dir.toString())
                        .collection(collection)
                        .keyCodec(keyCodec)
                        .valueCodec(Codecs.string())
                        .build();
        List<Update<K, String>> out = new ArrayList<>();
        try (CloseableIterator<Update<K, String>> it =
                env().fromSource(source, WatermarkStrategy.noWatermarks(), "read")
                        .executeAndCollect("read")) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    /** Readers release their leases as their jobs wind down: wait, so the directory can go. */
    private void awaitNoReaders(String collection) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (PersistCollection c = PersistCollection.openExisting(dir, collection)) {
            while (!c.refresh().leases().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(c.state().leases()).as("reader leases after the jobs ended").isEmpty();
        }
    }

    private static String messages(Throwable t) {
        StringBuilder s = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            s.append(c.getMessage()).append('\n');
        }
        return s.toString();
    }

    private void writeStrings(String collection) throws Exception {
        StreamExecutionEnvironment env = env();
        env.enableCheckpointing(100);
        env.fromData(
                        new TypeHint<Update<String, String>>() {}.getTypeInfo(),
                        Update.of("a", "1", 1, 1),
                        Update.of("b", "2", 2, 1))
                .sinkTo(
                        PersistSink.<String, String>builder()
                                .location(dir.toString())
                                .collection(collection)
                                .keyCodec(Codecs.string())
                                .valueCodec(Codecs.string())
                                .build());
        env.execute("write");
    }

    @Test
    void readingAMissingCollectionFailsAtJobStartAndCreatesNothing() throws Exception {
        writeStrings("orders");
        assertThatThrownBy(() -> read("ordres", Codecs.string()))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains(
                                                "Cannot open collection ordres at "
                                                        + dir
                                                        + ": no such collection")
                                        .contains("collections there: orders"));
        assertThat(dir.resolve("ordres")).doesNotExist();
        awaitNoReaders("orders");
    }

    @Test
    void readingOrWritingWithOtherCodecsFailsNamingBoth() throws Exception {
        writeStrings("c");
        assertThat(read("c", Codecs.string()))
                .extracting(Update::key)
                .containsExactlyInAnyOrder("a", "b");

        assertThatThrownBy(() -> read("c", Codecs.longOrdered()))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains("Cannot read collection")
                                        .contains(
                                                "with key codec 'long-ordered', value codec 'string-utf8': it holds key codec 'string-utf8',"
                                                        + " value codec 'string-utf8'"));

        StreamExecutionEnvironment env = env();
        env.fromData(
                        new TypeHint<Update<Long, String>>() {}.getTypeInfo(),
                        Update.of(7L, "x", 5, 1))
                .sinkTo(
                        PersistSink.<Long, String>builder()
                                .location(dir.toString())
                                .collection("c")
                                .keyCodec(Codecs.longOrdered())
                                .valueCodec(Codecs.string())
                                .build());
        assertThatThrownBy(() -> env.execute("write longs"))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains("Cannot write collection")
                                        .contains(
                                                "with key codec 'long-ordered', value codec 'string-utf8': it holds key codec 'string-utf8'"));
        try (PersistCollection c =
                PersistCollection.openExisting(dir.toString(), "c", CollectionConfig.defaults())) {
            assertThat(c.state().schema())
                    .contains(CollectionSchema.of(Codecs.string(), Codecs.string()));
        }
        assertThat(read("c", Codecs.string())).as("the refused writer added nothing").hasSize(2);
        awaitNoReaders("c");
    }
}
