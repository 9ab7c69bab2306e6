package io.flinkpersist.sink.internal;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.sink.LateUpdatePolicy;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.annotation.Internal;

/**
 * The validated settings of a sink, shipped with the job graph.
 *
 * @param location where collections live (a directory, {@code file:} or {@code hdfs://} URI)
 * @param collection the collection's name
 * @param schema the key and value codecs the sink writes with, recorded in (and checked against)
 *     the collection
 * @param bufferSizeBytes the writer buffer's memory bound; a full buffer is spilled as a batch
 * @param lateUpdates what to do with updates before the seal
 * @param idleTimeout after how long without updates or watermark progress a writer stops holding
 *     back the seal
 * @param historyRetention how far since trails the seal (in time units); {@code null} never
 *     advances since
 * @param maintenance whether the committer runs drains, compaction and garbage collection
 * @param maxBacklog unsealed batches above which writers wait for maintenance to catch up
 * @param gcInterval how often the committer collects garbage
 * @param gcGracePeriod how old an unreferenced blob must be before it is collected
 * @param closeOnEndOfInput whether the end of a bounded input closes the collection (seal {@code
 *     {}})
 * @param maintenanceHook a test hook run before each maintenance round; {@code null} in production
 * @param commitHook a test hook run before each commit; {@code null} in production
 */
@Internal
public record SinkSettings(
        String location,
        String collection,
        CollectionSchema schema,
        long bufferSizeBytes,
        LateUpdatePolicy lateUpdates,
        Duration idleTimeout,
        Long historyRetention,
        boolean maintenance,
        int maxBacklog,
        Duration gcInterval,
        Duration gcGracePeriod,
        boolean closeOnEndOfInput,
        MaintenanceHook maintenanceHook,
        CommitHook commitHook)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public SinkSettings {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(lateUpdates, "lateUpdates");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(gcInterval, "gcInterval");
        Objects.requireNonNull(gcGracePeriod, "gcGracePeriod");
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
                CollectionConfig.defaults().withGcGracePeriod(gcGracePeriod),
                schema);
    }
}
