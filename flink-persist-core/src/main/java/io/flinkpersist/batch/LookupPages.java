package io.flinkpersist.batch;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import io.flinkpersist.blob.BlobReader;
import io.flinkpersist.blob.CorruptBlobException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.values.bloomfilter.BloomFilter;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.internal.column.columnindex.ColumnIndex;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.io.api.Binary;
import org.xerial.snappy.Snappy;

/**
 * The lookup path of one open batch file: its page layout (every column chunk's offset index and
 * the key column's page bounds, held in memory), and reads of single pages, found by binary search,
 * straight from the blob. A page is read, its checksum verified, decompressed with Parquet's codec
 * and decoded once; decoded pages go into the {@link PageCache}, so a lookup whose pages are cached
 * does no I/O and no decoding: a bloom filter probe, two binary searches and the copies of what it
 * returns. Key bloom filters are read when a single-key lookup first needs them and kept in the
 * same cache, so the memory of both is bounded by it.
 *
 * <p>For files as {@link BatchFileEncoder} writes them: every column chunk {@code PLAIN}, data
 * pages v1, with offset indexes and the key column's column index. {@link #of} returns null for any
 * other file (older batches with dictionaries, files without page indexes), which then reads
 * through Parquet's filtered row groups. A page found not to be {@code PLAIN} v1 makes {@link
 * #read} return null for the same reason.
 *
 * <p>Not thread-safe: its {@link IndexCache.OpenFile} reads one lookup at a time.
 */
final class LookupPages implements AutoCloseable {

    private static final Set<Encoding> PLAIN_ONLY =
            EnumSet.of(Encoding.PLAIN, Encoding.BIT_PACKED, Encoding.RLE);

    /** Where the pages of one column chunk lie. */
    private record Chunk(long[] offsets, int[] sizes, long[] firstRows, long rows) {

        int pageOf(long row) {
            int at = Arrays.binarySearch(firstRows, row);
            return at >= 0 ? at : -at - 2;
        }

        int rowsOf(int page) {
            long next = page + 1 < firstRows.length ? firstRows[page + 1] : rows;
            return (int) (next - firstRows[page]);
        }
    }

    /**
     * One row group: its chunks in schema order, the key pages' bounds, the key chunk (where its
     * bloom filter is).
     */
    private record Group(
            Chunk[] chunks,
            byte[][] minKeys,
            byte[][] maxKeys,
            ColumnChunkMetaData keys,
            CompressionCodecName codec) {}

    private final String key;
    private final BlobReader blob;

    /** The file's reader, for its bloom filters; kept open by the {@link IndexCache.OpenFile}. */
    private final ParquetFileReader file;

    private final List<RowGroupInfo> rowGroups;
    private final Group[] groups;
    private final PageCache pages;
    private final IndexCache counters;
    private final CRC32 crc = new CRC32();
    private CodecFactory codecs;

    /** A ZSTD decompression context, reused: creating one costs more than a small page. */
    private ZstdDecompressCtx zstd;

    private byte[] buffer = new byte[8 << 10];

    /** The page of each column holding the row being returned, in the current row group. */
    private final PageCache.Page[] current = new PageCache.Page[4];

    private final int[] currentPage = new int[4];

    private LookupPages(
            String key,
            BlobReader blob,
            ParquetFileReader file,
            List<RowGroupInfo> rowGroups,
            Group[] groups,
            PageCache pages,
            IndexCache counters) {
        this.key = key;
        this.blob = blob;
        this.file = file;
        this.rowGroups = rowGroups;
        this.groups = groups;
        this.pages = pages;
        this.counters = counters;
    }

