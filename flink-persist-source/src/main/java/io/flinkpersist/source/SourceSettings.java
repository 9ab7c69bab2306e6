package io.flinkpersist.source;

import io.flinkpersist.CollectionConfig;
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
 * @param asOf the time to read as of, or {@code Long.MIN_VALUE} for the whole snapshot
 * @param consolidated whether each {@code (key, value)} is emitted once with its net diff
 * @param leaseDuration how long the reader lease lives without renewal
 * @param pollInterval how often a continuous read polls for a new seal; null for a bounded read
 */
@Internal
public record SourceSettings(
        String location, String collection, long asOf, boolean consolidated, Duration leaseDuration, Duration pollInterval)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public SourceSettings {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(leaseDuration, "leaseDuration");
    }

    public boolean continuous() {
        return pollInterval != null;
    }

    public OptionalLong asOfTime() {
        return asOf == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(asOf);
    }

    public PersistCollection open() throws IOException {
        return PersistCollection.open(location, collection, CollectionConfig.defaults().withLeaseDuration(leaseDuration));
    }
}
