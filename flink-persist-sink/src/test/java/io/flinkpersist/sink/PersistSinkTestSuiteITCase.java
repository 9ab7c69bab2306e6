package io.flinkpersist.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.sink.internal.PersistCommittable;
import io.flinkpersist.sink.internal.WriterResult;
import io.flinkpersist.state.CollectionState;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.testframe.environment.MiniClusterTestEnvironment;
import org.apache.flink.connector.testframe.external.ExternalContextFactory;
import org.apache.flink.connector.testframe.external.ExternalSystemDataReader;
import org.apache.flink.connector.testframe.external.sink.DataStreamSinkV2ExternalContext;
import org.apache.flink.connector.testframe.external.sink.TestingSinkSettings;
import org.apache.flink.connector.testframe.junit.annotations.TestContext;
import org.apache.flink.connector.testframe.junit.annotations.TestEnv;
import org.apache.flink.connector.testframe.junit.annotations.TestSemantics;
import org.apache.flink.connector.testframe.testsuites.SinkTestSuiteBase;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.junit.jupiter.api.Timeout;

/**
 * Flink's own sink test suite ({@link SinkTestSuiteBase}) against {@link PersistSink} on a
 * MiniCluster, exactly once: a bounded job, stop-with-savepoint and restore at the same, a higher
 * and a lower parallelism, and the writer's {@code numRecordsSend} metric.
 *
 * <p>The suite needs a {@link Comparable} record type, while the sink takes {@link Update}s; {@link
 * TestRow} and the adapter {@link TestingRowSink} bridge the two without changing the sink's
 * topology, committables or serializers. The suite checks the collection's committed, consolidated
 * contents: each row exactly as often as it was sent.
 *
 * <p>The suite polls for the expected rows without a deadline, so a missing or duplicated row would
 * hang a case; the class-level {@link Timeout} turns that into a failure.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PersistSinkTestSuiteITCase extends SinkTestSuiteBase<PersistSinkTestSuiteITCase.TestRow> {

    private static final String COLLECTION = "suite";

    /**
     * The time of every update. The suite's sources emit no watermarks ({@code
     * WatermarkStrategy.noWatermarks()}; its {@code FromElementsSource} emits none itself), and a
     * bounded source ends with {@code Long.MAX_VALUE}, which does not seal (no {@code
     * closeOnEndOfInput}). So the seal stays at its minimum {@code {0}} and time 0 is never late:
     * nothing is rejected or re-timed. {@link LateUpdatePolicy#ADVANCE} is set only as a guard, so
     * that an unexpected seal could re-time an update but never fail or drop it: the suite checks
     * the (key, value) multiset, which re-timing keeps.
     */
    private static final long UPDATE_TIME = 0L;

    @TestEnv MiniClusterTestEnvironment flink = new MiniClusterTestEnvironment();

    @TestSemantics CheckpointingMode[] semantics = {CheckpointingMode.EXACTLY_ONCE};

    @TestContext ExternalContextFactory<PersistSinkContext> persist = PersistSinkContext::new;

    // ------------------------------------------------------------------ record type

    /** A row of the suite: a unique key and a value, ordered by key then value. */
    public record TestRow(String key, String value) implements Comparable<TestRow>, Serializable {
        private static final Comparator<TestRow> ORDER =
                Comparator.comparing(TestRow::key).thenComparing(TestRow::value);

        @Override
        public int compareTo(TestRow o) {
            return ORDER.compare(this, o);
        }
    }

    // ------------------------------------------------------------------ adapter sink

    /**
     * Writes each {@link TestRow} as {@code Update.of(key, value, UPDATE_TIME, +1)} through a
     * wrapped {@link PersistSink}; every other method, and the pre-commit topology, is the wrapped
     * sink's.
     */
    static final class TestingRowSink
            implements Sink<TestRow>,
                    SupportsCommitter<PersistCommittable>,
                    SupportsPreCommitTopology<WriterResult, PersistCommittable> {

        private static final long serialVersionUID = 1L;

        private final PersistSink<Update<String, String>> delegate;

        TestingRowSink(PersistSink<Update<String, String>> delegate) {
            this.delegate = delegate;
        }

        @Override
        public CommittingSinkWriter<TestRow, WriterResult> createWriter(WriterInitContext context)
                throws IOException {
            return new RowWriter(delegate.createWriter(context));
        }

        @Override
        public Committer<PersistCommittable> createCommitter(CommitterInitContext context)
                throws IOException {
            return delegate.createCommitter(context);
        }

        @Override
        public SimpleVersionedSerializer<PersistCommittable> getCommittableSerializer() {
            return delegate.getCommittableSerializer();
        }

        @Override
        public DataStream<CommittableMessage<PersistCommittable>> addPreCommitTopology(
                DataStream<CommittableMessage<WriterResult>> results) {
            return delegate.addPreCommitTopology(results);
        }

        @Override
        public SimpleVersionedSerializer<WriterResult> getWriteResultSerializer() {
            return delegate.getWriteResultSerializer();
        }
    }

    /** Maps rows to updates and hands everything else to the persist writer. */
    private static final class RowWriter implements CommittingSinkWriter<TestRow, WriterResult> {
        private final CommittingSinkWriter<Update<String, String>, WriterResult> delegate;

        RowWriter(CommittingSinkWriter<Update<String, String>, WriterResult> delegate) {
            this.delegate = delegate;
        }

        @Override
        public void write(TestRow row, Context context) throws IOException, InterruptedException {
            delegate.write(Update.of(row.key(), row.value(), UPDATE_TIME, 1L), context);
        }

        @Override
        public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
            delegate.writeWatermark(watermark);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            delegate.flush(endOfInput);
        }

        @Override
        public Collection<WriterResult> prepareCommit() throws IOException, InterruptedException {
            return delegate.prepareCommit();
        }

        @Override
        public void close() throws Exception {
            delegate.close();
        }
    }

    // ------------------------------------------------------------------ external context

    /** One collection in a fresh temporary directory per test case. */
    static final class PersistSinkContext implements DataStreamSinkV2ExternalContext<TestRow> {
        private final String testName;
        private final Path location;

        PersistSinkContext(String testName) {
            this.testName = testName;
            try {
                this.location = Files.createTempDirectory("persist-sink-suite-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Sink<TestRow> createSink(TestingSinkSettings settings) {
            return new TestingRowSink(
                    PersistSink.<String, String>builder()
                            .location(location.toString())
                            .collection(COLLECTION)
                            .keyCodec(Codecs.string())
                            .valueCodec(Codecs.string())
                            .lateUpdates(LateUpdatePolicy.ADVANCE)
                            .build());
        }

        @Override
        public ExternalSystemDataReader<TestRow> createSinkDataReader(
                TestingSinkSettings settings) {
            return new CommittedRowsReader(location);
        }

        /** Between 100 and 300 rows with unique keys; values drawn from the seed. */
        @Override
        public List<TestRow> generateTestData(TestingSinkSettings settings, long seed) {
            Random random = new Random(seed);
            int n = 100 + random.nextInt(201);
            Set<TestRow> rows = new LinkedHashSet<>();
            for (int i = 0; i < n; i++) {
                rows.add(
                        new TestRow(
                                String.format("key-%016x-%05d", seed, i),
                                "value-" + Long.toHexString(random.nextLong())));
            }
            return new ArrayList<>(rows);
        }

        @Override
        public TypeInformation<TestRow> getProducedType() {
            return TypeInformation.of(TestRow.class);
        }

        @Override
        public List<URL> getConnectorJarPaths() {
            return List.of();
        }

        @Override
        public void close() throws IOException {
            if (!Files.exists(location)) {
                return;
            }
            try {
                checkFinalState();
            } finally {
                deleteRecursively();
            }
        }

        /**
         * After every case: the collection's last state satisfies its invariants, and all its
         * commits were made under one sink id, i.e. the id survived stop-with-savepoint, restore
         * and rescaling (DESIGN.md section 4), so a replayed committable is recognised.
         */
        private void checkFinalState() throws IOException {
            try (PersistCollection collection = PersistCollection.open(location, COLLECTION)) {
                CollectionState state = collection.refresh().validate();
                assertThat(state.writers())
                        .as(
                                "sink ids that committed to %s in %s (expected one, kept across restores)",
                                COLLECTION, testName)
                        .hasSizeLessThanOrEqualTo(1);
            }
        }

        private void deleteRecursively() throws IOException {
            try (Stream<Path> paths = Files.walk(location)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // Best effort: a cancelled job's maintenance thread may still be finishing a write.
            }
        }

        @Override
        public String toString() {
            return "persist(" + testName + ")";
        }
    }

    /**
     * Reads the collection's latest committed snapshot, consolidated, and returns each row as many
     * times as its diff, minus the times it already returned (a multiset), so that polling again
     * yields only rows committed since.
     */
    static final class CommittedRowsReader implements ExternalSystemDataReader<TestRow> {
        private final Path location;
        private final Map<TestRow, Long> returned = new HashMap<>();

        CommittedRowsReader(Path location) {
            this.location = location;
        }

        @Override
        public List<TestRow> poll(Duration timeout) {
            Map<TestRow, Long> committed;
            try {
                committed = readCommitted();
            } catch (IOException e) {
                // E.g. a batch replaced by maintenance between reading the state and the batch: try
                // again.
                sleep(timeout);
                return List.of();
            }
            List<TestRow> out = new ArrayList<>();
            committed.forEach(
                    (row, count) -> {
                        long already = returned.getOrDefault(row, 0L);
                        for (long i = already; i < count; i++) {
                            out.add(row);
                        }
                        if (count > already) {
                            returned.put(row, count);
                        }
                    });
            if (out.isEmpty()) {
                sleep(timeout);
            }
            return out;
        }

        private Map<TestRow, Long> readCommitted() throws IOException {
            Map<TestRow, Long> counts = new HashMap<>();
            try (PersistCollection collection = PersistCollection.open(location, COLLECTION);
                    UpdateCursor cursor = collection.snapshot().readConsolidated()) {
                while (cursor.advance()) {
                    TestRow row =
                            new TestRow(
                                    new String(cursor.key(), StandardCharsets.UTF_8),
                                    new String(cursor.value(), StandardCharsets.UTF_8));
                    counts.merge(row, cursor.diff(), Long::sum);
                }
            }
            counts.values().removeIf(d -> d <= 0);
            return counts;
        }

        private static void sleep(Duration timeout) {
            try {
                Thread.sleep(Math.min(timeout.toMillis(), 200));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {}
    }
}
