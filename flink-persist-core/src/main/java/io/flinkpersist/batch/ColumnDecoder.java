package io.flinkpersist.batch;

import io.flinkpersist.blob.CorruptBlobException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ValuesType;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.schema.PrimitiveType;

/**
 * Decodes the values of one column chunk of a batch file, a page at a time, from Parquet's page
 * reader (which reads, verifies checksums and decompresses). {@code PLAIN} pages, the only kind
 * {@link BatchFileEncoder} writes, are decoded by a direct loop over the page bytes; any other
 * encoding (dictionaries, delta encodings, as other Parquet writers and earlier versions write
 * them) goes through Parquet's own {@link ValuesReader} for it. Levels must be empty: every batch
 * column is required and flat.
 *
 * <p>A binary value is handed out as a slice ({@link #array}, {@link #offset}, {@link #length}) of
 * the decompressed page, not copied into an array of its own. The page's array stays valid for as
 * long as anyone holds a slice of it: batch files are read with Parquet's heap allocator, which
 * hands out a fresh array for each decompressed page and never reuses it (releasing a heap buffer
 * does nothing); a page that is not on the heap is copied to a fresh array first. {@code
 * CursorSlicesTest} holds slices across pages, row groups and the cursor's close, and would see a
 * reused buffer.
 *
 * <p>Every length is checked against the page, so a garbled page fails with {@link
 * CorruptBlobException}, never with an out-of-bounds read.
 */
final class ColumnDecoder {

    private static final byte[][] NO_BINARIES = new byte[0][];
    private static final long[] NO_LONGS = new long[0];
    private static final int[] NO_INTS = new int[0];

    private final String key;
    private final ColumnDescriptor column;
    private final PageReader pages;
    private final boolean binary;
    private final Dictionary dictionary;

    /** The arrays holding each binary value of the page: one shared array for a PLAIN page. */
    private byte[][] arrays = NO_BINARIES;

    private int[] offsets = NO_INTS;
    private int[] lengths = NO_INTS;
    private long[] longs = NO_LONGS;
    private int count;
    private int next;

    /** The binary value {@link #nextBinary()} moved to: {@code length} bytes of {@code array}. */
    byte[] array;

    int offset;
    int length;

    ColumnDecoder(String key, ColumnDescriptor column, PageReader pages) throws IOException {
        this.key = key;
        this.column = column;
        this.pages = pages;
        this.binary =
                column.getPrimitiveType().getPrimitiveTypeName()
                        == PrimitiveType.PrimitiveTypeName.BINARY;
        DictionaryPage page = pages.readDictionaryPage();
        this.dictionary = page == null ? null : page.getEncoding().initDictionary(column, page);
    }

    /**
     * Moves to the next value of a binary column, then in {@link #array}, {@link #offset} and
     * {@link #length}; its bytes never change.
     */
    void nextBinary() throws IOException {
        if (next == count) {
            readPage();
        }
        int i = next++;
        array = arrays[i];
        offset = offsets[i];
        length = lengths[i];
    }

    /** The next value of an int64 column. */
    long nextLong() throws IOException {
        if (next == count) {
            readPage();
        }
        return longs[next++];
    }

