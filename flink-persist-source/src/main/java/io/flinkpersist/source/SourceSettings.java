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
 */
@Internal
public record SourceSettings(
        String location,
        String collection,
        CollectionSchema schema,
        long asOf,
        boolean consolidated,
        Duration leaseDuration,
        Duration pollInterval)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public SourceSettings {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(leaseDuration, "leaseDuration");
    }

    public boolean continuous() {
        return pollInterval != null;
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
