package io.flinkpersist.batch;

import io.flinkpersist.blob.BlobReader;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.CorruptBlobException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.filter2.predicate.Operators;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.internal.column.columnindex.ColumnIndex;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.io.api.Binary;

/**
 * Reads batch files written by {@link BatchWriter}, one row group at a time with Parquet's column
 * readers, so a reader's memory is bounded by one row group, not the file.
 *
 * <h2>Invariants</h2>
 *
 * <p>Everything decoded is validated, always (not only under {@code assert}): the schema is exactly
 * {@code k, v: required binary; t, d: required int64}; the format version is {@code 1}; row group
 * key bounds do not decrease; and, while iterating, I8: every update is strictly greater than the
 * previous in {@code (k, v, t)} order and has a non-zero diff. Any violation, a truncated or
 * garbled file, or any Parquet failure while decoding is a {@link CorruptBlobException} naming the
 * key and, for rows, the row number (from 0, counted from the start of the file). A failure of the
 * blob store itself is rethrown unchanged; a missing blob is the store's {@link
 * io.flinkpersist.blob.BlobNotFoundException}.
 */
public final class BatchReader {

    private BatchReader() {}

    /** Reads and validates the footer of batch file {@code key}. */
    public static BatchFooter readFooter(BlobStore store, String key) throws IOException {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(key, "key");
        try (BlobReader blob = openBlob(store, key);
                ParquetFileReader file = openParquet(key, blob)) {
            return footer(key, blob.length(), file);
        }
    }

    /**
     * A page of a batch file: bounds of its keys (possibly truncated: enclosing), and its share of
     * the stored bytes.
     */
    public record KeySample(byte[] minKey, byte[] maxKey, long bytes) {}

    /**
     * One sample per page of the key column of batch file {@code key}, from its column and offset
     * indexes: the page's least key (possibly truncated to a prefix of it, so still a lower bound)
     * and the row group's stored bytes in proportion to the page's rows. Falls back to one sample
     * per row group where a row group has no page index. For choosing key cuts of even size.
     */
    public static List<KeySample> readKeySamples(BlobStore store, String key) throws IOException {
        List<KeySample> out = new ArrayList<>();
        try (BlobReader blob = openBlob(store, key);
                ParquetFileReader file = openParquet(key, blob)) {
            BatchFooter footer = footer(key, blob.length(), file);
            List<BlockMetaData> blocks = file.getFooter().getBlocks();
            for (int g = 0; g < blocks.size(); g++) {
                BlockMetaData block = blocks.get(g);
                RowGroupInfo info = footer.rowGroups().get(g);
                ColumnChunkMetaData k = null;
                for (ColumnChunkMetaData c : block.getColumns()) {
                    if (c.getPath().toDotString().equals(BatchFormat.K)) {
                        k = c;
                    }
                }
                ColumnIndex pages =
                        k == null || k.getColumnIndexReference() == null
                                ? null
                                : file.readColumnIndex(k);
                OffsetIndex offsets =
                        k == null || k.getOffsetIndexReference() == null
                                ? null
                                : file.readOffsetIndex(k);
                long rows = Math.max(1, block.getRowCount());
                long bytes = Math.max(1, block.getCompressedSize());
                if (pages == null
                        || offsets == null
                        || pages.getMinValues().size() != offsets.getPageCount()) {
                    if (info.hasKeyBounds()) {
                        out.add(new KeySample(info.minKey(), info.maxKey(), bytes));
                    }
                    continue;
                }
                for (int p = 0; p < offsets.getPageCount(); p++) {
                    if (pages.getNullPages().get(p)) {
                        continue;
                    }
                    long first = offsets.getFirstRowIndex(p);
                    long next =
                            p + 1 < offsets.getPageCount()
                                    ? offsets.getFirstRowIndex(p + 1)
                                    : block.getRowCount();
                    out.add(
                            new KeySample(
                                    bytes(pages.getMinValues().get(p)),
                                    bytes(pages.getMaxValues().get(p)),
                                    Math.max(1, bytes * (next - first) / rows)));
                }
            }
        }
        return out;
    }

