package io.flinkpersist.batch;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.statistics.LongStatistics;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.bloomfilter.BlockSplitBloomFilter;
import org.apache.parquet.column.values.bloomfilter.BloomFilter;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;

/**
 * Encodes the updates of a {@link BatchWriter} into Parquet pages, one row group at a time, and
 * writes them with Parquet's {@link ParquetFileWriter}, which lays out the file: page headers and
 * checksums, column chunks, column and offset indexes, and the footer.
 *
 * <p>Why not Parquet's record writer: it passes every value through record assembly, level writers
 * and per-value statistics, which made encoding the largest cost of drains and compactions. A batch
 * is four required, flat columns in sorted order, so each column of a row group is buffered
 * directly in Parquet's {@code PLAIN} layout (a 4-byte little-endian length before each key and
 * value, 8 little-endian bytes per time and diff), cut into pages, compressed with Parquet's codec
 * and handed to the file writer. Page statistics come cheaply: keys are sorted, so a page's first
 * and last key are its bounds. The file is an ordinary Parquet file (data pages v1, {@code PLAIN}
 * values, the levels of required columns empty) that any Parquet reader reads.
 */
final class BatchFileEncoder {

    private static final VarHandle INT_LE =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int INITIAL_BYTES = 64 << 10;

    /**
     * The levels of a required, non-repeated column have width 0: Parquet writes no bytes for them.
     */
    private static final Encoding LEVELS = Encoding.BIT_PACKED;

    private final ParquetFileWriter file;
    private final CodecFactory codecs;
    private final CompressionCodecFactory.BytesInputCompressor compressor;
    private final CompressionCodecName codec;
    private final List<ColumnDescriptor> columns;
    private final long rowGroupSizeBytes;
    private final int pageSizeBytes;
    private final double keyBloomFilterFpp;

    /** The row group being collected, each column in {@code PLAIN} layout. */
    private byte[] keys = new byte[INITIAL_BYTES];

    private int keysLength;
    private byte[] values = new byte[INITIAL_BYTES];
    private int valuesLength;
    private byte[] times = new byte[INITIAL_BYTES];
    private byte[] diffs = new byte[INITIAL_BYTES];
    private int rows;

    BatchFileEncoder(OutputFile out, BatchWriteOptions options) throws IOException {
        this.file =
                new ParquetFileWriter(
                        out,
                        BatchFormat.SCHEMA,
                        ParquetFileWriter.Mode.CREATE,
                        options.rowGroupSizeBytes(),
                        0,
                        ParquetProperties.DEFAULT_COLUMN_INDEX_TRUNCATE_LENGTH,
                        Integer.MAX_VALUE,
                        true);
        this.codec = codec(options.compression());
        this.codecs = new CodecFactory(BatchFormat.hadoopConf(), options.pageSizeBytes());
        this.compressor = codecs.getCompressor(codec);
        this.columns = BatchFormat.SCHEMA.getColumns();
        this.rowGroupSizeBytes = options.rowGroupSizeBytes();
        this.pageSizeBytes = options.pageSizeBytes();
        this.keyBloomFilterFpp = options.keyBloomFilterFpp();
        file.start();
    }

    private static CompressionCodecName codec(BatchWriteOptions.Compression compression) {
        switch (compression) {
            case UNCOMPRESSED:
                return CompressionCodecName.UNCOMPRESSED;
            case SNAPPY:
                return CompressionCodecName.SNAPPY;
            case ZSTD:
                return CompressionCodecName.ZSTD;
            default:
                throw new IllegalArgumentException(
                        "Cannot map compression: unknown codec (compression=" + compression + ")");
        }
    }

    /** Buffers one update (already checked by the caller); writes a row group when it is full. */
    void add(byte[] k, byte[] v, long t, long d) throws IOException {
        add(k, 0, k.length, v, 0, v.length, t, d);
    }

    /**
     * Buffers one update given as slices of the caller's arrays (already checked by the caller);
     * writes a row group when it is full.
     */
    void add(byte[] k, int kOffset, int kLength, byte[] v, int vOffset, int vLength, long t, long d)
            throws IOException {
        keys = ensure(keys, keysLength, 4 + kLength);
        INT_LE.set(keys, keysLength, kLength);
        System.arraycopy(k, kOffset, keys, keysLength + 4, kLength);
        keysLength += 4 + kLength;
        values = ensure(values, valuesLength, 4 + vLength);
        INT_LE.set(values, valuesLength, vLength);
        System.arraycopy(v, vOffset, values, valuesLength + 4, vLength);
        valuesLength += 4 + vLength;
        int at = rows * 8;
        times = ensure(times, at, 8);
        diffs = ensure(diffs, at, 8);
        LONG_LE.set(times, at, t);
        LONG_LE.set(diffs, at, d);
        rows++;
        if ((long) keysLength + valuesLength + 16L * rows >= rowGroupSizeBytes
                || rows == Integer.MAX_VALUE / 8) {
            writeRowGroup();
        }
    }

