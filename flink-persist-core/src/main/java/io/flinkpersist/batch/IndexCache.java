package io.flinkpersist.batch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded cache of batch files' index regions, for point lookups: everything a lookup reads
 * before it reads data pages. Parquet writes the bloom filters, the column and offset indexes and
 * the footer after the last row group, so the cache keeps, per file, its bytes from the first of
 * them to the end; a lookup that finds its file here reads only the data pages that can hold its
 * key. Least recently used files go first once the bytes held pass the bound. Blob keys are never
 * reused for other contents, so an entry never goes stale.
 *
 * <p>Thread-safe. Also counts what lookups read from storage (bytes and row groups), for metrics.
 */
public final class IndexCache {

    /** The default bound: 64 MiB of file tails. */
    public static final long DEFAULT_MAX_BYTES = 64L << 20;

    /** A file's length and its bytes from {@code start} to the end. */
    record Tail(long length, long start, byte[] bytes) {

        /** Whether {@code [position, position + len)} lies in the cached bytes. */
        boolean covers(long position, int len) {
            return position >= start && position + len <= length;
        }
    }

    private final long maxBytes;
    private final LinkedHashMap<String, Tail> tails = new LinkedHashMap<>(16, 0.75f, true);
    private long heldBytes;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder rowGroupsRead = new LongAdder();

    public IndexCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException(
                    "Cannot create an index cache of negative size (maxBytes=" + maxBytes + ")");
        }
        this.maxBytes = maxBytes;
    }

    /** A cache that keeps nothing: every lookup reads its files' footers and indexes. */
    public static IndexCache disabled() {
        return new IndexCache(0);
    }

    synchronized Tail get(String key) {
        Tail t = tails.get(key);
        if (t == null) {
            misses.increment();
        } else {
            hits.increment();
        }
        return t;
    }

    synchronized void put(String key, Tail tail) {
        if (tail.bytes().length > maxBytes) {
            return;
        }
        Tail old = tails.put(key, tail);
        heldBytes += tail.bytes().length - (old == null ? 0 : old.bytes().length);
        var it = tails.entrySet().iterator();
        while (heldBytes > maxBytes && it.hasNext()) {
            Map.Entry<String, Tail> eldest = it.next();
            heldBytes -= eldest.getValue().bytes().length;
            it.remove();
        }
    }

    void countRead(long bytes) {
        bytesRead.add(bytes);
    }

    void countRowGroup() {
        rowGroupsRead.increment();
    }

    /** Files whose index region was found here. */
    public long hits() {
        return hits.sum();
    }

    /** Files whose index region had to be read. */
    public long misses() {
        return misses.sum();
    }

    /** Bytes lookups read from storage (index regions on a miss, and data pages). */
    public long bytesRead() {
        return bytesRead.sum();
    }

    /** Row groups lookups decoded pages of. */
    public long rowGroupsRead() {
        return rowGroupsRead.sum();
    }

    /** Bytes of file tails held now. */
    public synchronized long heldBytes() {
        return heldBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
