package io.flinkpersist.batch;

import java.util.OptionalLong;

/**
 * What a {@link BatchWriter} wrote.
 *
 * @param key the blob key of the batch file
 * @param sizeBytes the size of the published file
 * @param updateCount the number of updates (rows)
 * @param diffSum the sum of their diffs; {@link io.flinkpersist.DiffSums#UNKNOWN} if it overflowed
 * @param minTime the least time of any update; empty when {@code updateCount == 0}
 * @param maxTime the greatest time of any update; empty when {@code updateCount == 0}
 */
public record BatchStats(
        String key,
        long sizeBytes,
        long updateCount,
        long diffSum,
        OptionalLong minTime,
        OptionalLong maxTime) {}
