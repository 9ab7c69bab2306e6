package io.flinkpersist.source;

import io.flinkpersist.batch.IndexCache;
import java.util.function.Supplier;
import org.apache.flink.annotation.Internal;
import org.apache.flink.metrics.MetricGroup;

/**
 * The gauges of what a lookup operator's reads cost, from its {@link IndexCache}: bytes read from
 * storage, files opened, decoded pages found kept and read, and row groups a key bloom filter ruled
 * out. Shared by the DataStream and the SQL lookups.
 */
@Internal
public final class LookupMetrics {

    private LookupMetrics() {}

    /** Registers the gauges of {@code cache} (read when reported) on {@code group}. */
    public static void register(MetricGroup group, Supplier<IndexCache> cache) {
        group.gauge("lookupBytesRead", () -> cache.get().bytesRead());
        group.gauge("lookupFilesOpened", () -> cache.get().misses());
        group.gauge("lookupPageCacheHits", () -> cache.get().pageCacheHits());
        group.gauge("lookupPageCacheMisses", () -> cache.get().pageCacheMisses());
        group.gauge("lookupBloomFilterSkips", () -> cache.get().bloomSkips());
    }
}
