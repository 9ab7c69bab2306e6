package io.flinkpersist.e2e.jobs;

import io.flinkpersist.Codecs;
import io.flinkpersist.Update;
import io.flinkpersist.sink.PersistSink;
import java.time.Duration;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * Writes events {@code [0, events)} of the {@link Changelog} into a collection, exactly once, and
 * closes it at the end of the input.
 *
 * <pre>
 *  [ event index ] ─► [ changelog updates ] ─keyBy(key)─► [ PersistSink ]
 *    p = 1, at --rate     -1 old value, +1 new one           p = default, a checkpoint
 *    events/s (0: as      event time = index                 every --checkpoint-ms
 *    fast as it can)
 * </pre>
 *
 * Arguments: {@code --location --collection --events [--keys 1000] [--seed 1] [--rate 0]
 * [--checkpoint-ms 1000]}. Every operator has a uid, so that a run can resume from another run's
 * checkpoint.
 */
public final class WriteJob {

    static final TypeInformation<Update<String, String>> UPDATE_TYPE =
            TypeInformation.of(new TypeHint<Update<String, String>>() {});

    private WriteJob() {}

    public static void main(String[] args) throws Exception {
        JobArgs a = JobArgs.parse(args);
        long rate = a.all().getLong("rate", 0);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(a.duration("checkpoint-ms", Duration.ofSeconds(1)).toMillis());

        DataGeneratorSource<Long> events =
                new DataGeneratorSource<>(
                        index -> index,
                        a.events(),
                        rate > 0 ? RateLimiterStrategy.perSecond(rate) : RateLimiterStrategy.noOp(),
                        Types.LONG);
        env.fromSource(
                        events,
                        WatermarkStrategy.<Long>forMonotonousTimestamps()
                                .withTimestampAssigner((i, ts) -> Changelog.time(i)),
                        "changelog events")
                .setParallelism(1)
                .uid("changelog-events")
                .flatMap(new ToUpdates(a.changelog()))
                .returns(UPDATE_TYPE)
                .setParallelism(1)
                .uid("changelog-updates")
                .name("changelog updates")
                .keyBy(new ByKey())
                .sinkTo(
                        PersistSink.<String, String>builder()
                                .location(a.location())
                                .collection(a.collection())
                                .keyCodec(Codecs.string())
                                .valueCodec(Codecs.string())
                                .bufferSize(4L << 20)
                                .closeOnEndOfInput(true)
                                .build())
                .uid("persist-sink")
                .name("persist: " + a.collection());

        // Returns at once when detached (flink run -d); attached, at the end of the job.
        JobExecutionResult result = env.execute("e2e write " + a.collection());
        System.out.println("E2E-WRITE job=" + result.getJobID() + " " + a.describe());
    }

    /** Partitions the updates by key. */
    static final class ByKey implements KeySelector<Update<String, String>, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(Update<String, String> u) {
            return u.key();
        }
    }

    /** Event index to the collection updates it makes. */
    static final class ToUpdates implements FlatMapFunction<Long, Update<String, String>> {
        private static final long serialVersionUID = 1L;
        private final Changelog changelog;

        ToUpdates(Changelog changelog) {
            this.changelog = changelog;
        }

        @Override
        public void flatMap(Long index, Collector<Update<String, String>> out) {
            changelog.updates(index, out::collect);
        }
    }
}
