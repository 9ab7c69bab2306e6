package io.flinkpersist.cli;

import io.flinkpersist.batch.BatchReader;
import io.flinkpersist.batch.BlobInputFile;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.batch.UpdateOrder;
import io.flinkpersist.blob.BlobReader;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.write.BatchPublisher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.bloomfilter.BloomFilter;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.internal.column.columnindex.ColumnIndex;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.io.api.Binary;

/**
 * The parts of a batch file the engine's reader does not need and so does not check: the footer's
 * per-column statistics and the page indexes (column index and offset index) that other Parquet
 * readers use to skip pages. Each is compared with the data itself, row group by row group and page
 * by page, so that corruption there is found too.
 *
 * <ul>
 *   <li>Offset index: pages start at row 0 with increasing first rows below the row count, and lie
 *       inside their column chunk without overlapping.
 *   <li>Column index: one entry per page; every page's min and max bound the page's values (exactly
 *       for the int64 columns; binary bounds may be truncated, so they must only enclose them).
 *   <li>Footer statistics: exactly the row group's min and max of every column. Parquet leaves the
 *       min and max of a binary column out when together they take {@value #MAX_STATS_BYTES} bytes
 *       or more (long keys, large values): their absence is healthy then, and a defect only where
 *       the data's min and max are smaller. Binary statistics truncated by a writer that truncates
 *       them are healthy when they enclose the data: the min a prefix of the least value, the max a
 *       shorter value above the greatest.
 *   <li>Key bloom filter: where a row group has one, it holds every key of the row group (a filter
 *       that lost a key would make point lookups of it find nothing).
 * </ul>
 *
 * The data itself (order, consolidation, non-zero diffs, schema, page checksums) is checked by
 * {@link BatchReader}, which this class reads the rows through. What is left unchecked is footer
 * metadata no reader interprets, such as the writing library's name.
 */
final class BatchFileCheck {

    private static final String[] COLUMNS = {"k", "v", "t", "d"};

    /** The size from which Parquet leaves a binary column's min and max out of its statistics. */
    static final long MAX_STATS_BYTES = ParquetMetadataConverter.MAX_STATS_SIZE;

    private final BlobStore store;
    private final String key;
    private final List<String> problems = new ArrayList<>();

    private BatchFileCheck(BlobStore store, String key) {
        this.store = store;
        this.key = key;
    }

    /**
     * The footer metadata key the engine writes on every batch: {@code unsealed} or {@code trace}.
     */
    static final String KIND_KEY = BatchPublisher.KIND_KEY;

    /** The problems found in batch {@code key}'s statistics and page indexes; empty if none. */
    static List<String> check(BlobStore store, String key) throws IOException {
        BatchFileCheck c = new BatchFileCheck(store, key);
        c.run();
        return c.problems;
    }

    private void problem(String format, Object... args) {
        problems.add(String.format(Locale.ROOT, format, args));
    }

    private void run() throws IOException {
        try (BlobReader blob = store.open(key);
                ParquetFileReader file =
                        ParquetFileReader.open(
                                new BlobInputFile(blob),
                                HadoopReadOptions.builder(new Configuration(false)).build())) {
            String kind = file.getFooter().getFileMetaData().getKeyValueMetaData().get(KIND_KEY);
            if (!"unsealed".equals(kind) && !"trace".equals(kind)) {
                problem(
                        "the footer metadata %s is %s, but the engine writes unsealed or trace",
                        KIND_KEY, kind == null ? "missing" : "'" + kind + "'");
            }
            List<BlockMetaData> blocks = file.getFooter().getBlocks();
            for (int g = 0; g < blocks.size(); g++) {
                checkRowGroup(file, g, blocks.get(g));
            }
        }
    }

