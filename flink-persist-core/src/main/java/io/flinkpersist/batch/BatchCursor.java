package io.flinkpersist.batch;

import io.flinkpersist.blob.BlobReader;
import io.flinkpersist.blob.CorruptBlobException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.hadoop.ParquetFileReader;

/**
 * The cursor of {@link BatchReader#open}: decodes a range of row groups one at a time with column
 * readers and checks I8 on every update. Keys and values are slices of the decoded pages. Once it
 * has thrown, it keeps throwing the same exception.
 */
final class BatchCursor extends HeldUpdate {

    private final String key;
    private final BlobReader blob;
    private final ParquetFileReader file;
    private final BatchFooter footer;
    private final List<ColumnDescriptor> columns;
    private final int toRowGroup;

    private int nextRowGroup;
    private PageReadStore pages;
    private final ColumnDecoder[] decoders = new ColumnDecoder[4];
    private long rowsLeftInGroup;

    /** The file-wide number of the next row to decode. */
    private long row;

    private boolean positioned;
    private boolean hasPrevious;

    private IOException failure;
    private boolean closed;

    BatchCursor(
            String key,
            BlobReader blob,
            ParquetFileReader file,
            BatchFooter footer,
            int fromRowGroup,
            int toRowGroup) {
        this.key = key;
        this.blob = blob;
        this.file = file;
        this.footer = footer;
        this.columns = file.getFooter().getFileMetaData().getSchema().getColumns();
        this.nextRowGroup = fromRowGroup;
        this.toRowGroup = toRowGroup;
        long before = 0;
        for (int i = 0; i < fromRowGroup; i++) {
            before += footer.rowGroups().get(i).rowCount();
        }
        this.row = before;
    }

    /**
     * Decodes row group {@code index} of an open batch file whole, checking I8 within it, each key
     * and value into an array of its own, for {@link BatchReader}'s reads through a {@link
     * BatchCache}. The caller keeps {@code blob} and {@code file} open and closes them.
     */
    static DecodedRowGroup decodeRowGroup(
            String key, BlobReader blob, ParquetFileReader file, BatchFooter footer, int index)
            throws IOException {
        BatchCursor cursor = new BatchCursor(key, blob, file, footer, index, index + 1);
        DecodedRowGroup.Builder group =
                DecodedRowGroup.builder(index, footer.rowGroupCount(), cursor.row);
        try {
            while (cursor.advance()) {
                // Copied once here: the cache hands the arrays out to every read it serves.
                group.add(cursor.key(), cursor.value(), cursor.time(), cursor.diff());
            }
        } finally {
            cursor.releasePages(); // not close(): the file and blob are the caller's
        }
        return group.build();
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
        try {
            while (rowsLeftInGroup == 0) {
                if (nextRowGroup >= toRowGroup) {
                    releasePages();
                    positioned = false;
                    return false;
                }
                loadRowGroup(nextRowGroup++);
            }
            ColumnDecoder k = decoders[BatchFormat.K];
            ColumnDecoder v = decoders[BatchFormat.V];
            k.nextBinary();
            v.nextBinary();
            long t = decoders[BatchFormat.T].nextLong();
            long d = decoders[BatchFormat.D].nextLong();
            rowsLeftInGroup--;
            check(k.array, k.offset, k.length, v.array, v.offset, v.length, t, d);
            hold(k.array, k.offset, k.length, v.array, v.offset, v.length, t, d);
            positioned = true;
            hasPrevious = true;
            row++;
            return true;
        } catch (IOException | RuntimeException e) {
            failure =
                    BatchFormat.decodeFailure(
                            key,
                            "cannot decode row group " + (nextRowGroup - 1) + ", row " + row,
                            e);
            positioned = false;
            throw failure;
        }
    }

    private void loadRowGroup(int index) throws IOException {
        releasePages();
        long expected = footer.rowGroups().get(index).rowCount();
        pages = file.readRowGroup(index);
        ReadCounters.rowGroupDecoded();
        if (pages == null || pages.getRowCount() != expected) {
            throw new CorruptBlobException(
                    key,
                    "row group "
                            + index
                            + " has the wrong number of rows (footer="
                            + expected
                            + ", pages="
                            + (pages == null ? "none" : pages.getRowCount())
                            + "), row "
                            + row);
        }
        for (int c = 0; c < decoders.length; c++) {
            PageReader columnPages = pages.getPageReader(columns.get(c));
            if (columnPages.getTotalValueCount() != expected) {
                throw new CorruptBlobException(
                        key,
                        "column "
                                + columns.get(c).getPath()[0]
                                + " of row group "
                                + index
                                + " has the wrong number of values (rows="
                                + expected
                                + ", values="
                                + columnPages.getTotalValueCount()
                                + "), row "
                                + row);
            }
            decoders[c] = new ColumnDecoder(key, columns.get(c), columnPages);
        }
        rowsLeftInGroup = expected;
    }

    /** I8: strictly increasing (k, v, t), non-zero diff; the one check of each decoded row. */
    private void check(
            byte[] k, int kOffset, int kLength, byte[] v, int vOffset, int vLength, long t, long d)
            throws CorruptBlobException {
        if (hasPrevious) {
            int c = compareToHeld(k, kOffset, kLength, v, vOffset, vLength, t);
            if (c <= 0) {
                throw new CorruptBlobException(
                        key,
                        (c == 0
                                        ? "updates are unconsolidated (I8): an update repeats the previous (key, value, time)"
                                        : "updates are unsorted (I8): an update sorts before the previous one")
                                + " (key="
                                + BatchFormat.hex(k, kOffset, kLength)
                                + ", value="
                                + BatchFormat.hex(v, vOffset, vLength)
                                + ", time="
                                + t
                                + ", previousKey="
                                + BatchFormat.hex(keyArray(), keyOffset(), keyLength())
                                + ", previousValue="
                                + BatchFormat.hex(valueArray(), valueOffset(), valueLength())
                                + ", previousTime="
                                + time()
                                + "), row "
                                + row);
            }
        }
        if (d == 0) {
            throw new CorruptBlobException(
                    key,
                    "an update has a zero diff (I8) (key="
                            + BatchFormat.hex(k, kOffset, kLength)
                            + ", value="
                            + BatchFormat.hex(v, vOffset, vLength)
                            + ", time="
                            + t
                            + "), row "
                            + row);
        }
    }

    /** Every update is checked against I8 as it is decoded. */
    @Override
    public boolean consolidated() {
        return true;
    }

    @Override
    void checkPositioned() {
        if (!positioned) {
            throw new IllegalStateException(
                    "Cannot read update of batch "
                            + key
                            + ": the cursor is not on an update; call advance() first");
        }
    }

    private void releasePages() {
        PageReadStore p = pages;
        pages = null;
        Arrays.fill(decoders, null);
        if (p != null) {
            p.close();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        positioned = false;
        try {
            releasePages();
            file.close();
        } finally {
            blob.close();
        }
    }
}
