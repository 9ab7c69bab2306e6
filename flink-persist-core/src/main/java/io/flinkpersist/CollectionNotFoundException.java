package io.flinkpersist;

import java.io.IOException;
import java.util.List;

/**
 * Opening a collection for reading found no collection: nothing was created. Only writers create
 * collections. The message names the location and the collection, and the collections that do exist
 * there when they could be listed cheaply.
 */
public final class CollectionNotFoundException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String location;
    private final String collection;

    /**
     * Collection {@code collection} under {@code location}, with the collections {@code present}
     * there.
     */
    public CollectionNotFoundException(String location, String collection, List<String> present) {
        super(
                "Cannot open collection "
                        + collection
                        + " at "
                        + location
                        + ": no such collection (no state records"
                        + (present.isEmpty()
                                ? "; no collection is there"
                                : "; collections there: " + String.join(", ", present))
                        + "; check the location and the name, or write to it first)");
        this.location = location;
        this.collection = collection;
    }

    /** The collection whose blob store is at {@code storeLocation}. */
    public CollectionNotFoundException(String storeLocation) {
        super(
                "Cannot open collection at "
                        + storeLocation
                        + ": no such collection (no state records; check the"
                        + " location and the name, or write to it first)");
        this.location = storeLocation;
        this.collection = "";
    }

    public String location() {
        return location;
    }

    /** The collection's name; empty when only its store's location is known. */
    public String collection() {
        return collection;
    }
}
