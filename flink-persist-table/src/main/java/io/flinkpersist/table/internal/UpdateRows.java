package io.flinkpersist.table.internal;

import io.flinkpersist.Update;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;

/**
 * Turns a read update into table rows: {@code |diff|} rows, each {@code +I} for a positive diff and
 * {@code -D} for a negative one. A snapshot scan is insert-only, so there a negative multiplicity
 * (more retractions than insertions of a row, which the sink never writes) fails.
 *
 * <p>A row holds the columns a scan asks for (a projection decodes only those), followed by the
 * metadata columns it asks for: the update's {@code time} and {@code diff}.
 */
@Internal
final class UpdateRows implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The metadata a row can carry, by key. */
    static final String TIME = "time";

    static final String DIFF = "diff";

    /** Receives the rows of one update. */
    @FunctionalInterface
    interface RowSink {
        void accept(RowData row);
    }

    private final RowLayout layout;
    private final boolean changelog;
    private final String collection;
    private final int[] fields;
    private final boolean[] wanted;
    private final boolean[] metadataIsTime;
    private final boolean whole;

    /**
     * Rows of every column, without metadata.
     *
     * @param changelog whether negative diffs become deletes (continuous scans) or are an error
     *     (snapshots)
     */
    UpdateRows(RowLayout layout, boolean changelog, String collection) {
        this(
                layout,
                changelog,
                collection,
                IntStream.range(0, layout.rowType().getFieldCount()).toArray(),
                List.of());
    }

    /**
     * Rows of columns {@code fields} (positions in the table's physical row), then the {@code
     * metadata} columns ({@link #TIME}, {@link #DIFF}).
     */
    UpdateRows(
            RowLayout layout,
            boolean changelog,
            String collection,
            int[] fields,
            List<String> metadata) {
        this.layout = layout;
        this.changelog = changelog;
        this.collection = collection;
        this.fields = fields.clone();
        int arity = layout.rowType().getFieldCount();
        this.wanted = new boolean[arity];
        for (int f : fields) {
            wanted[f] = true;
        }
        this.metadataIsTime = new boolean[metadata.size()];
        for (int i = 0; i < metadata.size(); i++) {
            String key = metadata.get(i);
            if (!key.equals(TIME) && !key.equals(DIFF)) {
                throw new IllegalArgumentException(
                        "Cannot read metadata '" + key + "': a persist table has time and diff");
            }
            metadataIsTime[i] = key.equals(TIME);
        }
        this.whole =
                metadata.isEmpty()
                        && Arrays.equals(this.fields, IntStream.range(0, arity).toArray());
    }

    void emit(Update<byte[], byte[]> update, RowSink out) {
        long diff = update.diff();
        if (diff < 0 && !changelog) {
            throw new IllegalStateException(
                    "Cannot read collection "
                            + collection
                            + " as a snapshot: a row has the net multiplicity "
                            + diff
                            + " at time "
                            + update.time()
                            + " (key="
                            + Arrays.toString(update.key())
                            + "); a consolidated snapshot holds only positive multiplicities, so the collection holds"
                            + " more retractions than insertions of this row, which the persist sink never writes");
        }
        GenericRowData row = whole ? layout.decode(update.key(), update.value()) : project(update);
        row.setRowKind(diff > 0 ? RowKind.INSERT : RowKind.DELETE);
        out.accept(row);
        for (long i = 1; i < Math.abs(diff); i++) {
            out.accept(copy(row));
        }
    }

    private GenericRowData project(Update<byte[], byte[]> update) {
        GenericRowData full = new GenericRowData(wanted.length);
        layout.keyCodec().decodeInto(update.key(), full, wanted);
        layout.valueCodec().decodeInto(update.value(), full, wanted);
        GenericRowData row = new GenericRowData(fields.length + metadataIsTime.length);
        for (int i = 0; i < fields.length; i++) {
            row.setField(i, full.getField(fields[i]));
        }
        for (int i = 0; i < metadataIsTime.length; i++) {
            row.setField(fields.length + i, metadataIsTime[i] ? update.time() : update.diff());
        }
        return row;
    }

    private static GenericRowData copy(GenericRowData row) {
        GenericRowData copy = new GenericRowData(row.getRowKind(), row.getArity());
        for (int i = 0; i < row.getArity(); i++) {
            copy.setField(i, row.getField(i));
        }
        return copy;
    }
}