    private void checkRowGroup(ParquetFileReader file, int g, BlockMetaData block)
            throws IOException {
        List<ColumnChunkMetaData> chunks = block.getColumns();
        long rows = block.getRowCount();
        OffsetIndex[] offsets = new OffsetIndex[COLUMNS.length];
        ColumnIndex[] indexes = new ColumnIndex[COLUMNS.length];
        for (int c = 0; c < COLUMNS.length; c++) {
            ColumnChunkMetaData chunk = chunks.get(c);
            try {
                offsets[c] =
                        chunk.getOffsetIndexReference() == null
                                ? null
                                : file.readOffsetIndex(chunk);
                indexes[c] =
                        chunk.getColumnIndexReference() == null
                                ? null
                                : file.readColumnIndex(chunk);
            } catch (IOException | RuntimeException e) {
                problem(
                        "row group %d, column %s: the page index does not decode: %s",
                        g, COLUMNS[c], Formats.messages(e));
                offsets[c] = null;
                indexes[c] = null;
                continue;
            }
            if (offsets[c] != null && !offsetIndexSound(g, c, chunk, offsets[c], rows)) {
                offsets[c] = null;
                indexes[c] = null;
            }
            if (indexes[c] != null
                    && (offsets[c] == null
                            || indexes[c].getMinValues().size() != offsets[c].getPageCount())) {
                problem(
                        "row group %d, column %s: the column index has %d pages but the offset index %s",
                        g,
                        COLUMNS[c],
                        indexes[c].getMinValues().size(),
                        offsets[c] == null ? "is unusable" : offsets[c].getPageCount());
                indexes[c] = null;
            }
        }

        // Actual bounds per column: over the row group, and per page of each column.
        Bounds[] group = new Bounds[COLUMNS.length];
        Bounds[][] pages = new Bounds[COLUMNS.length][];
        int[] page = new int[COLUMNS.length];
        for (int c = 0; c < COLUMNS.length; c++) {
            group[c] = new Bounds(c);
            if (indexes[c] != null) {
                pages[c] = new Bounds[offsets[c].getPageCount()];
                for (int p = 0; p < pages[c].length; p++) {
                    pages[c][p] = new Bounds(c);
                }
            }
        }
        BloomFilter bloom = keyBloomFilter(file, g, chunks.get(0));
        long notInBloom = 0;
        byte[] firstNotInBloom = null;
        long row = 0;
        try (UpdateCursor cursor = BatchReader.open(store, key, g, g + 1)) {
            while (cursor.advance()) {
                if (bloom != null
                        && !bloom.findHash(
                                bloom.hash(Binary.fromConstantByteArray(cursor.key())))) {
                    if (notInBloom++ == 0) {
                        firstNotInBloom = cursor.key().clone();
                    }
                }
                byte[][] values = {
                    cursor.key(), cursor.value(), longBytes(cursor.time()), longBytes(cursor.diff())
                };
                for (int c = 0; c < COLUMNS.length; c++) {
                    group[c].add(values[c]);
                    if (pages[c] != null) {
                        while (page[c] + 1 < pages[c].length
                                && offsets[c].getFirstRowIndex(page[c] + 1) <= row) {
                            page[c]++;
                        }
                        pages[c][page[c]].add(values[c]);
                    }
                }
                row++;
            }
        }
        if (row != rows) {
            problem("row group %d holds %d rows but the footer says %d", g, row, rows);
            return;
        }
        if (notInBloom > 0) {
            problem(
                    "row group %d: the key bloom filter does not hold %d of the row group's keys (the"
                            + " first %s): point lookups of them would find nothing",
                    g, notInBloom, Formats.hex(firstNotInBloom));
        }
        for (int c = 0; c < COLUMNS.length; c++) {
            checkStatistics(g, c, chunks.get(c).getStatistics(), group[c]);
            if (indexes[c] != null) {
                checkColumnIndex(g, c, indexes[c], pages[c]);
            }
        }
    }

    /**
     * The key bloom filter of row group {@code g}, or null if it has none or it does not decode (a
     * problem then).
     */
    private BloomFilter keyBloomFilter(ParquetFileReader file, int g, ColumnChunkMetaData keys) {
        if (keys.getBloomFilterOffset() < 0) {
            return null;
        }
        BloomFilter bloom;
        try {
            bloom = file.readBloomFilter(keys);
        } catch (IOException | RuntimeException e) {
            problem(
                    "row group %d: the key bloom filter does not decode: %s",
                    g, Formats.messages(e));
            return null;
        }
        if (bloom == null) {
            problem(
                    "row group %d: the footer points at a key bloom filter that does not decode",
                    g);
        }
        return bloom;
    }

    private boolean offsetIndexSound(
            int g, int c, ColumnChunkMetaData chunk, OffsetIndex index, long rows) {
        int n = index.getPageCount();
        long start = chunk.getStartingPos();
        long end = start + chunk.getTotalSize();
        if (n < 1 || (rows > 0 && index.getFirstRowIndex(0) != 0)) {
            problem(
                    "row group %d, column %s: the offset index has %d pages, the first at row %d",
                    g, COLUMNS[c], n, n < 1 ? -1 : index.getFirstRowIndex(0));
            return false;
        }
        long previousEnd = start;
        for (int p = 0; p < n; p++) {
            long offset = index.getOffset(p);
            long size = index.getCompressedPageSize(p);
            long first = index.getFirstRowIndex(p);
            if (offset < previousEnd
                    || size <= 0
                    || offset + size > end
                    || first >= rows
                    || (p > 0 && first <= index.getFirstRowIndex(p - 1))) {
                problem(
                        "row group %d, column %s: offset index page %d is out of place (offset=%d, size=%d, firstRow=%d; chunk [%d, %d), %d rows)",
                        g, COLUMNS[c], p, offset, size, first, start, end, rows);
                return false;
            }
            previousEnd = offset + size;
        }
        return true;
    }