    private void readPage() throws IOException {
        DataPage page = pages.readPage();
        if (page == null) {
            throw corrupt("the column chunk ends before its row group does");
        }
        int n = page.getValueCount();
        if (n <= 0) {
            throw corrupt("a data page holds no values (values=" + n + ")");
        }
        Encoding encoding;
        ByteBufferInputStream in;
        if (page instanceof DataPageV1) {
            DataPageV1 v1 = (DataPageV1) page;
            in = v1.getBytes().toInputStream();
            // Required, flat columns: both level readers have width 0 and consume nothing; they are
            // run as Parquet's own column reader runs them, so the values start where it starts
            // them.
            v1.getRlEncoding()
                    .getValuesReader(column, ValuesType.REPETITION_LEVEL)
                    .initFromPage(n, in);
            v1.getDlEncoding()
                    .getValuesReader(column, ValuesType.DEFINITION_LEVEL)
                    .initFromPage(n, in);
            encoding = v1.getValueEncoding();
        } else if (page instanceof DataPageV2) {
            DataPageV2 v2 = (DataPageV2) page;
            if (v2.getRepetitionLevels().size() != 0 || v2.getDefinitionLevels().size() != 0) {
                throw corrupt("a data page of a required, flat column has levels");
            }
            in = v2.getData().toInputStream();
            encoding = v2.getDataEncoding();
        } else {
            throw corrupt("unknown data page kind " + page.getClass().getSimpleName());
        }
        if (binary) {
            if (arrays.length < n) {
                arrays = new byte[n][];
                offsets = new int[n];
                lengths = new int[n];
            }
        } else if (longs.length < n) {
            longs = new long[n];
        }
        if (encoding == Encoding.PLAIN) {
            ByteBuffer buffer = in.slice(in.available());
            byte[] data;
            int offset;
            if (buffer.hasArray()) {
                data = buffer.array();
                offset = buffer.arrayOffset() + buffer.position();
            } else {
                data = new byte[buffer.remaining()];
                buffer.duplicate().get(data);
                offset = 0;
            }
            int end = offset + buffer.remaining();
            if (binary) {
                decodePlainBinaries(data, offset, end, n);
            } else {
                decodePlainLongs(data, offset, end, n);
            }
        } else {
            decodeWithParquet(encoding, in, n);
        }
        count = n;
        next = 0;
    }

    private void decodePlainBinaries(byte[] data, int offset, int end, int n)
            throws CorruptBlobException {
        int at = offset;
        for (int i = 0; i < n; i++) {
            if (end - at < 4) {
                throw corrupt("a PLAIN page ends inside value " + i + " of " + n);
            }
            int length = intAt(data, at);
            at += 4;
            if (length < 0 || length > end - at) {
                throw corrupt(
                        "value "
                                + i
                                + " of a PLAIN page has length "
                                + length
                                + ", beyond the page's "
                                + (end - at)
                                + " remaining bytes");
            }
            arrays[i] = data;
            offsets[i] = at;
            lengths[i] = length;
            at += length;
        }
    }

    private void decodePlainLongs(byte[] data, int offset, int end, int n)
            throws CorruptBlobException {
        if ((long) n * 8 > end - offset) {
            throw corrupt(
                    "a PLAIN page of " + n + " int64 values has only " + (end - offset) + " bytes");
        }
        for (int i = 0; i < n; i++) {
            longs[i] = longAt(data, offset + 8 * i);
        }
    }

    /*
     * Little-endian reads by hand rather than through a VarHandle: the same speed once compiled, and
     * much faster before, which matters to short-lived readers.
     */
    static int intAt(byte[] b, int at) {
        return (b[at] & 0xFF)
                | (b[at + 1] & 0xFF) << 8
                | (b[at + 2] & 0xFF) << 16
                | b[at + 3] << 24;
    }

    private static long longAt(byte[] b, int at) {
        return (intAt(b, at) & 0xFFFFFFFFL) | (long) intAt(b, at + 4) << 32;
    }

    private void decodeWithParquet(Encoding encoding, ByteBufferInputStream in, int n)
            throws IOException {
        ValuesReader reader;
        if (encoding.usesDictionary()) {
            if (dictionary == null) {
                throw corrupt("a " + encoding + " page has no dictionary page before it");
            }
            reader = encoding.getDictionaryBasedValuesReader(column, ValuesType.VALUES, dictionary);
        } else {
            reader = encoding.getValuesReader(column, ValuesType.VALUES);
        }
        reader.initFromPage(n, in);
        if (binary) {
            for (int i = 0; i < n; i++) {
                byte[] value = reader.readBytes().getBytes();
                arrays[i] = value;
                offsets[i] = 0;
                lengths[i] = value.length;
            }
        } else {
            for (int i = 0; i < n; i++) {
                longs[i] = reader.readLong();
            }
        }
    }

    private CorruptBlobException corrupt(String what) {
        return new CorruptBlobException(key, "column " + column.getPath()[0] + ": " + what);
    }
}