    /**
     * The lookup path of {@code file}, reading its page indexes now; null if the file is not laid
     * out as this path needs (see the class comment).
     */
    static LookupPages of(
            String key,
            BlobReader blob,
            ParquetFileReader file,
            BatchFooter footer,
            PageCache pages,
            IndexCache counters)
            throws IOException {
        List<BlockMetaData> blocks = file.getRowGroups();
        Group[] groups = new Group[blocks.size()];
        for (int b = 0; b < groups.length; b++) {
            BlockMetaData block = blocks.get(b);
            List<ColumnChunkMetaData> columns = block.getColumns();
            if (columns.size() != 4) {
                return null;
            }
            Chunk[] chunks = new Chunk[4];
            CompressionCodecName codec = columns.get(0).getCodec();
            for (int c = 0; c < 4; c++) {
                ColumnChunkMetaData chunk = columns.get(c);
                if (chunk.hasDictionaryPage()
                        || !PLAIN_ONLY.containsAll(chunk.getEncodings())
                        || chunk.getCodec() != codec
                        || chunk.getOffsetIndexReference() == null) {
                    return null;
                }
                OffsetIndex offsets = file.readOffsetIndex(chunk);
                if (offsets == null || offsets.getPageCount() == 0) {
                    return null;
                }
                int n = offsets.getPageCount();
                long[] at = new long[n];
                int[] sizes = new int[n];
                long[] firstRows = new long[n];
                for (int p = 0; p < n; p++) {
                    at[p] = offsets.getOffset(p);
                    sizes[p] = offsets.getCompressedPageSize(p);
                    firstRows[p] = offsets.getFirstRowIndex(p);
                }
                chunks[c] = new Chunk(at, sizes, firstRows, block.getRowCount());
            }
            ColumnChunkMetaData k = columns.get(BatchFormat.K);
            if (k.getColumnIndexReference() == null) {
                return null;
            }
            ColumnIndex index = file.readColumnIndex(k);
            if (index == null
                    || index.getMinValues().size() != chunks[BatchFormat.K].offsets().length) {
                return null;
            }
            int n = index.getMinValues().size();
            byte[][] minKeys = new byte[n][];
            byte[][] maxKeys = new byte[n][];
            for (int p = 0; p < n; p++) {
                minKeys[p] = bytes(index.getMinValues().get(p));
                maxKeys[p] = bytes(index.getMaxValues().get(p));
            }
            groups[b] = new Group(chunks, minKeys, maxKeys, k, codec);
        }
        return new LookupPages(key, blob, file, footer.rowGroups(), groups, pages, counters);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /**
     * Appends to {@code out} the updates with keys in {@code [lo, hi)} ({@code hi} null: no upper
     * bound), checking I8 on each. Returns false if a page met on the way is not one this path
     * decodes: discard {@code out} and read the file through Parquet instead.
     */
    boolean read(byte[] lo, byte[] hi, boolean single, DecodedRowGroup.Builder out)
            throws IOException {
        Arrays.fill(current, null);
        Binary probe = single ? Binary.fromConstantByteArray(lo) : null;
        byte[] prevK = null;
        byte[] prevV = null;
        long prevT = 0;
        for (int b = first(lo); b < groups.length; b++) {
            RowGroupInfo info = rowGroups.get(b);
            if (info.hasKeyBounds()
                    && hi != null
                    && Arrays.compareUnsigned(info.minKey(), hi) >= 0) {
                break;
            }
            if (info.hasKeyBounds() && Arrays.compareUnsigned(info.maxKey(), lo) < 0) {
                continue;
            }
            Group g = groups[b];
            BloomFilter bloom = probe == null ? null : keyBloomFilter(b);
            if (bloom != null && !bloom.findHash(bloom.hash(probe))) {
                counters.countBloomSkip();
                continue;
            }
            Arrays.fill(current, null);
            boolean counted = false;
            byte[][] minKeys = g.minKeys();
            for (int p = firstPage(g.maxKeys(), lo); p < minKeys.length; p++) {
                if (hi != null && Arrays.compareUnsigned(minKeys[p], hi) >= 0) {
                    return true;
                }
                if (!counted) {
                    counters.countRowGroup();
                    counted = true;
                }
                PageCache.Page keys = page(b, BatchFormat.K, p);
                if (keys == null) {
                    return false;
                }
                Chunk chunk = g.chunks()[BatchFormat.K];
                for (int i = keys.lowerBound(lo); i < keys.count(); i++) {
                    if (hi != null && keys.compareBinary(i, hi) >= 0) {
                        return true;
                    }
                    long row = chunk.firstRows()[p] + i;
                    PageCache.Page v = column(b, BatchFormat.V, row);
                    PageCache.Page t = column(b, BatchFormat.T, row);
                    PageCache.Page d = column(b, BatchFormat.D, row);
                    if (v == null || t == null || d == null) {
                        return false;
                    }
                    byte[] k = keys.binary(i);
                    byte[] value = v.binary(indexIn(b, BatchFormat.V, row));
                    long time = t.longAt(indexIn(b, BatchFormat.T, row));
                    long diff = d.longAt(indexIn(b, BatchFormat.D, row));
                    KeyRangeCursor.checkI8(key, prevK, prevV, prevT, k, value, time, diff);
                    out.add(k, value, time, diff);
                    prevK = k;
                    prevV = value;
                    prevT = time;
                }
            }
        }
        return true;
    }

    /**
     * The key bloom filter of row group {@code b}, from the cache or read now; null if it has none
     * (or Parquet could not read it: then nothing is skipped).
     */
    private BloomFilter keyBloomFilter(int b) throws IOException {
        ColumnChunkMetaData keys = groups[b].keys();
        if (keys.getBloomFilterOffset() < 0) {
            return null;
        }
        PageCache.Key id = new PageCache.Key(key, b, PageCache.KEY_BLOOM_FILTER, 0);
        if (pages.get(id) instanceof PageCache.KeyBloomFilter cached) {
            return cached.filter();
        }
        BloomFilter filter = file.readBloomFilter(keys);
        if (filter != null) {
            pages.put(id, new PageCache.KeyBloomFilter(filter));
        }
        return filter;
    }

    /** The first row group whose last key is at least {@code lo}. */
    private int first(byte[] lo) {
        int low = 0;
        int high = rowGroups.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            RowGroupInfo info = rowGroups.get(mid);
            if (info.hasKeyBounds() && Arrays.compareUnsigned(info.maxKey(), lo) < 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /** The first page whose (enclosing) greatest key is at least {@code lo}. */
    private static int firstPage(byte[][] maxKeys, byte[] lo) {
        int low = 0;
        int high = maxKeys.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (Arrays.compareUnsigned(maxKeys[mid], lo) < 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /** The page of column {@code c} holding {@code row} of row group {@code b}. */
    private PageCache.Page column(int b, int c, long row) throws IOException {
        Chunk chunk = groups[b].chunks()[c];
        int p = chunk.pageOf(row);
        if (p < 0) {
            throw corrupt("the offset index of column " + c + " starts after row 0");
        }
        if (current[c] == null || currentPage[c] != p) {
            PageCache.Page page = page(b, c, p);
            if (page == null) {
                return null;
            }
            current[c] = page;
            currentPage[c] = p;
        }
        return current[c];
    }

    private int indexIn(int b, int c, long row) {
        return (int) (row - groups[b].chunks()[c].firstRows()[currentPage[c]]);
    }

    /**
     * Page {@code p} of column {@code c} of row group {@code b}, decoded: from the cache or read.
     */
    private PageCache.Page page(int b, int c, int p) throws IOException {
        PageCache.Key id = new PageCache.Key(key, b, c, p);
        if (pages.get(id) instanceof PageCache.Page cached) {
            return cached;
        }
        Chunk chunk = groups[b].chunks()[c];
        int size = chunk.sizes()[p];
        if (size <= 0) {
            throw corrupt("the offset index gives page " + p + " of column " + c + " no bytes");
        }
        if (buffer.length < size) {
            buffer = new byte[Math.max(size, 2 * buffer.length)];
        }
        blob.readFully(chunk.offsets()[p], buffer, 0, size);
        counters.countRead(size);
        ByteArrayInputStream in = new ByteArrayInputStream(buffer, 0, size);
        PageHeader header = Util.readPageHeader(in);
        int headerSize = size - in.available();
        if (header.getType() != PageType.DATA_PAGE
                || header.getData_page_header().getEncoding()
                        != org.apache.parquet.format.Encoding.PLAIN) {
            return null;
        }
        int compressed = header.getCompressed_page_size();
        if (compressed != size - headerSize || header.getUncompressed_page_size() < 0) {
            throw corrupt(
                    "page "
                            + p
                            + " of column "
                            + c
                            + " has "
                            + compressed
                            + " bytes after its header, its offset index "
                            + (size - headerSize));
        }
        if (header.isSetCrc()) {
            crc.reset();
            crc.update(buffer, headerSize, compressed);
            if ((int) crc.getValue() != header.getCrc()) {
                throw corrupt("page " + p + " of column " + c + " fails its checksum");
            }
        }
        byte[] data = decompress(groups[b].codec(), headerSize, compressed, header);
        int values = header.getData_page_header().getNum_values();
        if (values != chunk.rowsOf(p)) {
            throw corrupt(
                    "page "
                            + p
                            + " of column "
                            + c
                            + " of row group "
                            + b
                            + " holds "
                            + values
                            + " values, its offset index "
                            + chunk.rowsOf(p));
        }
        PageCache.Page page =
                c == BatchFormat.K || c == BatchFormat.V
                        ? PageCache.Page.binaries(key, data, values)
                        : PageCache.Page.longs(key, data, values);
        pages.put(id, page);
        return page;
    }

    /**
     * The page's data, decompressed: ZSTD and Snappy pages with the codec libraries' one-shot calls
     * (Parquet writes a page as one ZSTD frame, or one raw Snappy block), other codecs through
     * Parquet's codec factory.
     */
    private byte[] decompress(CompressionCodecName codec, int offset, int length, PageHeader header)
            throws IOException {
        int size = header.getUncompressed_page_size();
        byte[] out;
        switch (codec) {
            case UNCOMPRESSED -> out = Arrays.copyOfRange(buffer, offset, offset + length);
            case ZSTD -> {
                if (zstd == null) {
                    zstd = new ZstdDecompressCtx();
                }
                out = new byte[size];
                int n;
                try {
                    n = zstd.decompressByteArray(out, 0, size, buffer, offset, length);
                } catch (ZstdException e) {
                    throw corrupt("a ZSTD page does not decompress: " + e.getMessage());
                }
                if (n != size) {
                    out = Arrays.copyOf(out, n);
                }
            }
            case SNAPPY -> {
                out = new byte[Math.max(size, Snappy.uncompressedLength(buffer, offset, length))];
                out = Arrays.copyOf(out, Snappy.uncompress(buffer, offset, length, out, 0));
            }
            default -> {
                if (codecs == null) {
                    codecs = new CodecFactory(BatchFormat.hadoopConf(), 0);
                }
                CompressionCodecFactory.BytesInputDecompressor decompressor =
                        codecs.getDecompressor(codec);
                out =
                        decompressor
                                .decompress(BytesInput.from(buffer, offset, length), size)
                                .toByteArray();
            }
        }
        if (out.length != size) {
            throw corrupt(
                    "a page decompresses to " + out.length + " bytes, its header says " + size);
        }
        return out;
    }

    private CorruptBlobException corrupt(String what) {
        return new CorruptBlobException(key, what);
    }

    @Override
    public void close() {
        if (zstd != null) {
            zstd.close();
            zstd = null;
        }
        if (codecs != null) {
            codecs.release();
            codecs = null;
        }
    }
}
