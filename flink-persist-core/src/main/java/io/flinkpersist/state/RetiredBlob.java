package io.flinkpersist.state;

import java.util.Objects;

/**
 * A batch blob that no longer belongs to the collection as of state {@code retiredAt}: it is still
 * referenced by older state versions and is deleted by garbage collection once no reader can need
 * it.
 */
public record RetiredBlob(String key, long retiredAt) {
    public RetiredBlob {
        Objects.requireNonNull(key, "key");
    }
}
