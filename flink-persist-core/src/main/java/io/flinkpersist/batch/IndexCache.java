package io.flinkpersist.batch;

import io.flinkpersist.blob.BlobReader;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.internal.filter2.columnindex.ColumnIndexFilter;
import org.apache.parquet.internal.filter2.columnindex.RowRanges;

/**
 * A bounded cache for point lookups: batch files kept open with their parsed footers and page
 * indexes, least recently used closed first once more than the bound are open. A lookup that finds
 * its file here reads only the data pages that can hold its key. Blob keys are never reused for
 * other contents, so an entry never goes stale; close the cache to close its files.
 *
 * <p>Thread-safe. Also counts what lookups read from storage (bytes and row groups), for metrics.
 */
public final class IndexCache implements AutoCloseable {

    /** How many files a cache keeps open by default. */
    public static final int DEFAULT_MAX_OPEN_FILES = 256;

    /** How many bytes of decoded pages and key bloom filters a cache keeps by default: 64 MiB. */
    public static final long DEFAULT_PAGE_CACHE_BYTES = 64L << 20;

    /** Opens a file to keep. */
    @FunctionalInterface
    interface Opener {
        OpenFile open() throws IOException;
    }

    /** A batch file kept open for lookups; one lookup at a time reads it. */
    static final class OpenFile implements AutoCloseable {
        private static final List<ColumnPath> PATHS =
                BatchFormat.SCHEMA.getColumns().stream()
                        .map(c -> ColumnPath.get(c.getPath()))
                        .toList();

        private final String key;
        private final BlobReader blob;
        private final ParquetFileReader file;
        private final BatchFooter footer;
        private final IndexCache counters;

        /** The page-level lookup path, or null where the file needs Parquet's filtered reads. */
        private LookupPages pages;

        private boolean closed;

        OpenFile(
                String key,
                BlobReader blob,
                ParquetFileReader file,
                BatchFooter footer,
                IndexCache counters)
                throws IOException {
            this.key = key;
            this.blob = blob;
            this.file = file;
            this.footer = footer;
            this.counters = counters;
            this.pages = LookupPages.of(key, blob, file, footer, counters.pages, counters);
        }

        /**
         * The updates with keys in {@code [lo, hi)}, read now: the row groups whose key bounds
         * overlap the range, and of those the pages the (parsed, kept) column index allows. Null if
         * the file was closed meanwhile (evicted): open it again.
         */
        synchronized UpdateCursor read(byte[] lo, byte[] hi, boolean single) throws IOException {
            if (closed) {
                return null;
            }
            if (pages != null) {
                DecodedRowGroup.Builder out = DecodedRowGroup.builder(0, 1, 0);
                try {
                    if (pages.read(lo, hi, single, out)) {
                        return out.build().cursor();
                    }
                } catch (IOException | RuntimeException e) {
                    throw BatchFormat.decodeFailure(key, "cannot read the pages of a key range", e);
                }
                // A page this path does not decode: this file reads through Parquet from now on.
                pages.close();
                pages = null;
            }
            return readWithParquet(lo, hi, single);
        }

        /** {@link #read} through Parquet's filtered row groups and column readers. */
        private UpdateCursor readWithParquet(byte[] lo, byte[] hi, boolean single)
                throws IOException {
            FilterCompat.Filter filter = FilterCompat.get(BatchReader.keyRange(lo, hi, single));
            List<BlockMetaData> blocks = file.getRowGroups();
            Iterator<Integer> candidates =
                    IntStream.range(0, blocks.size())
                            .filter(b -> mayHold(footer.rowGroups().get(b), lo, hi))
                            .iterator();
            KeyRangeCursor.RowGroups groups =
                    () -> {
                        while (candidates.hasNext()) {
                            int b = candidates.next();
                            RowRanges rows =
                                    ColumnIndexFilter.calculateRowRanges(
                                            filter,
                                            file.getColumnIndexStore(b),
                                            new HashSet<>(PATHS),
                                            blocks.get(b).getRowCount());
                            if (rows.rowCount() > 0) {
                                return file.readFilteredRowGroup(b, rows);
                            }
                        }
                        return null;
                    };
            DecodedRowGroup.Builder out = DecodedRowGroup.builder(0, 1, 0);
            try (KeyRangeCursor c =
                    new KeyRangeCursor(
                            key,
                            null,
                            null,
                            groups,
                            file.getFooter().getFileMetaData().getCreatedBy(),
                            lo,
                            hi,
                            counters)) {
                while (c.advance()) {
                    out.add(c.key(), c.value(), c.time(), c.diff());
                }
            }
            return out.build().cursor();
        }

