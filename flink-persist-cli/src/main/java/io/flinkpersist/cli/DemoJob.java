package io.flinkpersist.cli;

import io.flinkpersist.Codecs;
import io.flinkpersist.Update;
import io.flinkpersist.sink.PersistSink;
import io.flinkpersist.source.PersistSource;
import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.SecurityOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

/**
 * The two Flink jobs of the demo, run one after the other on one embedded MiniCluster.
 *
 * <pre>
 *  write:  [ sequence 0..n-1 ] ─► [ order event ] ─► [ event time, watermarks ] ─► [ changelog rows ]
 *              parallelism 1        generator          bounded out-of-orderness      +1 insert, -1/+1 update,
 *                                                                                    -1 delete
 *                                  ─keyBy(order)─► [ PersistSink writers ×p ] ─► coordinator ─► committer
 *                                                    checkpoint every second       seal = min watermark,
 *                                                                                  since follows the seal,
 *                                                                                  drains and compaction
 *  read:   [ PersistSource ×p, consolidated snapshot ] ─► collect
 * </pre>
 */
final class DemoJob {

    /** The collection the demo writes. */
    static final String COLLECTION = "orders";

    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

    private static final TypeInformation<Update<String, String>> UPDATE_TYPE =
            TypeInformation.of(new TypeHint<Update<String, String>>() {});

    private DemoJob() {}

    /**
     * An embedded MiniCluster that runs both jobs (one start instead of two): REST on a free local
     * port, no restarts (a failure is the demo's failure), no delegation tokens (Hadoop is on the
     * classpath for HDFS locations; a local demo needs no Kerberos).
     */
    static final class Cluster implements AutoCloseable {
        private final MiniCluster cluster;
        private final int parallelism;

        Cluster(int parallelism) throws Exception {
            this.parallelism = parallelism;
            Configuration conf = new Configuration();
            conf.set(RestOptions.BIND_ADDRESS, "localhost");
            conf.set(RestOptions.BIND_PORT, "0");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            conf.set(SecurityOptions.DELEGATION_TOKENS_ENABLED, false);
            cluster =
                    new MiniCluster(
                            new MiniClusterConfiguration.Builder()
                                    .setConfiguration(conf)
                                    .setNumTaskManagers(1)
                                    .setNumSlotsPerTaskManager(parallelism)
                                    .build());
            cluster.start();
        }

        /**
         * An environment that submits to this cluster; the job classes are on its classpath
         * already.
         */
        StreamExecutionEnvironment environment() throws Exception {
            URI rest = cluster.getRestAddress().get();
            Configuration client = new Configuration();
            client.set(SecurityOptions.DELEGATION_TOKENS_ENABLED, false);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createRemoteEnvironment(
                            rest.getHost(), rest.getPort(), client);
            env.setParallelism(parallelism);
            return env;
        }

        @Override
        public void close() throws Exception {
            cluster.close();
        }
    }

    /**
     * Submits the job that writes events {@code [0, events)} into the collection; returns at once.
     */
    static JobClient submitWrite(
            Cluster cluster, String location, OrderGenerator generator, long events)
            throws Exception {
        StreamExecutionEnvironment env = cluster.environment();
        env.enableCheckpointing(CHECKPOINT_INTERVAL.toMillis());
        env.fromSequence(0, events - 1)
                .setParallelism(1)
                .name("order event index")
                .map(new ToEvent(generator))
                .setParallelism(1)
                .name("order events")
                .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<OrderEvent>forBoundedOutOfOrderness(
                                        Duration.ofMillis(OrderGenerator.MAX_DELAY_MILLIS))
                                .withTimestampAssigner((e, ts) -> e.time()))
                .setParallelism(1)
                .name("event time")
                .flatMap(new ToUpdates())
                .returns(UPDATE_TYPE)
                .setParallelism(1)
                .name("changelog")
                .keyBy(new ByKey())
                .sinkTo(
                        PersistSink.<String, String>builder()
                                .location(location)
                                .collection(COLLECTION)
                                .keyCodec(Codecs.string())
                                .valueCodec(Codecs.string())
                                .bufferSize(8L << 20)
                                .historyRetention(0L)
                                .maintenance(true)
                                .gcInterval(Duration.ofSeconds(5))
                                .closeOnEndOfInput(true)
                                .build())
                .name("persist: " + COLLECTION);
        return env.executeAsync("flink-persist demo: write " + COLLECTION);
    }

    /** Reads the collection as a consolidated snapshot, handing each update to {@code sink}. */
    static void read(Cluster cluster, String location, Consumer<Update<String, String>> sink)
            throws Exception {
        StreamExecutionEnvironment env = cluster.environment();
        PersistSource<Update<String, String>> source =
                PersistSource.<String, String>builder()
                        .location(location)
                        .collection(COLLECTION)
                        .keyCodec(Codecs.string())
                        .valueCodec(Codecs.string())
                        .consolidated(true)
                        .producedType(UPDATE_TYPE)
                        .build();
        try (CloseableIterator<Update<String, String>> it =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "persist: " + COLLECTION)
                        .executeAndCollect("flink-persist demo: read " + COLLECTION)) {
            while (it.hasNext()) {
                sink.accept(it.next());
            }
        }
    }

    /** Index to event. */
    static final class ToEvent implements MapFunction<Long, OrderEvent> {
        private static final long serialVersionUID = 1L;
        private final OrderGenerator generator;

        ToEvent(OrderGenerator generator) {
            this.generator = generator;
        }

        @Override
        public OrderEvent map(Long index) {
            return generator.event(index);
        }
    }

    /** Event to changelog rows: an update retracts the old version and inserts the new one. */
    static final class ToUpdates implements FlatMapFunction<OrderEvent, Update<String, String>> {
        private static final long serialVersionUID = 1L;

        @Override
        public void flatMap(OrderEvent e, Collector<Update<String, String>> out) {
            if (e.oldValue() != null) {
                out.collect(Update.retract(e.orderId(), e.oldValue(), e.time()));
            }
            if (e.newValue() != null) {
                out.collect(Update.insert(e.orderId(), e.newValue(), e.time()));
            }
        }
    }

    /** Partitions the changelog by order. */
    static final class ByKey implements KeySelector<Update<String, String>, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(Update<String, String> u) {
            return u.key();
        }
    }
}