    private static byte[] ensure(byte[] buffer, int used, int more) {
        long needed = (long) used + more;
        if (needed <= buffer.length) {
            return buffer;
        }
        if (needed > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(
                    "Cannot buffer update: a row group column would exceed 2 GiB; use a smaller row group size (needed="
                            + needed
                            + ")");
        }
        return Arrays.copyOf(
                buffer,
                (int) Math.min(Integer.MAX_VALUE - 8L, Math.max(needed, 2L * buffer.length)));
    }

    /** Writes what is buffered and the footer with {@code metadata}. */
    void finish(Map<String, String> metadata) throws IOException {
        if (rows > 0) {
            writeRowGroup();
        }
        file.end(metadata);
    }

    /** Releases the codecs; idempotent. Nothing more may be written after it. */
    void release() {
        codecs.release();
    }

    private void writeRowGroup() throws IOException {
        file.startBlock(rows);
        writeBinaryColumn(columns.get(BatchFormat.K), keys, keysLength, true);
        if (keyBloomFilterFpp > 0) {
            file.addBloomFilter(BatchFormat.SCHEMA.getFieldName(BatchFormat.K), keyBloomFilter());
        }
        writeBinaryColumn(columns.get(BatchFormat.V), values, valuesLength, false);
        writeLongColumn(columns.get(BatchFormat.T), times);
        writeLongColumn(columns.get(BatchFormat.D), diffs);
        file.endBlock();
        keysLength = 0;
        valuesLength = 0;
        rows = 0;
    }

    /**
     * Writes a binary column as pages of about the page size. The key column is sorted, so its page
     * bounds are its first and last value; the value column's are found by comparing.
     */
    private void writeBinaryColumn(ColumnDescriptor column, byte[] data, int length, boolean sorted)
            throws IOException {
        file.startColumn(column, rows, codec);
        int start = 0;
        while (start < length) {
            int position = start;
            int count = 0;
            int minAt = start;
            int maxAt = start;
            int lastAt = start;
            while (position < length && position - start < pageSizeBytes) {
                if (!sorted && count > 0) {
                    if (compare(data, position, data, minAt) < 0) {
                        minAt = position;
                    } else if (compare(data, position, data, maxAt) > 0) {
                        maxAt = position;
                    }
                }
                lastAt = position;
                position += 4 + (int) INT_LE.get(data, position);
                count++;
            }
            Statistics<?> statistics = Statistics.createStats(column.getPrimitiveType());
            statistics.updateStats(binaryAt(data, sorted ? start : minAt));
            statistics.updateStats(binaryAt(data, sorted ? lastAt : maxAt));
            writePage(data, start, position - start, count, statistics);
            start = position;
        }
        file.endColumn();
    }

    /**
     * The bloom filter of the row group's keys, sized for as many distinct keys as rows (a key with
     * several values or times is inserted once per row, which changes nothing).
     */
    private BloomFilter keyBloomFilter() {
        int bytes = BlockSplitBloomFilter.optimalNumOfBits(rows, keyBloomFilterFpp) / 8;
        BlockSplitBloomFilter filter =
                new BlockSplitBloomFilter(
                        Math.max(BlockSplitBloomFilter.LOWER_BOUND_BYTES, bytes),
                        BlockSplitBloomFilter.UPPER_BOUND_BYTES);
        for (int at = 0; at < keysLength; ) {
            int length = (int) INT_LE.get(keys, at);
            filter.insertHash(filter.hash(Binary.fromReusedByteArray(keys, at + 4, length)));
            at += 4 + length;
        }
        return filter;
    }

    private void writeLongColumn(ColumnDescriptor column, byte[] data) throws IOException {
        file.startColumn(column, rows, codec);
        int perPage = Math.max(1, pageSizeBytes / 8);
        for (int first = 0; first < rows; first += perPage) {
            int count = Math.min(perPage, rows - first);
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (int i = first; i < first + count; i++) {
                long x = (long) LONG_LE.get(data, i * 8);
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
            LongStatistics statistics =
                    (LongStatistics) Statistics.createStats(column.getPrimitiveType());
            statistics.setMinMax(min, max);
            writePage(data, first * 8, count * 8, count, statistics);
        }
        file.endColumn();
    }

    private void writePage(byte[] data, int offset, int length, int count, Statistics<?> statistics)
            throws IOException {
        BytesInput compressed = compressor.compress(BytesInput.from(data, offset, length));
        file.writeDataPage(
                count, length, compressed, statistics, count, LEVELS, LEVELS, Encoding.PLAIN);
    }

    private static Binary binaryAt(byte[] data, int at) {
        // Reused, not constant: statistics copy what they keep, and the buffer is overwritten
        // later.
        return Binary.fromReusedByteArray(data, at + 4, (int) INT_LE.get(data, at));
    }

    /**
     * Compares two length-prefixed values as unsigned bytes, the order of Parquet's binary
     * statistics.
     */
    private static int compare(byte[] a, int aAt, byte[] b, int bAt) {
        int aLength = (int) INT_LE.get(a, aAt);
        int bLength = (int) INT_LE.get(b, bAt);
        return Arrays.compareUnsigned(a, aAt + 4, aAt + 4 + aLength, b, bAt + 4, bAt + 4 + bLength);
    }
}
