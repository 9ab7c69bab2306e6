package io.flinkpersist.source;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.PersistCollection;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import org.apache.flink.annotation.Internal;

/**
 * The validated settings of a source, shipped with the job graph.
 *
 * @param location where collections live
 * @param collection the collection's name
 * @param schema the key and value codecs the source reads with, checked against the collection's
 *     schema
 * @param asOf the time to read as of, or {@code Long.MIN_VALUE} for the whole snapshot
 * @param consolidated whether each {@code (key, value)} is emitted once with its net diff
 * @param leaseDuration how long the reader lease lives without renewal
 * @param pollInterval how often a continuous read polls for a new seal; null for a bounded read
 * @param filter what the read may leave out
 * @param until a bounded changelog read ends at this time: the snapshot (as of {@code asOf}, or
 *     since), then every change before {@code until}; {@code Long.MIN_VALUE}: none
 * @param countRows whether each split emits only its row count (a bounded snapshot read)
 */
@Internal
public record SourceSettings(
        String location,
        String collection,
        CollectionSchema schema,
        long asOf,
        boolean consolidated,
        Duration leaseDuration,
        Duration pollInterval,
        ReadFilter filter,
        long until,
        boolean countRows)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public SourceSettings {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(leaseDuration, "leaseDuration");
        Objects.requireNonNull(filter, "filter");
    }

    /** Settings that read everything, with no end time. */
    public SourceSettings(
            String location,
            String collection,
            CollectionSchema schema,
            long asOf,
            boolean consolidated,
            Duration leaseDuration,
            Duration pollInterval) {
        this(
                location,
                collection,
                schema,
                asOf,
                consolidated,
                leaseDuration,
                pollInterval,
                ReadFilter.NONE,
                Long.MIN_VALUE,
                false);
    }

    /**
     * Whether the read follows the seal: unbounded, or a bounded changelog up to {@link #until}.
     */
    public boolean continuous() {
        return pollInterval != null;
    }

    /** The end time of a bounded changelog read, if it is one. */
    public OptionalLong untilTime() {
        return until == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(until);
    }

    /** Whether the read ends: a snapshot, or a changelog up to an end time. */
    public boolean bounded() {
        return !continuous() || untilTime().isPresent();
    }

    public OptionalLong asOfTime() {
        return asOf == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(asOf);
    }

    /**
     * Opens the collection for reading: never creates it, and refuses one that holds another
     * schema.
     *
     * @throws io.flinkpersist.CollectionNotFoundException if there is no such collection
     * @throws IllegalArgumentException if the collection holds another schema
     */
    public PersistCollection open() throws IOException {
        PersistCollection c =
                PersistCollection.openExisting(
                        location,
                        collection,
                        CollectionConfig.defaults().withLeaseDuration(leaseDuration));
        try {
            c.checkSchema(schema);
        } catch (IllegalArgumentException e) {
            c.close();
            throw e;
        }
        return c;
    }
}
