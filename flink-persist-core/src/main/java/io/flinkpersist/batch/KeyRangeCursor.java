package io.flinkpersist.batch;

import io.flinkpersist.blob.BlobReader;
import io.flinkpersist.blob.CorruptBlobException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;

/**
 * The updates of one batch file with keys in {@code [lo, hi)}, read through Parquet's filters: row
 * groups whose statistics (or bloom filter) rule the range out are skipped, and of the others only
 * the pages whose rows the column index says can hold it are read, every column synchronized to
 * those rows by Parquet's own column readers: the key column first, the others only for the rows in
 * range. Checks I8 on every row it returns.
 */
final class KeyRangeCursor implements UpdateCursor {

    /** Column readers need a converter; the values are taken from the readers themselves. */
    private static final GroupConverter NO_CONVERTER =
            new GroupConverter() {
                private final PrimitiveConverter primitive = new PrimitiveConverter() {};

                @Override
                public Converter getConverter(int fieldIndex) {
                    return primitive;
                }

                @Override
                public void start() {}

                @Override
                public void end() {}
            };

    /** The row groups to read, filtered to the range's pages; null when there are no more. */
    @FunctionalInterface
    interface RowGroups {
        PageReadStore next() throws IOException;
    }

    private final String key;
    private final BlobReader blob;
    private final ParquetFileReader file;
    private final RowGroups rowGroups;
    private final byte[] lo;
    private final byte[] hi;
    private final IndexCache counters;
    private final List<ColumnDescriptor> columns;
    private final String createdBy;

    /** The rows in range of the row group being read. */
    private List<byte[]> keys = List.of();

    private byte[][] values;
    private long[] times;
    private long[] diffs;
    private int count;
    private int next;

    /** Whether the row group being read holds the range's end: no later one can hold a key. */
    private boolean lastGroup;

    private boolean done;
    private boolean closed;

    private byte[] key0;
    private byte[] value;
    private long time;
    private long diff;
    private boolean positioned;
    private boolean hasPrevious;

    /**
     * Reads the row groups {@code rowGroups} hands out; closes {@code file} and {@code blob} when
     * closed, unless they are null (a reader kept open by the {@link IndexCache}).
     */
    KeyRangeCursor(
            String key,
            BlobReader blob,
            ParquetFileReader file,
            RowGroups rowGroups,
            String createdBy,
            byte[] lo,
            byte[] hi,
            IndexCache counters) {
        this.key = key;
        this.blob = blob;
        this.file = file;
        this.rowGroups = rowGroups;
        this.lo = lo;
        this.hi = hi;
        this.counters = counters;
        this.columns = BatchFormat.SCHEMA.getColumns();
        this.createdBy = createdBy;
    }

    @Override
    public boolean advance() throws IOException {
        if (closed) {
            throw new IllegalStateException(
                    "Cannot advance cursor over batch " + key + ": the cursor is closed");
        }
        try {
            while (!done) {
                if (next < count) {
                    int i = next++;
                    check(keys.get(i), values[i], times[i], diffs[i]);
                    key0 = keys.get(i);
                    value = values[i];
                    time = times[i];
                    diff = diffs[i];
                    positioned = true;
                    hasPrevious = true;
                    return true;
                }
                if (lastGroup || !nextRowGroup()) {
                    done = true;
                }
            }
            positioned = false;
            return false;
        } catch (IOException | RuntimeException e) {
            positioned = false;
            throw BatchFormat.decodeFailure(key, "cannot read the pages of a key range", e);
        }
    }

    /**
     * Decodes the next row group holding keys in range: its key column first, and the other columns
     * only where the range lies (a row group without such a key costs one column).
     */
    private boolean nextRowGroup() throws IOException {
        while (true) {
            PageReadStore pages = rowGroups.next();
            if (pages == null) {
                return false;
            }
            counters.countRowGroup();
            ColumnReadStoreImpl store =
                    new ColumnReadStoreImpl(pages, NO_CONVERTER, BatchFormat.SCHEMA, createdBy);
            ColumnReader k = store.getColumnReader(columns.get(BatchFormat.K));
            long rows = pages.getRowCount();
            long first = -1;
            keys = new ArrayList<>();
            for (long i = 0; i < rows; i++) {
                byte[] rk = k.getBinary().getBytes();
                k.consume();
                if (Arrays.compareUnsigned(rk, lo) < 0) {
                    continue;
                }
                if (hi != null && Arrays.compareUnsigned(rk, hi) >= 0) {
                    // Sorted by key: nothing further in this file is in range.
                    lastGroup = true;
                    break;
                }
                if (first < 0) {
                    first = i;
                }
                keys.add(rk);
            }
            count = keys.size();
            next = 0;
            if (count == 0) {
                if (lastGroup) {
                    return false;
                }
                continue;
            }
            ColumnReader v = store.getColumnReader(columns.get(BatchFormat.V));
            ColumnReader t = store.getColumnReader(columns.get(BatchFormat.T));
            ColumnReader d = store.getColumnReader(columns.get(BatchFormat.D));
            for (long i = 0; i < first; i++) {
                v.skip();
                v.consume();
                t.skip();
                t.consume();
                d.skip();
                d.consume();
            }
            values = new byte[count][];
            times = new long[count];
            diffs = new long[count];
            for (int i = 0; i < count; i++) {
                values[i] = v.getBinary().getBytes();
                v.consume();
                times[i] = t.getLong();
                t.consume();
                diffs[i] = d.getLong();
                d.consume();
            }
            return true;
        }
    }

    /** I8 on the rows returned: strictly increasing (k, v, t), non-zero diff. */
    private void check(byte[] rk, byte[] rv, long rt, long rd) throws CorruptBlobException {
        checkI8(key, hasPrevious ? key0 : null, value, time, rk, rv, rt, rd);
    }

    /**
     * I8 between consecutive updates of batch {@code file}: {@code (k, v, t)} strictly above the
     * previous one's ({@code pk} null: none), {@code d} non-zero.
     */
    static void checkI8(
            String file, byte[] pk, byte[] pv, long pt, byte[] k, byte[] v, long t, long d)
            throws CorruptBlobException {
        if (pk != null) {
            int c = Arrays.compareUnsigned(k, pk);
            if (c == 0) {
                c = Arrays.compareUnsigned(v, pv);
                if (c == 0) {
                    c = Long.compare(t, pt);
                }
            }
            if (c <= 0) {
                throw new CorruptBlobException(
                        file,
                        "updates are "
                                + (c == 0 ? "unconsolidated" : "unsorted")
                                + " (I8) (key="
                                + BatchFormat.hex(k)
                                + ", previousKey="
                                + BatchFormat.hex(pk)
                                + ")");
            }
        }
        if (d == 0) {
            throw new CorruptBlobException(
                    file, "an update has a zero diff (I8) (key=" + BatchFormat.hex(k) + ")");
        }
    }

    @Override
    public byte[] key() {
        checkPositioned();
        return key0;
    }

    @Override
    public byte[] value() {
        checkPositioned();
        return value;
    }

    @Override
    public long time() {
        checkPositioned();
        return time;
    }

    @Override
    public long diff() {
        checkPositioned();
        return diff;
    }

    /** Every row it returns is checked against I8. */
    @Override
    public boolean consolidated() {
        return true;
    }

    private void checkPositioned() {
        if (!positioned) {
            throw new IllegalStateException(
                    "Cannot read the cursor over batch "
                            + key
                            + ": it is not on an update (call advance() first)");
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (file == null) {
            return;
        }
        try {
            file.close();
        } finally {
            blob.close();
        }
    }
}