    /**
     * Opens a cursor over the updates of batch file {@code key} with keys in {@code [lo, hi)}
     * ({@code hi} null: no upper bound), reading only the row groups whose statistics (and bloom
     * filter, for a single key) can hold the range, and of those only the pages whose column-index
     * bounds overlap it. The file's footer and indexes come from {@code cache} when it has them,
     * and go into it when it does not.
     *
     * @param single whether the range is one key ({@code hi} is {@code lo} followed by a zero
     *     byte): then the filter is an equality, which bloom filters can answer
     */
    public static UpdateCursor openKeyRange(
            BlobStore store, String key, byte[] lo, byte[] hi, boolean single, IndexCache cache)
            throws IOException {
        Objects.requireNonNull(lo, "lo");
        Objects.requireNonNull(cache, "cache");
        if (cache.keepsReaders()) {
            while (true) {
                UpdateCursor read =
                        cache.reader(key, () -> openForLookups(store, key, cache))
                                .read(lo, hi, single);
                if (read != null) {
                    return read;
                }
                // Evicted and closed between finding it and reading it: open it again.
            }
        }
        BlobReader blob = openBlob(store, key);
        ParquetFileReader file = null;
        try {
            BlobInputFile input = new BlobInputFile(blob, cache::countRead);
            FilterPredicate range = keyRange(lo, hi, single);
            try {
                file =
                        ParquetFileReader.open(
                                input,
                                HadoopReadOptions.builder(BatchFormat.hadoopConf())
                                        .usePageChecksumVerification(true)
                                        .useStatsFilter(true)
                                        .useDictionaryFilter(false)
                                        .useRecordFilter(false)
                                        .useColumnIndexFilter(true)
                                        .useBloomFilter(true)
                                        .withRecordFilter(FilterCompat.get(range))
                                        .build());
            } catch (IOException | RuntimeException e) {
                throw BatchFormat.decodeFailure(key, "cannot read the Parquet footer", e);
            }
            footer(key, input.getLength(), file);
            ParquetFileReader f = file;
            return new KeyRangeCursor(
                    key,
                    blob,
                    file,
                    f::readNextFilteredRowGroup,
                    file.getFooter().getFileMetaData().getCreatedBy(),
                    lo,
                    hi,
                    cache);
        } catch (IOException | RuntimeException e) {
            closeQuietly(file, e);
            closeQuietly(blob, e);
            throw e;
        }
    }

    /** The filter of keys in {@code [lo, hi)}: an equality when the range is one key. */
    static FilterPredicate keyRange(byte[] lo, byte[] hi, boolean single) {
        Operators.BinaryColumn k =
                FilterApi.binaryColumn(BatchFormat.SCHEMA.getFieldName(BatchFormat.K));
        if (single) {
            return FilterApi.eq(k, Binary.fromConstantByteArray(lo));
        }
        if (hi == null) {
            return FilterApi.gtEq(k, Binary.fromConstantByteArray(lo));
        }
        return FilterApi.and(
                FilterApi.gtEq(k, Binary.fromConstantByteArray(lo)),
                FilterApi.lt(k, Binary.fromConstantByteArray(hi)));
    }

    /** Opens batch file {@code key} to be kept open for lookups ({@link IndexCache}). */
    private static IndexCache.OpenFile openForLookups(BlobStore store, String key, IndexCache cache)
            throws IOException {
        BlobReader blob = openBlob(store, key);
        ParquetFileReader file = null;
        try {
            BlobInputFile input = new BlobInputFile(blob, cache::countRead);
            try {
                file = ParquetFileReader.open(input, readOptions());
            } catch (IOException | RuntimeException e) {
                throw BatchFormat.decodeFailure(key, "cannot read the Parquet footer", e);
            }
            BatchFooter footer = footer(key, input.getLength(), file);
            return new IndexCache.OpenFile(key, blob, file, footer, cache);
        } catch (IOException | RuntimeException e) {
            closeQuietly(file, e);
            closeQuietly(blob, e);
            throw e;
        }
    }

