package io.flinkpersist.batch;

import io.flinkpersist.blob.CorruptBlobException;
import java.io.Closeable;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A least-recently-used cache of {@link DecodedRowGroup}s keyed by {@code (blob key, row group
 * index)}, bounded by the sum of their {@link DecodedRowGroup#sizeBytes()}. Batch files are
 * immutable, so an entry never goes stale; {@link #invalidate} only frees the memory of a blob that
 * was deleted. Read through it with {@link BatchReader#open(io.flinkpersist.blob.BlobStore, String,
 * int, int, BatchCache)}.
 *
 * <p>Thread-safe: every operation holds one lock for a map operation, never during I/O or decoding.
 * The bound covers the row groups themselves, not the map's own entries (about 100 bytes each).
 *
 * <h2>Invariants</h2>
 *
 * <p>{@code sizeBytes() <= maxBytes()} and {@code sizeBytes()} is the sum of the entries' sizes,
 * after every operation (checked under {@code assert}).
 */
public final class BatchCache {

    private static final BatchCache DISABLED = new BatchCache();

    private final boolean enabled;
    private final long maxBytes;
    private final Object lock = new Object();

    /** Guarded by {@link #lock}; access order, so iteration starts at the least recently used. */
    private final LinkedHashMap<Entry, DecodedRowGroup> entries =
            new LinkedHashMap<>(16, 0.75f, true);

    private long sizeBytes;
    private long hits;
    private long misses;
    private long evictions;

    /**
     * A cache holding at most {@code maxBytes} of decoded row groups.
     *
     * @throws IllegalArgumentException if {@code maxBytes} is not positive; use {@link #disabled()}
     *     for no cache
     */
    public BatchCache(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException(
                    "Cannot create batch cache: maxBytes must be positive; use BatchCache.disabled() for no cache"
                            + " (maxBytes="
                            + maxBytes
                            + ")");
        }
        this.enabled = true;
        this.maxBytes = maxBytes;
    }

    private BatchCache() {
        this.enabled = false;
        this.maxBytes = 0;
    }

    /**
     * The cache that holds nothing: {@link #get} always returns empty, {@link #put} does nothing,
     * and all counters stay 0 (it is shared). Reading through it is reading without a cache.
     */
    public static BatchCache disabled() {
        return DISABLED;
    }

    /** Whether this cache can hold anything (false only for {@link #disabled()}). */
    public boolean isEnabled() {
        return enabled;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Returns row group {@code rowGroup} of blob {@code blobKey} if cached, counting a hit or a
     * miss.
     */
    public Optional<DecodedRowGroup> get(String blobKey, int rowGroup) {
        Objects.requireNonNull(blobKey, "blobKey");
        if (!enabled) {
            return Optional.empty();
        }
        synchronized (lock) {
            DecodedRowGroup group = entries.get(new Entry(blobKey, rowGroup));
            if (group != null) {
                hits++;
            } else {
                misses++;
            }
            return Optional.ofNullable(group);
        }
    }

    /**
     * Like {@link #get} but counts neither a hit nor a miss (it does count as a use for the LRU
     * order).
     */
    Optional<DecodedRowGroup> peek(String blobKey, int rowGroup) {
        if (!enabled) {
            return Optional.empty();
        }
        synchronized (lock) {
            return Optional.ofNullable(entries.get(new Entry(blobKey, rowGroup)));
        }
    }

    /**
     * Caches {@code group} as row group {@code rowGroup} of blob {@code blobKey}, replacing an
     * earlier entry for the same row group, and evicts least recently used entries until the cache
     * is within its bound. A group larger than {@link #maxBytes()} is not cached.
     *
     * @return whether the group is now cached
     * @throws IllegalArgumentException if {@code rowGroup} is not the group's own index
     */
    public boolean put(String blobKey, int rowGroup, DecodedRowGroup group) {
        Objects.requireNonNull(blobKey, "blobKey");
        Objects.requireNonNull(group, "group");
        if (group.rowGroup() != rowGroup) {
            throw new IllegalArgumentException(
                    "Cannot cache row group of blob "
                            + blobKey
                            + ": the index does not match the group's (rowGroup="
                            + rowGroup
                            + ", group.rowGroup="
                            + group.rowGroup()
                            + ")");
        }
        if (!enabled || group.sizeBytes() > maxBytes) {
            return false;
        }
        synchronized (lock) {
            DecodedRowGroup old = entries.put(new Entry(blobKey, rowGroup), group);
            if (old != null) {
                sizeBytes -= old.sizeBytes();
            }
            sizeBytes += group.sizeBytes();
            Iterator<DecodedRowGroup> eldest = entries.values().iterator();
            while (sizeBytes > maxBytes) {
                // The new entry is the youngest and fits alone, so an older one is found first.
                DecodedRowGroup evicted = eldest.next();
                eldest.remove();
                sizeBytes -= evicted.sizeBytes();
                evictions++;
            }
            assert checkSize();
            return true;
        }
    }

    /**
     * Drops every cached row group of blob {@code blobKey} (for a deleted blob); returns how many.
     * Not counted as evictions.
     */
    public int invalidate(String blobKey) {
        Objects.requireNonNull(blobKey, "blobKey");
        if (!enabled) {
            return 0;
        }
        synchronized (lock) {
            int removed = 0;
            Iterator<Map.Entry<Entry, DecodedRowGroup>> it = entries.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<Entry, DecodedRowGroup> e = it.next();
                if (e.getKey().blobKey.equals(blobKey)) {
                    sizeBytes -= e.getValue().sizeBytes();
                    it.remove();
                    removed++;
                }
            }
            assert checkSize();
            return removed;
        }
    }

    /** The number of {@link #get} calls that found an entry. */
    public long hits() {
        synchronized (lock) {
            return hits;
        }
    }

    /** The number of {@link #get} calls that found none. */
    public long misses() {
        synchronized (lock) {
            return misses;
        }
    }

    /** The number of entries dropped to stay within {@link #maxBytes()}. */
    public long evictions() {
        synchronized (lock) {
            return evictions;
        }
    }

    /** The sum of {@link DecodedRowGroup#sizeBytes()} of the cached row groups. */
    public long sizeBytes() {
        synchronized (lock) {
            return sizeBytes;
        }
    }

    public int entryCount() {
        synchronized (lock) {
            return entries.size();
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "BatchCache(enabled="
                    + enabled
                    + ", maxBytes="
                    + maxBytes
                    + ", sizeBytes="
                    + sizeBytes
                    + ", entries="
                    + entries.size()
                    + ", hits="
                    + hits
                    + ", misses="
                    + misses
                    + ", evictions="
                    + evictions
                    + ")";
        }
    }

    /** Holds {@link #lock}. */
    private boolean checkSize() {
        long sum = 0;
        for (DecodedRowGroup g : entries.values()) {
            sum += g.sizeBytes();
        }
        if (sum != sizeBytes || sizeBytes > maxBytes) {
            throw new IllegalStateException(
                    "Batch cache accounting is broken: sizeBytes must equal the sum of the entries and stay within"
                            + " maxBytes (sizeBytes="
                            + sizeBytes
                            + ", sum="
                            + sum
                            + ", maxBytes="
                            + maxBytes
                            + ")");
        }
        return true;
    }

    private record Entry(String blobKey, int rowGroup) {}

    /**
     * The cursor of a read through the cache: serves row groups {@code from} to {@code from +
     * groups.length} (exclusive), each from the cache when {@link BatchReader} found it there, else
     * decoded (and validated) by {@code decoder} and then cached. Checks I8 across every row group
     * boundary, whatever the source of either side, before caching a decoded group, so a group is
     * cached only once it is known to continue the ones before it. Once it has thrown, it keeps
     * throwing the same exception.
     */
    static final class ReadThroughCursor implements UpdateCursor {

        /** Decodes one row group of the open file, validating it (I8 within the group). */
        interface Decoder {
            DecodedRowGroup decode(int rowGroup) throws IOException;
        }

        private final String key;
        private final BatchCache cache;

        /** The cached row groups found when opening, null where missed; dropped once served. */
        private final DecodedRowGroup[] groups;

        private final int fromRowGroup;

        /** Null when every group was cached: the blob is never opened. */
        private final Decoder decoder;

        private final Closeable resources;

        private int next;
        private DecodedRowGroup current;
        private int position;

        /**
         * The last non-empty group served before {@link #current}, for the I8 check across groups.
         */
        private DecodedRowGroup previous;

        private boolean positioned;
        private IOException failure;
        private boolean closed;

        ReadThroughCursor(
                String key,
                BatchCache cache,
                DecodedRowGroup[] groups,
                int fromRowGroup,
                Decoder decoder,
                Closeable resources) {
            this.key = key;
            this.cache = cache;
            this.groups = groups;
            this.fromRowGroup = fromRowGroup;
            this.decoder = decoder;
            this.resources = resources;
        }

        @Override
        public boolean advance() throws IOException {
            if (failure != null) {
                throw failure;
            }
            if (closed) {
                throw new IllegalStateException(
                        "Cannot advance cursor over batch " + key + ": the cursor is closed");
            }
            int rowGroup = fromRowGroup + next;
            try {
                while (current == null || position + 1 >= current.size()) {
                    if (current != null && current.size() > 0) {
                        previous = current;
                    }
                    current = null;
                    if (next >= groups.length) {
                        positioned = false;
                        return false;
                    }
                    rowGroup = fromRowGroup + next;
                    DecodedRowGroup group = groups[next];
                    groups[next++] = null;
                    if (group == null) {
                        group = decoder.decode(rowGroup);
                        checkFollows(group);
                        cache.put(key, rowGroup, group);
                    } else {
                        checkFollows(group);
                    }
                    current = group;
                    position = -1;
                }
                position++;
                positioned = true;
                return true;
            } catch (IOException | RuntimeException e) {
                failure = BatchFormat.decodeFailure(key, "cannot decode row group " + rowGroup, e);
                positioned = false;
                current = null;
                throw failure;
            }
        }

        /** I8 across row groups: the group's first update is strictly after the last one served. */
        private void checkFollows(DecodedRowGroup group) throws CorruptBlobException {
            if (previous == null || group.size() == 0) {
                return;
            }
            int last = previous.size() - 1;
            byte[] k = group.key(0);
            byte[] v = group.value(0);
            long t = group.time(0);
            int c =
                    UpdateOrder.compare(
                            k, v, t, previous.key(last), previous.value(last), previous.time(last));
            if (c <= 0) {
                throw new CorruptBlobException(
                        key,
                        (c == 0
                                        ? "updates are unconsolidated (I8): an update repeats the previous (key, value, time)"
                                        : "updates are unsorted (I8): an update sorts before the previous one")
                                + " across row groups "
                                + previous.rowGroup()
                                + " and "
                                + group.rowGroup()
                                + " (key="
                                + BatchFormat.hex(k)
                                + ", value="
                                + BatchFormat.hex(v)
                                + ", time="
                                + t
                                + ", previousKey="
                                + BatchFormat.hex(previous.key(last))
                                + ", previousValue="
                                + BatchFormat.hex(previous.value(last))
                                + ", previousTime="
                                + previous.time(last)
                                + "), row "
                                + group.firstRow());
            }
        }

        @Override
        public byte[] key() {
            return current().key(position);
        }

        @Override
        public byte[] value() {
            return current().value(position);
        }

        /** Each group was validated when decoded, and each boundary is checked here. */
        @Override
        public boolean consolidated() {
            return true;
        }

        @Override
        public long time() {
            return current().time(position);
        }

        @Override
        public long diff() {
            return current().diff(position);
        }

        private DecodedRowGroup current() {
            if (!positioned) {
                throw new IllegalStateException(
                        "Cannot read update of batch "
                                + key
                                + ": the cursor is not on an update; call advance() first");
            }
            return current;
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            positioned = false;
            current = null;
            previous = null;
            Arrays.fill(groups, null);
            if (resources != null) {
                resources.close();
            }
        }
    }
}
