package io.flinkpersist.state;

import java.util.Objects;

/**
 * A trace batch as the state records it: a sorted, consolidated Parquet blob of every update in its
 * {@link Description}, with a compaction level.
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li>I5, I6: see {@link Description}.
 *   <li>{@code level >= 0}; levels are non-increasing from oldest to newest (I7, checked by {@link
 *       CollectionState#validate()}).
 * </ul>
 *
 * @param key the blob key
 * @param desc the interval and since of the updates it holds
 * @param level the compaction level (0 for a batch straight from a drain)
 * @param sizeBytes the blob's length
 * @param updateCount the number of updates
 */
public record TraceBatchMeta(
        String key, Description desc, int level, long sizeBytes, long updateCount) {

    public TraceBatchMeta {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(desc, "desc");
    }

    public void validate() {
        desc.validate();
        InvariantViolationException.check(
                level >= 0 && sizeBytes > 0 && updateCount >= 0,
                "I5",
                "trace batch must have level >= 0 and a size (key=%s, level=%d, sizeBytes=%d, updateCount=%d)",
                key,
                level,
                sizeBytes,
                updateCount);
    }
}