    /** Opens a cursor over all updates of batch file {@code key}, in (k, v, t) order. */
    public static UpdateCursor open(BlobStore store, String key) throws IOException {
        return open(store, key, 0, Integer.MAX_VALUE);
    }

    /**
     * Opens a cursor over the updates of row groups {@code fromRowGroup} (inclusive) to {@code
     * toRowGroup} (exclusive) of batch file {@code key}. {@code toRowGroup} may exceed the row
     * group count, meaning "to the end".
     */
    public static UpdateCursor open(BlobStore store, String key, int fromRowGroup, int toRowGroup)
            throws IOException {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(key, "key");
        if (fromRowGroup < 0 || toRowGroup < fromRowGroup) {
            throw new IllegalArgumentException(
                    "Cannot open batch "
                            + key
                            + ": the row group range must satisfy 0 <= from <= to (from="
                            + fromRowGroup
                            + ", to="
                            + toRowGroup
                            + ")");
        }
        BlobReader blob = openBlob(store, key);
        ParquetFileReader file = null;
        try {
            file = openParquet(key, blob);
            BatchFooter footer = footer(key, blob.length(), file);
            int count = footer.rowGroupCount();
            if (fromRowGroup > count) {
                throw startsAfterEnd(key, fromRowGroup, count);
            }
            return new BatchCursor(
                    key, blob, file, footer, fromRowGroup, Math.min(toRowGroup, count));
        } catch (IOException | RuntimeException e) {
            closeQuietly(file, e);
            closeQuietly(blob, e);
            throw e;
        }
    }

    /**
     * Opens a cursor over all updates of batch file {@code key} through {@code cache}; see {@link
     * #open(BlobStore, String, int, int, BatchCache)}.
     */
    public static UpdateCursor open(BlobStore store, String key, BatchCache cache)
            throws IOException {
        return open(store, key, 0, Integer.MAX_VALUE, cache);
    }

    /**
     * Like {@link #open(BlobStore, String, int, int)}, reading through {@code cache}: row groups
     * found there are served from it, the others are decoded whole, validated (I8, also across each
     * row group boundary, whichever source either side came from) and then cached. When every row
     * group of the range is cached the blob is not opened at all. Each row group of the range is
     * looked up once, when the cursor is opened, counting one hit or miss; the found ones are held
     * by the cursor until served. With {@link BatchCache#disabled()} this is exactly the uncached
     * {@code open}.
     */
    public static UpdateCursor open(
            BlobStore store, String key, int fromRowGroup, int toRowGroup, BatchCache cache)
            throws IOException {
        Objects.requireNonNull(cache, "cache");
        if (!cache.isEnabled() || fromRowGroup < 0 || toRowGroup <= fromRowGroup) {
            // The uncached path also rejects a bad range and checks an empty one against the file.
            return open(store, key, fromRowGroup, toRowGroup);
        }
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(key, "key");
        DecodedRowGroup[] groups = null;
        DecodedRowGroup first = cache.peek(key, fromRowGroup).orElse(null);
        if (first != null) {
            groups =
                    lookUp(
                            cache,
                            key,
                            fromRowGroup,
                            Math.min(toRowGroup, first.fileRowGroupCount()));
            if (!Arrays.asList(groups).contains(null)) {
                return new BatchCache.ReadThroughCursor(
                        key, cache, groups, fromRowGroup, null, null);
            }
        }
        BlobReader blob = openBlob(store, key);
        ParquetFileReader file = null;
        try {
            file = openParquet(key, blob);
            BatchFooter footer = footer(key, blob.length(), file);
            int count = footer.rowGroupCount();
            if (fromRowGroup > count) {
                throw startsAfterEnd(key, fromRowGroup, count);
            }
            if (groups == null) {
                groups = lookUp(cache, key, fromRowGroup, Math.min(toRowGroup, count));
            }
            for (DecodedRowGroup g : groups) {
                if (g != null
                        && (g.fileRowGroupCount() != count
                                || g.size() != footer.rowGroups().get(g.rowGroup()).rowCount())) {
                    throw new IllegalStateException(
                            "Cannot read batch "
                                    + key
                                    + " through the cache: a cached row group does not match the file; blob keys"
                                    + " must never be reused for other contents (cached="
                                    + g
                                    + ", fileRowGroups="
                                    + count
                                    + ")");
                }
            }
            BlobReader b = blob;
            ParquetFileReader f = file;
            return new BatchCache.ReadThroughCursor(
                    key,
                    cache,
                    groups,
                    fromRowGroup,
                    index -> BatchCursor.decodeRowGroup(key, b, f, footer, index),
                    () -> {
                        try {
                            f.close();
                        } finally {
                            b.close();
                        }
                    });
        } catch (IOException | RuntimeException e) {
            closeQuietly(file, e);
            closeQuietly(blob, e);
            throw e;
        }
    }