    private void checkStatistics(int g, int c, Statistics<?> stats, Bounds actual) {
        if (actual.min == null) {
            return;
        }
        boolean binary = c < 2;
        if (stats == null || stats.isEmpty() || !stats.hasNonNullValue()) {
            long size = (long) actual.min.length + actual.max.length;
            if (binary && size >= MAX_STATS_BYTES) {
                return; // left out by Parquet, as it does for values this large: healthy
            }
            // The engine's writer always writes them; Parquet drops statistics it cannot trust (min
            // above max).
            problem(
                    stats == null || stats.isEmpty()
                            ? "row group %d, column %s: the footer has no usable statistics%s"
                            : "row group %d, column %s: the footer statistics claim no values%s",
                    g,
                    COLUMNS[c],
                    binary
                            ? String.format(
                                    Locale.ROOT,
                                    " (Parquet keeps the min and max of values this small: %d bytes together, below %d)",
                                    size,
                                    MAX_STATS_BYTES)
                            : "");
            return;
        }
        byte[] min = statBytes(stats.genericGetMin());
        byte[] max = statBytes(stats.genericGetMax());
        if (binary && truncatedEnclosing(min, max, actual)) {
            return;
        }
        if (actual.compare(min, actual.min) != 0 || actual.compare(max, actual.max) != 0) {
            problem(
                    "row group %d, column %s: the footer statistics [%s, %s] differ from the data [%s, %s]",
                    g,
                    COLUMNS[c],
                    actual.show(min),
                    actual.show(max),
                    actual.show(actual.min),
                    actual.show(actual.max));
        }
    }

    /**
     * Whether binary statistics are a truncation that encloses the data (and not exact): the min a
     * prefix of the least value, the max shorter than the greatest and above it.
     */
    private static boolean truncatedEnclosing(byte[] min, byte[] max, Bounds actual) {
        boolean minOk =
                Arrays.equals(min, actual.min)
                        || (min.length < actual.min.length
                                && Arrays.equals(min, Arrays.copyOf(actual.min, min.length)));
        boolean maxOk =
                Arrays.equals(max, actual.max)
                        || (max.length < actual.max.length && actual.compare(max, actual.max) > 0);
        boolean exact = Arrays.equals(min, actual.min) && Arrays.equals(max, actual.max);
        return minOk && maxOk && !exact;
    }

    private void checkColumnIndex(int g, int c, ColumnIndex index, Bounds[] pages) {
        List<ByteBuffer> mins = index.getMinValues();
        List<ByteBuffer> maxes = index.getMaxValues();
        for (int p = 0; p < pages.length; p++) {
            Bounds actual = pages[p];
            if (actual.min == null) {
                continue;
            }
            byte[] min = bytes(mins.get(p), c);
            byte[] max = bytes(maxes.get(p), c);
            boolean exact = c >= 2;
            boolean ok =
                    exact
                            ? actual.compare(min, actual.min) == 0
                                    && actual.compare(max, actual.max) == 0
                            : actual.compare(min, actual.min) <= 0
                                    && actual.compare(max, actual.max) >= 0;
            if (!ok) {
                problem(
                        "row group %d, column %s: the column index bounds page %d by [%s, %s] but its values span [%s, %s]",
                        g,
                        COLUMNS[c],
                        p,
                        actual.show(min),
                        actual.show(max),
                        actual.show(actual.min),
                        actual.show(actual.max));
            }
        }
    }

    /** An int64 as 8 big-endian bytes, so that it compares with the same code as binaries. */
    private static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    private static byte[] statBytes(Object value) {
        if (value instanceof Binary b) {
            return b.getBytes();
        }
        return longBytes((Long) value);
    }

    /** A column index value: binary as is, int64 little-endian as Parquet stores it. */
    private static byte[] bytes(ByteBuffer buffer, int column) {
        ByteBuffer b = buffer.duplicate();
        if (column >= 2) {
            return longBytes(b.order(ByteOrder.LITTLE_ENDIAN).getLong(0));
        }
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** The min and max of one column's values; binaries unsigned lexicographic, int64 signed. */
    private static final class Bounds {
        private final int column;
        byte[] min;
        byte[] max;

        Bounds(int column) {
            this.column = column;
        }

        void add(byte[] v) {
            // Copies: a cursor may reuse its arrays.
            if (min == null || compare(v, min) < 0) {
                min = v.clone();
            }
            if (max == null || compare(v, max) > 0) {
                max = v.clone();
            }
        }

        int compare(byte[] a, byte[] b) {
            if (column >= 2) {
                return Long.compare(ByteBuffer.wrap(a).getLong(), ByteBuffer.wrap(b).getLong());
            }
            return UpdateOrder.compareBytes(a, b);
        }

        String show(byte[] v) {
            return column >= 2 ? Long.toString(ByteBuffer.wrap(v).getLong()) : Formats.hex(v);
        }
    }
}
