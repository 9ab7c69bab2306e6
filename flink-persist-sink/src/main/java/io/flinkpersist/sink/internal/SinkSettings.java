package io.flinkpersist.sink.internal;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.sink.CompactionStrategy;
import io.flinkpersist.sink.LateUpdatePolicy;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import org.apache.flink.annotation.Internal;

/**
 * The validated settings of a sink, shipped with the job graph, grouped by who uses them.
 *
 * @param location where collections live (a directory, {@code file:} or {@code hdfs://} URI)
 * @param collection the collection's name
 * @param schema the key and value codecs the sink writes with, recorded in (and checked against)
 *     the collection
 * @param writing what the writers do
 * @param committing what the committer does with each checkpoint's commit
 * @param maintenance what the background maintenance does
 * @param hooks test hooks ({@link TestHooks#NONE} in production)
 */
@Internal
public record SinkSettings(
        String location,
        String collection,
        CollectionSchema schema,
        Writing writing,
        Committing committing,
        Maintenance maintenance,
        TestHooks hooks)
        implements Serializable {

    private static final long serialVersionUID = 2L;

    public SinkSettings {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(writing, "writing");
        Objects.requireNonNull(committing, "committing");
        Objects.requireNonNull(maintenance, "maintenance");
        Objects.requireNonNull(hooks, "hooks");
    }

    /**
     * The writers' settings.
     *
     * @param bufferSizeBytes the buffer's memory bound; a full buffer is spilled as a batch
     * @param lateUpdates what to do with updates before the seal
     * @param idleTimeout after how long without updates or watermark progress a writer stops
     *     holding back the seal
     * @param maxBacklog unsealed batches above which writers wait for maintenance to catch up
     */
    public record Writing(
            long bufferSizeBytes,
            LateUpdatePolicy lateUpdates,
            Duration idleTimeout,
            int maxBacklog)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public Writing {
            Objects.requireNonNull(lateUpdates, "lateUpdates");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
        }
    }

    /**
     * The committer's settings.
     *
     * @param historyRetention how far since trails the seal, in time units
     * @param keepHistory whether since never advances (then {@code historyRetention} is unused)
     * @param closeOnEndOfInput whether the end of a bounded input closes the collection
     * @param commitEpochs whether records are stamped with the writers' commit epochs, not their
     *     own times (the writers then make their own watermarks)
     */
    public record Committing(
            long historyRetention,
            boolean keepHistory,
            boolean closeOnEndOfInput,
            boolean commitEpochs)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        /** How far since trails the seal; empty when since never advances. */
        public OptionalLong sinceLag() {
            return keepHistory ? OptionalLong.empty() : OptionalLong.of(historyRetention);
        }
    }

    /**
     * The background maintenance's settings.
     *
     * @param enabled whether the committer runs drains, compaction and garbage collection
     * @param compaction which trace merges it runs
     * @param gcInterval how often it collects garbage
     * @param gcGracePeriod how old an unreferenced blob must be before it is collected
     * @param partBytes the stored size merges aim at for each part of their output, so a merge of
     *     {@code n} bytes is spread over about {@code n / partBytes} parts written in parallel
     */
    public record Maintenance(
            boolean enabled,
            CompactionStrategy compaction,
            Duration gcInterval,
            Duration gcGracePeriod,
            long partBytes)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public Maintenance {
            Objects.requireNonNull(compaction, "compaction");
            Objects.requireNonNull(gcInterval, "gcInterval");
            Objects.requireNonNull(gcGracePeriod, "gcGracePeriod");
        }

        /** With the default part size. */
        public Maintenance(
                boolean enabled,
                CompactionStrategy compaction,
                Duration gcInterval,
                Duration gcGracePeriod) {
            this(
                    enabled,
                    compaction,
                    gcInterval,
                    gcGracePeriod,
                    CollectionConfig.DEFAULT_PART_BYTES);
        }
    }

    /**
     * Hooks for tests: each may be null.
     *
     * @param beforeRound runs before each maintenance round, in the maintenance thread
     * @param beforeCommit runs in the committer before the commit of a checkpoint
     * @param mergeWork runs in the merge workers as they write merge parts and before they install
     *     a merge
     */
    public record TestHooks(
            MaintenanceHook beforeRound, CommitHook beforeCommit, MergeWorkHook mergeWork)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        /** No hooks: production. */
        public static final TestHooks NONE = new TestHooks(null, null, null);

        public TestHooks(MaintenanceHook beforeRound, CommitHook beforeCommit) {
            this(beforeRound, beforeCommit, null);
        }
    }

    /**
     * Sees the merge work of the sink's merge workers; for tests. An exception it throws fails the
     * worker's task.
     */
    public interface MergeWorkHook extends Serializable {
        /** Merge work subtask {@code subtask} wrote a part of {@code bytes}. */
        default void partWritten(int subtask, String requestId, int part, long bytes)
                throws Exception {}

        /** Subtask {@code subtask} found every part written and is about to install them. */
        default void beforeComplete(int subtask, String requestId) throws Exception {}
    }

    /** Runs before each maintenance round, in the maintenance thread; for tests. */
    @FunctionalInterface
    public interface MaintenanceHook extends Serializable {
        void beforeRound() throws InterruptedException;
    }

    /** Runs in the committer before the commit of a checkpoint; for tests (e.g. to fail there). */
    @FunctionalInterface
    public interface CommitHook extends Serializable {
        void beforeCommit(long checkpointId) throws Exception;
    }

    /**
     * Opens the collection for writing: creates it holding the schema, records the schema in a
     * collection that has none yet, and refuses one that holds another.
     */
    public PersistCollection open() throws IOException {
        return PersistCollection.open(
                location,
                collection,
                CollectionConfig.defaults()
                        .withGcGracePeriod(maintenance.gcGracePeriod())
                        .withCompactionPolicy(maintenance.compaction().policy())
                        .withPartBytes(maintenance.partBytes()),
                schema);
    }
}