    private static IllegalArgumentException startsAfterEnd(
            String key, int fromRowGroup, int count) {
        return new IllegalArgumentException(
                "Cannot open batch "
                        + key
                        + ": the row group range starts after the last row group (from="
                        + fromRowGroup
                        + ", rowGroups="
                        + count
                        + ")");
    }

    /** Looks up row groups {@code [from, to)} in {@code cache}; null where missed. */
    private static DecodedRowGroup[] lookUp(BatchCache cache, String key, int from, int to) {
        DecodedRowGroup[] groups = new DecodedRowGroup[Math.max(0, to - from)];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = cache.get(key, from + i).orElse(null);
        }
        return groups;
    }

    /** Opens batch file {@code key}, counted in {@link ReadCounters}. */
    private static BlobReader openBlob(BlobStore store, String key) throws IOException {
        BlobReader blob = store.open(key);
        ReadCounters.fileOpened();
        return blob;
    }

    private static ParquetFileReader openParquet(String key, BlobReader blob) throws IOException {
        try {
            return ParquetFileReader.open(new BlobInputFile(blob), readOptions());
        } catch (IOException | RuntimeException e) {
            throw BatchFormat.decodeFailure(key, "cannot read the Parquet footer", e);
        }
    }

    private static ParquetReadOptions readOptions() {
        return HadoopReadOptions.builder(BatchFormat.hadoopConf())
                .usePageChecksumVerification(true)
                .useStatsFilter(false)
                .useDictionaryFilter(false)
                .useRecordFilter(false)
                .useColumnIndexFilter(false)
                .useBloomFilter(false)
                // Fresh heap arrays per page, never reused: ColumnDecoder hands out slices of them.
                .withAllocator(new HeapByteBufferAllocator())
                .build();
    }

    private static BatchFooter footer(String key, long fileSize, ParquetFileReader file)
            throws IOException {
        try {
            ParquetMetadata meta = file.getFooter();
            String mismatch = BatchFormat.schemaMismatch(meta.getFileMetaData().getSchema());
            if (mismatch != null) {
                throw new CorruptBlobException(key, "the file is not a batch file: " + mismatch);
            }
            Map<String, String> kv = meta.getFileMetaData().getKeyValueMetaData();
            String version = kv.get(BatchFormat.FORMAT_VERSION_KEY);
            if (!BatchFormat.FORMAT_VERSION.equals(version)) {
                throw new CorruptBlobException(
                        key,
                        "unsupported batch format version (found="
                                + version
                                + ", supported="
                                + BatchFormat.FORMAT_VERSION
                                + ", metadataKey="
                                + BatchFormat.FORMAT_VERSION_KEY
                                + ")");
            }
            List<BlockMetaData> blocks = meta.getBlocks();
            List<RowGroupInfo> groups = new ArrayList<>(blocks.size());
            long total = 0;
            RowGroupInfo previous = null;
            for (int i = 0; i < blocks.size(); i++) {
                RowGroupInfo g = rowGroup(key, i, blocks.get(i), file);
                if (g.hasKeyBounds()) {
                    if (UpdateOrder.compareBytes(g.minKey(), g.maxKey()) > 0
                            || outOfOrder(previous, g)) {
                        throw new CorruptBlobException(
                                key,
                                "row group key bounds are out of order (I8) (rowGroup="
                                        + i
                                        + ", minKey="
                                        + BatchFormat.hex(g.minKey())
                                        + ", maxKey="
                                        + BatchFormat.hex(g.maxKey())
                                        + ", previousMaxKey="
                                        + BatchFormat.hex(
                                                previous == null ? null : previous.maxKey())
                                        + ")");
                    }
                    previous = g;
                }
                total += g.rowCount();
                groups.add(g);
            }
            return new BatchFooter(key, fileSize, total, kv, groups);
        } catch (IOException | RuntimeException e) {
            throw BatchFormat.decodeFailure(key, "cannot decode the footer", e);
        }
    }

    /**
     * Whether the key bounds of consecutive row groups contradict sorted keys. Exact bounds must
     * not overlap; truncated ones may (keys sharing a long prefix), so with them only the one
     * inference that holds for any enclosing bounds is checked: the earlier lower bound is at most
     * the later upper bound.
     */
    private static boolean outOfOrder(RowGroupInfo previous, RowGroupInfo g) {
        if (previous == null) {
            return false;
        }
        if (previous.keyBoundsExact() && g.keyBoundsExact()) {
            return UpdateOrder.compareBytes(previous.maxKey(), g.minKey()) > 0;
        }
        return UpdateOrder.compareBytes(previous.minKey(), g.maxKey()) > 0;
    }

    private static RowGroupInfo rowGroup(
            String key, int index, BlockMetaData block, ParquetFileReader file) throws IOException {
        List<ColumnChunkMetaData> columns = block.getColumns();
        if (columns.size() != 4
                || !columns.get(BatchFormat.K).getPath().toDotString().equals("k")) {
            throw new CorruptBlobException(
                    key,
                    "row group "
                            + index
                            + " does not have the 4 batch columns (columns="
                            + columns.size()
                            + ")");
        }
        if (block.getRowCount() < 0) {
            throw new CorruptBlobException(
                    key,
                    "row group "
                            + index
                            + " has a negative row count (rowCount="
                            + block.getRowCount()
                            + ")");
        }
        long uncompressed = 0;
        for (ColumnChunkMetaData c : columns) {
            uncompressed += c.getTotalUncompressedSize();
        }
        byte[] min = null;
        byte[] max = null;
        Statistics<?> stats = columns.get(BatchFormat.K).getStatistics();
        if (stats != null && !stats.isEmpty() && stats.hasNonNullValue()) {
            min = ((Binary) stats.genericGetMin()).getBytes();
            max = ((Binary) stats.genericGetMax()).getBytes();
            return new RowGroupInfo(
                    index,
                    block.getRowCount(),
                    block.getCompressedSize(),
                    uncompressed,
                    min,
                    max,
                    true);
        }
        // Parquet leaves binary statistics out when min and max take 4 KiB or more (long keys). The
        // column index keeps page bounds truncated to a prefix: enclosing, so still good for
        // planning.
        ColumnChunkMetaData k = columns.get(BatchFormat.K);
        ColumnIndex pages = k.getColumnIndexReference() == null ? null : file.readColumnIndex(k);
        if (pages != null && !pages.getMinValues().isEmpty()) {
            for (int p = 0; p < pages.getMinValues().size(); p++) {
                if (pages.getNullPages().get(p)) {
                    continue;
                }
                byte[] pageMin = bytes(pages.getMinValues().get(p));
                byte[] pageMax = bytes(pages.getMaxValues().get(p));
                min = min == null || UpdateOrder.compareBytes(pageMin, min) < 0 ? pageMin : min;
                max = max == null || UpdateOrder.compareBytes(pageMax, max) > 0 ? pageMax : max;
            }
        }
        return new RowGroupInfo(
                index,
                block.getRowCount(),
                block.getCompressedSize(),
                uncompressed,
                min,
                max,
                false);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static void closeQuietly(AutoCloseable c, Throwable failure) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
    }
}
