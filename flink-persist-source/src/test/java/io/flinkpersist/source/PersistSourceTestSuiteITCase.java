package io.flinkpersist.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Codecs;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.source.enumerator.PersistEnumeratorState;
import io.flinkpersist.source.split.PersistSplit;
import io.flinkpersist.state.CollectionState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.testframe.environment.MiniClusterTestEnvironment;
import org.apache.flink.connector.testframe.external.ExternalContextFactory;
import org.apache.flink.connector.testframe.external.ExternalSystemSplitDataWriter;
import org.apache.flink.connector.testframe.external.source.DataStreamSourceExternalContext;
import org.apache.flink.connector.testframe.external.source.TestingSourceSettings;
import org.apache.flink.connector.testframe.junit.annotations.TestContext;
import org.apache.flink.connector.testframe.junit.annotations.TestEnv;
import org.apache.flink.connector.testframe.junit.annotations.TestSemantics;
import org.apache.flink.connector.testframe.testsuites.SourceTestSuiteBase;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.junit.jupiter.api.Timeout;

/**
 * Flink's own source test suite ({@link SourceTestSuiteBase}) against {@link PersistSource} on a
 * MiniCluster, exactly once, in both modes: every case runs once with a raw and once with a
 * consolidated source (two {@link TestContext} factories). Bounded cases read the snapshot; the
 * suite's {@code CONTINUOUS_UNBOUNDED} cases use the continuous mode ({@code continuous(100 ms)}).
 *
 * <h2>What a suite "split" is</h2>
 *
 * {@code createSourceSplitDataWriter} creates a writer that owns a key prefix of its own ({@code
 * split-0003/}); each {@code writeRecords} call appends one batch at the current seal {@code s},
 * one update per record with diff +1, keyed {@code prefix + sequence number} (zero-padded, so
 * increasing in byte order) with the record as the value, and then seals at {@code s + 1} so a
 * continuous read sees it. The source's output is mapped back to the value. So the generated order
 * of a suite split is its key order, which is the order both modes read one batch in:
 *
 * <ul>
 *   <li><b>Raw</b> (and every interval of a continuous read, which is planned raw): a suite split's
 *       write is one batch. Batches are stored sorted by key, raw splits are sets of whole row
 *       groups read in file order, and one write (well under the 8 MiB default row group) is one
 *       row group, so one reader reads it, in key order.
 *   <li><b>Consolidated</b> (the bounded snapshot, or a continuous read's initial snapshot): a
 *       suite split is one key range (its prefix). Consolidated splits are key ranges cut only at
 *       row-group minimum keys and read in key order; with one row group per write every cut falls
 *       between two suite splits, so one reader reads each suite split, in key order. (With several
 *       row groups per suite split a cut could fall inside one and the per-split order across two
 *       readers would not hold; the suite's data never gets there.)
 * </ul>
 *
 * The per-split order check is therefore meaningful and holds in both modes (a writer that assigns
 * keys in reverse fails {@code testSourceSingleSplit} and {@code testMultipleSplits}), and the
 * multiset check covers consolidation: a record read with a diff other than +1 is emitted as {@code
 * "<value> (diff d)"} and fails the comparison.
 *
 * <h2>Cases</h2>
 *
 * <ul>
 *   <li>{@code testSourceSingleSplit}, {@code testMultipleSplits}, {@code testIdleReader}
 *       (bounded), {@code testSourceMetrics}, {@code testTaskManagerFailure}, {@code
 *       testSavepoint}, {@code testScaleUp} and {@code testScaleDown} (continuous).
 * </ul>
 *
 * <p>After every case the collection's last state is validated and the source's reader lease must
 * have been released. The suite waits for results without a deadline; the class-level {@link
 * Timeout} turns a lost or duplicated record into a failure.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PersistSourceTestSuiteITCase extends SourceTestSuiteBase<String> {

    private static final String COLLECTION = "suite";

    /** How often a continuous source polls for a new seal. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    @TestEnv MiniClusterTestEnvironment flink = new MiniClusterTestEnvironment();

    @TestSemantics CheckpointingMode[] semantics = {CheckpointingMode.EXACTLY_ONCE};

    @TestContext
    ExternalContextFactory<PersistSourceContext> raw =
            name -> new PersistSourceContext(name, false);

    @TestContext
    ExternalContextFactory<PersistSourceContext> consolidated =
            name -> new PersistSourceContext(name, true);

    /** The suite's record for an update read back: the value, marked when its diff is not +1. */
    static String toRecord(Update<String, String> u) {
        return u.diff() == 1 ? u.value() : u.value() + " (diff " + u.diff() + ")";
    }

    // ------------------------------------------------------------------ external context

    /** One collection in a fresh temporary directory per test case, read raw or consolidated. */
    static final class PersistSourceContext implements DataStreamSourceExternalContext<String> {
        private final String testName;
        private final boolean consolidated;
        private final Path location;
        private final AtomicInteger splits = new AtomicInteger();

        PersistSourceContext(String testName, boolean consolidated) {
            this.testName = testName;
            this.consolidated = consolidated;
            try {
                this.location = Files.createTempDirectory("persist-source-suite-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Source<String, ?, ?> createSource(TestingSourceSettings settings) {
            PersistSourceBuilder<String, String> builder =
                    PersistSource.<String, String>builder()
                            .location(location.toString())
                            .collection(COLLECTION)
                            .keyCodec(Codecs.string())
                            .valueCodec(Codecs.string())
                            .consolidated(consolidated)
                            .producedType(
                                    TypeInformation.of(new TypeHint<Update<String, String>>() {}));
            if (settings.getBoundedness() == Boundedness.CONTINUOUS_UNBOUNDED) {
                builder.continuous(POLL_INTERVAL);
            }
            return new TestingRecordSource(builder.build());
        }

        @Override
        public ExternalSystemSplitDataWriter<String> createSourceSplitDataWriter(
                TestingSourceSettings settings) {
            return new PrefixSplitWriter(
                    location, String.format("split-%04d/", splits.getAndIncrement()));
        }

        /** Between 20 and 300 distinct records; distinct across splits through the seed. */
        @Override
        public List<String> generateTestData(
                TestingSourceSettings settings, int splitIndex, long seed) {
            Random random = new Random(seed);
            int n = 20 + random.nextInt(281);
            List<String> records = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                records.add(
                        String.format(
                                "r-%d-%016x-%04d-%x", splitIndex, seed, i, random.nextLong()));
            }
            return records;
        }

        @Override
        public TypeInformation<String> getProducedType() {
            return Types.STRING;
        }

        @Override
        public List<URL> getConnectorJarPaths() {
            return List.of();
        }

        @Override
        public void close() throws Exception {
            try {
                checkFinalState();
            } finally {
                deleteRecursively();
            }
        }

        /**
         * The last state satisfies its invariants, and no reader lease is left: the enumerator
         * releases its lease when the job ends (DESIGN.md section 5). Closing the enumerator may
         * trail the job's end a little, so this waits up to 30 seconds.
         */
        private void checkFinalState() throws Exception {
            if (!Files.exists(location.resolve(COLLECTION))) {
                return;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            try (PersistCollection collection = PersistCollection.open(location, COLLECTION)) {
                CollectionState state = collection.refresh().validate();
                while (!state.leases().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    state = collection.refresh().validate();
                }
                assertThat(state.leases())
                        .as("reader leases left on %s after %s", COLLECTION, testName)
                        .isEmpty();
            }
        }

        private void deleteRecursively() {
            try (Stream<Path> paths = Files.walk(location)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // Best effort.
            }
        }

        @Override
        public String toString() {
            return (consolidated ? "consolidated" : "raw") + "(" + testName + ")";
        }
    }

    /**
     * A suite split: appends each list of records as one batch, keyed by this writer's prefix and
     * an increasing sequence number, so the key order is the order written.
     */
    static final class PrefixSplitWriter implements ExternalSystemSplitDataWriter<String> {
        private final Path location;
        private final String prefix;
        private long next;

        PrefixSplitWriter(Path location, String prefix) {
            this.location = location;
            this.prefix = prefix;
        }

        @Override
        public void writeRecords(List<String> records) {
            try (PersistCollection collection = PersistCollection.open(location, COLLECTION)) {
                long time = collection.refresh().seal().time();
                List<Update<String, String>> updates = new ArrayList<>(records.size());
                for (String r : records) {
                    updates.add(Update.of(prefix + String.format("%010d", next++), r, time, 1L));
                }
                collection.append(updates, Codecs.string(), Codecs.string());
                collection.seal(time + 1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {}
    }

    // ------------------------------------------------------------------ adapter source

    /**
     * A {@code Source<String>} over a {@link PersistSource}: enumerator, splits and serializers are
     * the wrapped source's; its reader is wrapped to emit {@link #toRecord}.
     */
    static final class TestingRecordSource
            implements Source<String, PersistSplit, PersistEnumeratorState>,
                    ResultTypeQueryable<String> {

        private static final long serialVersionUID = 1L;

        private final PersistSource<Update<String, String>> delegate;

        TestingRecordSource(PersistSource<Update<String, String>> delegate) {
            this.delegate = delegate;
        }

        @Override
        public Boundedness getBoundedness() {
            return delegate.getBoundedness();
        }

        @Override
        public SplitEnumerator<PersistSplit, PersistEnumeratorState> createEnumerator(
                SplitEnumeratorContext<PersistSplit> context) throws Exception {
            return delegate.createEnumerator(context);
        }

        @Override
        public SplitEnumerator<PersistSplit, PersistEnumeratorState> restoreEnumerator(
                SplitEnumeratorContext<PersistSplit> context, PersistEnumeratorState checkpoint)
                throws Exception {
            return delegate.restoreEnumerator(context, checkpoint);
        }

        @Override
        public SimpleVersionedSerializer<PersistSplit> getSplitSerializer() {
            return delegate.getSplitSerializer();
        }

        @Override
        public SimpleVersionedSerializer<PersistEnumeratorState>
                getEnumeratorCheckpointSerializer() {
            return delegate.getEnumeratorCheckpointSerializer();
        }

        @Override
        public SourceReader<String, PersistSplit> createReader(SourceReaderContext context)
                throws Exception {
            return new RecordReader(delegate.createReader(context));
        }

        @Override
        public TypeInformation<String> getProducedType() {
            return Types.STRING;
        }
    }

    /** Delegates everything to the persist reader, mapping what it emits. */
    private static final class RecordReader implements SourceReader<String, PersistSplit> {
        private final SourceReader<Update<String, String>, PersistSplit> delegate;
        private ReaderOutput<String> lastOutput;
        private MappingReaderOutput mapped;

        RecordReader(SourceReader<Update<String, String>, PersistSplit> delegate) {
            this.delegate = delegate;
        }

        @Override
        public void start() {
            delegate.start();
        }

        @Override
        public InputStatus pollNext(ReaderOutput<String> output) throws Exception {
            if (output != lastOutput) {
                lastOutput = output;
                mapped = new MappingReaderOutput(output);
            }
            return delegate.pollNext(mapped);
        }

        @Override
        public List<PersistSplit> snapshotState(long checkpointId) {
            return delegate.snapshotState(checkpointId);
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return delegate.isAvailable();
        }

        @Override
        public void addSplits(List<PersistSplit> splits) {
            delegate.addSplits(splits);
        }

        @Override
        public void notifyNoMoreSplits() {
            delegate.notifyNoMoreSplits();
        }

        @Override
        public void handleSourceEvents(SourceEvent event) {
            delegate.handleSourceEvents(event);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            delegate.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void notifyCheckpointAborted(long checkpointId) throws Exception {
            delegate.notifyCheckpointAborted(checkpointId);
        }

        @Override
        public void pauseOrResumeSplits(Collection<String> toPause, Collection<String> toResume) {
            delegate.pauseOrResumeSplits(toPause, toResume);
        }

        @Override
        public void close() throws Exception {
            delegate.close();
        }
    }

    /** A split's output: maps updates to records. */
    private static class MappingOutput implements SourceOutput<Update<String, String>> {
        private final SourceOutput<String> out;

        MappingOutput(SourceOutput<String> out) {
            this.out = out;
        }

        @Override
        public void collect(Update<String, String> u) {
            out.collect(toRecord(u));
        }

        @Override
        public void collect(Update<String, String> u, long timestamp) {
            out.collect(toRecord(u), timestamp);
        }

        @Override
        public void emitWatermark(Watermark watermark) {
            out.emitWatermark(watermark);
        }

        @Override
        public void markIdle() {
            out.markIdle();
        }

        @Override
        public void markActive() {
            out.markActive();
        }
    }

    /** The reader's main output: maps updates, and wraps the per-split outputs it creates. */
    private static final class MappingReaderOutput extends MappingOutput
            implements ReaderOutput<Update<String, String>> {
        private final ReaderOutput<String> out;

        MappingReaderOutput(ReaderOutput<String> out) {
            super(out);
            this.out = out;
        }

        @Override
        public SourceOutput<Update<String, String>> createOutputForSplit(String splitId) {
            return new MappingOutput(out.createOutputForSplit(splitId));
        }

        @Override
        public void releaseOutputForSplit(String splitId) {
            out.releaseOutputForSplit(splitId);
        }
    }
}