        private static boolean mayHold(RowGroupInfo g, byte[] lo, byte[] hi) {
            if (!g.hasKeyBounds()) {
                return true;
            }
            return Arrays.compareUnsigned(g.maxKey(), lo) >= 0
                    && (hi == null || Arrays.compareUnsigned(g.minKey(), hi) < 0);
        }

        @Override
        public synchronized void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            if (pages != null) {
                pages.close();
            }
            try {
                file.close();
            } finally {
                blob.close();
            }
        }
    }

    private final int maxOpenFiles;
    private final PageCache pages;
    private final LinkedHashMap<String, OpenFile> open = new LinkedHashMap<>(16, 0.75f, true);
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder rowGroupsRead = new LongAdder();
    private final LongAdder bloomSkips = new LongAdder();

    /**
     * A cache that keeps up to {@code maxOpenFiles} files open (0: none) and {@link
     * #DEFAULT_PAGE_CACHE_BYTES} of their decoded pages.
     */
    public IndexCache(int maxOpenFiles) {
        this(maxOpenFiles, DEFAULT_PAGE_CACHE_BYTES);
    }

    /**
     * A cache that keeps up to {@code maxOpenFiles} files open (0: none) and up to {@code
     * pageCacheBytes} of their decoded pages (0: none; a range scan that reads each page once gains
     * nothing from them).
     */
    public IndexCache(int maxOpenFiles, long pageCacheBytes) {
        if (maxOpenFiles < 0 || pageCacheBytes < 0) {
            throw new IllegalArgumentException(
                    "Cannot create an index cache of negative size (maxOpenFiles="
                            + maxOpenFiles
                            + ", pageCacheBytes="
                            + pageCacheBytes
                            + ")");
        }
        this.maxOpenFiles = maxOpenFiles;
        this.pages = new PageCache(pageCacheBytes);
    }

    /** A cache that keeps nothing: every lookup reads its files' footers and indexes. */
    public static IndexCache disabled() {
        return new IndexCache(0);
    }

    /** Whether lookups keep their files open here. */
    boolean keepsReaders() {
        return maxOpenFiles > 0;
    }

    /** The open file {@code key}, opened by {@code opener} if it is not open yet. */
    OpenFile reader(String key, Opener opener) throws IOException {
        synchronized (this) {
            OpenFile f = open.get(key);
            if (f != null) {
                hits.increment();
                return f;
            }
            misses.increment();
        }
        OpenFile opened = opener.open();
        List<OpenFile> evicted = new java.util.ArrayList<>();
        OpenFile kept;
        synchronized (this) {
            OpenFile raced = open.putIfAbsent(key, opened);
            kept = raced != null ? raced : opened;
            if (raced != null) {
                evicted.add(opened);
            }
            var it = open.entrySet().iterator();
            while (open.size() > maxOpenFiles && it.hasNext()) {
                evicted.add(it.next().getValue());
                it.remove();
            }
        }
        for (OpenFile f : evicted) {
            // Waits for a lookup reading it; a lookup that comes later finds it closed.
            f.close();
        }
        return kept;
    }

    /** Closes the files kept open. */
    @Override
    public void close() throws IOException {
        List<OpenFile> all;
        synchronized (this) {
            all = new java.util.ArrayList<>(open.values());
            open.clear();
        }
        for (OpenFile f : all) {
            f.close();
        }
    }

    void countRead(long bytes) {
        bytesRead.add(bytes);
    }

    void countRowGroup() {
        rowGroupsRead.increment();
        ReadCounters.rowGroupDecoded();
    }

    void countBloomSkip() {
        bloomSkips.increment();
    }

    /** Lookups that found their file open here. */
    public long hits() {
        return hits.sum();
    }

    /** Lookups that had to open their file. */
    public long misses() {
        return misses.sum();
    }

    /** Bytes lookups read from storage (footers and indexes when opening, and data pages). */
    public long bytesRead() {
        return bytesRead.sum();
    }

    /** Row groups lookups read pages of, from storage or from the page cache. */
    public long rowGroupsRead() {
        return rowGroupsRead.sum();
    }

    /** Row groups a single-key lookup skipped because their key bloom filter ruled the key out. */
    public long bloomSkips() {
        return bloomSkips.sum();
    }

    /** Decoded pages and key bloom filters lookups found in the page cache. */
    public long pageCacheHits() {
        return pages.hits();
    }

    /** Decoded pages and key bloom filters lookups had to read (and decode). */
    public long pageCacheMisses() {
        return pages.misses();
    }

    /** Heap bytes of the decoded pages and key bloom filters kept now. */
    public long pageCacheBytes() {
        return pages.bytes();
    }

    public long maxPageCacheBytes() {
        return pages.maxBytes();
    }

    /** Files kept open now. */
    public synchronized int openFiles() {
        return open.size();
    }

    public int maxOpenFiles() {
        return maxOpenFiles;
    }
}
