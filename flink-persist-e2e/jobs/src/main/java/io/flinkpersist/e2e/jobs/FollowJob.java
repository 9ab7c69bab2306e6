package io.flinkpersist.e2e.jobs;

import io.flinkpersist.Update;
import io.flinkpersist.source.PersistSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.CloseableIterator;

/**
 * Follows a collection that a {@link WriteJob} is writing, with a continuous {@link PersistSource},
 * and checks that its watermarks are complete: at every watermark {@code W}, the updates read at
 * times up to {@code W}, consolidated, are the {@link Changelog}'s state after its events up to
 * {@code W}, replayed in plain Java; and no update at or below {@code W} comes after it. Prints
 * {@code E2E-FOLLOW ... result=PASS} when the writer closed the collection and the read ended, or
 * fails at the first watermark that is not complete.
 *
 * <pre>
 *  [ PersistSource, continuous ] ──► [ watermark check ] ──► collect
 *    p = default                      p = 1: sees every reader's updates and the
 *                                     minimum of their watermarks
 * </pre>
 *
 * Arguments: {@code --location --collection --events [--keys 1000] [--seed 1] [--poll-ms 200]
 * [--min-watermarks 3]}. The job never restarts: a restart would replay into a check that keeps no
 * state.
 */
public final class FollowJob {

    private FollowJob() {}

    public static void main(String[] args) throws Exception {
        JobArgs a = JobArgs.parse(args);
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        PersistSource<Update<String, String>> source =
                ReadJob.source(a).continuous(a.duration("poll-ms", Duration.ofMillis(200))).build();
        int minWatermarks = a.all().getInt("min-watermarks", 3);
        List<String> report = new ArrayList<>();
        try (CloseableIterator<String> it =
                env.fromSource(
                                source,
                                WatermarkStrategy.noWatermarks(),
                                "persist: " + a.collection())
                        .transform(
                                "watermark check",
                                Types.STRING,
                                new WatermarkCheck(a.changelog(), a.events()))
                        .setParallelism(1)
                        .executeAndCollect("e2e follow " + a.collection())) {
            it.forEachRemaining(report::add);
        }
        if (report.size() != 1) {
            throw new IllegalStateException(
                    "The watermark check reported " + report + ": expected one summary");
        }
        String summary = report.get(0);
        int watermarks = Integer.parseInt(summary.replaceAll(".*watermarks=(\\d+).*", "$1"));
        boolean followed = watermarks >= minWatermarks;
        String line =
                "E2E-FOLLOW "
                        + summary
                        + " "
                        + a.describe()
                        + " result="
                        + (followed ? "PASS" : "FAIL");
        System.out.println(line);
        if (!followed) {
            throw new IllegalStateException(
                    line
                            + ": the read saw "
                            + watermarks
                            + " watermarks before the final one, expected at least "
                            + minWatermarks
                            + " (did it follow the writer, or start after it ended?)");
        }
    }

    /**
     * Checks each watermark against the changelog replayed up to it; emits one summary at the final
     * watermark.
     */
    static final class WatermarkCheck extends AbstractStreamOperator<String>
            implements OneInputStreamOperator<Update<String, String>, String> {
        private static final long serialVersionUID = 1L;

        private final Changelog changelog;
        private final long events;
        private transient Changelog.Replay replay;
        private transient StateCheck below;
        private transient PriorityQueue<Update<String, String>> above;
        private transient long watermark;
        private transient int watermarks;
        private transient long updates;
        private transient boolean done;

        WatermarkCheck(Changelog changelog, long events) {
            this.changelog = changelog;
            this.events = events;
        }

        @Override
        public void open() throws Exception {
            super.open();
            replay = changelog.replay();
            below = new StateCheck();
            above = new PriorityQueue<>((x, y) -> Long.compare(x.time(), y.time()));
            watermark = Long.MIN_VALUE;
        }

        @Override
        public void processElement(StreamRecord<Update<String, String>> element) {
            Update<String, String> u = element.getValue();
            updates++;
            if (u.time() <= watermark) {
                throw new IllegalStateException(
                        "Watermark "
                                + watermark
                                + " was not complete: "
                                + u
                                + " came after it (watermarks checked before: "
                                + watermarks
                                + ")");
            }
            above.add(u);
        }

        @Override
        public void processWatermark(Watermark mark) throws Exception {
            long w = mark.getTimestamp();
            if (w <= watermark) {
                return;
            }
            while (!above.isEmpty() && above.peek().time() <= w) {
                below.add(above.poll());
            }
            replay.advanceTo(w == Long.MAX_VALUE ? events : Math.min(events, w + 1));
            List<String> problems = below.problems(replay.state());
            if (!problems.isEmpty()) {
                throw new IllegalStateException(
                        "Watermark "
                                + w
                                + " is not complete: what was read up to it is not the"
                                + " changelog's state after its first "
                                + replay.events()
                                + " events (watermarks checked before: "
                                + watermarks
                                + ")\n  "
                                + String.join("\n  ", problems));
            }
            watermark = w;
            if (w == Long.MAX_VALUE) {
                done = true;
                output.collect(
                        new StreamRecord<>(
                                "watermarks="
                                        + watermarks
                                        + " updates="
                                        + updates
                                        + " keys="
                                        + below.keys()));
            } else {
                watermarks++;
            }
            super.processWatermark(mark);
        }

        @Override
        public void finish() throws Exception {
            if (!done) {
                throw new IllegalStateException(
                        "The read ended without the final watermark (last watermark "
                                + watermark
                                + ")");
            }
            super.finish();
        }
    }
}
