package io.flinkpersist.batch;

import io.flinkpersist.blob.CorruptBlobException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.apache.parquet.column.values.bloomfilter.BloomFilter;

/**
 * Decoded data pages and key bloom filters of batch files for point lookups, bounded by their heap
 * size, least recently used evicted first. A page is decompressed and decoded once while it stays
 * here, so the lookups of a hot key range cost binary searches in memory; bloom filters are here
 * rather than held by their open files so that their memory is bounded too. Blob keys are never
 * reused for other contents, so an entry never goes stale. Thread-safe; a bound of 0 keeps nothing.
 */
final class PageCache {

    /** The column number of a row group's key bloom filter in a {@link Key}. */
    static final int KEY_BLOOM_FILTER = -1;

    /**
     * Page {@code page} of column {@code column} of row group {@code rowGroup} of batch {@code
     * file}; or with column {@link #KEY_BLOOM_FILTER} (and page 0), the row group's key bloom
     * filter.
     */
    record Key(String file, int rowGroup, int column, int page) {}

    /** What the cache holds. */
    sealed interface Entry permits Page, KeyBloomFilter {
        /** Heap bytes held, roughly. */
        long sizeBytes();
    }

    /** A row group's key bloom filter. */
    record KeyBloomFilter(BloomFilter filter) implements Entry {
        @Override
        public long sizeBytes() {
            return DecodedRowGroup.OBJECT_HEADER_BYTES + 64 + filter.getBitsetSize();
        }
    }

    /**
     * A decoded {@code PLAIN} page: binary values as positions in the decompressed bytes (each
     * value's start, and its end), or int64 values.
     */
    static final class Page implements Entry {
        private final byte[] data;
        private final int[] starts;
        private final long[] longs;
        private final int count;

        private Page(byte[] data, int[] starts, long[] longs, int count) {
            this.data = data;
            this.starts = starts;
            this.longs = longs;
            this.count = count;
        }

        /** Decodes the {@code count} length-prefixed binary values of {@code data}. */
        static Page binaries(String file, byte[] data, int count) throws CorruptBlobException {
            if (count <= 0) {
                throw new CorruptBlobException(
                        file, "a data page holds no values (values=" + count + ")");
            }
            // starts[i] is where value i's bytes begin, and starts[count] is 4 bytes past the last
            // value's end, so value i ends at starts[i + 1] - 4.
            int[] starts = new int[count + 1];
            int at = 0;
            for (int i = 0; i < count; i++) {
                if (data.length - at < 4) {
                    throw new CorruptBlobException(
                            file, "a PLAIN page ends inside value " + i + " of " + count);
                }
                int length = ColumnDecoder.intAt(data, at);
                at += 4;
                if (length < 0 || length > data.length - at) {
                    throw new CorruptBlobException(
                            file,
                            "value "
                                    + i
                                    + " of a PLAIN page has length "
                                    + length
                                    + ", beyond the page's "
                                    + (data.length - at)
                                    + " remaining bytes");
                }
                starts[i] = at;
                at += length;
            }
            starts[count] = at + 4;
            return new Page(data, starts, null, count);
        }

        /** Decodes the {@code count} little-endian int64 values of {@code data}. */
        static Page longs(String file, byte[] data, int count) throws CorruptBlobException {
            if (count <= 0 || (long) count * 8 > data.length) {
                throw new CorruptBlobException(
                        file,
                        "a PLAIN page of " + count + " int64 values has " + data.length + " bytes");
            }
            long[] longs = new long[count];
            for (int i = 0; i < count; i++) {
                longs[i] =
                        (ColumnDecoder.intAt(data, 8 * i) & 0xFFFFFFFFL)
                                | (long) ColumnDecoder.intAt(data, 8 * i + 4) << 32;
            }
            return new Page(null, null, longs, count);
        }

        int count() {
            return count;
        }

        /** Binary value {@code i}, copied. */
        byte[] binary(int i) {
            return Arrays.copyOfRange(data, starts[i], end(i));
        }

        long longAt(int i) {
            return longs[i];
        }

        /** Compares binary value {@code i} with {@code other} as unsigned bytes. */
        int compareBinary(int i, byte[] other) {
            return Arrays.compareUnsigned(data, starts[i], end(i), other, 0, other.length);
        }

        /** The first binary value at least {@code key}, or {@link #count()}; values are sorted. */
        int lowerBound(byte[] key) {
            int low = 0;
            int high = count;
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (compareBinary(mid, key) < 0) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            return low;
        }

        private int end(int i) {
            return starts[i + 1] - 4;
        }

        @Override
        public long sizeBytes() {
            long bytes = DecodedRowGroup.OBJECT_HEADER_BYTES + 32;
            if (data != null) {
                bytes += DecodedRowGroup.ARRAY_HEADER_BYTES + data.length;
                bytes += DecodedRowGroup.ARRAY_HEADER_BYTES + 4L * starts.length;
            } else {
                bytes += DecodedRowGroup.ARRAY_HEADER_BYTES + 8L * longs.length;
            }
            return bytes;
        }
    }

    private final long maxBytes;
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    PageCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException(
                    "Cannot create a page cache of negative size (maxBytes=" + maxBytes + ")");
        }
        this.maxBytes = maxBytes;
    }

    /** The entry {@code key}, or null if it is not cached. */
    synchronized Entry get(Key key) {
        Entry entry = entries.get(key);
        if (entry != null) {
            hits.increment();
        } else {
            misses.increment();
        }
        return entry;
    }

    /** Keeps {@code entry}, evicting the least recently used entries beyond the bound. */
    synchronized void put(Key key, Entry entry) {
        long size = entry.sizeBytes();
        if (size > maxBytes) {
            return;
        }
        Entry old = entries.put(key, entry);
        bytes += size - (old == null ? 0 : old.sizeBytes());
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<Key, Entry> e = it.next();
            bytes -= e.getValue().sizeBytes();
            it.remove();
        }
    }

    synchronized long bytes() {
        return bytes;
    }

    long maxBytes() {
        return maxBytes;
    }

    long hits() {
        return hits.sum();
    }

    long misses() {
        return misses.sum();
    }
}
