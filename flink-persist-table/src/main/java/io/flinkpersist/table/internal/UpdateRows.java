package io.flinkpersist.table.internal;

import io.flinkpersist.Update;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;

/**
 * Turns a read update into table rows: {@code |diff|} rows, each {@code +I} for a positive diff and
 * {@code -D} for a negative one. A snapshot scan is insert-only, so there a negative multiplicity
 * (more retractions than insertions of a row, which the sink never writes) fails.
 */
@Internal
final class UpdateRows implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Receives the rows of one update. */
    @FunctionalInterface
    interface RowSink {
        void accept(RowData row);
    }

    private final RowLayout layout;
    private final boolean changelog;
    private final String collection;

    /**
     * @param changelog whether negative diffs become deletes (continuous scans) or are an error
     *     (snapshots)
     */
    UpdateRows(RowLayout layout, boolean changelog, String collection) {
        this.layout = layout;
        this.changelog = changelog;
        this.collection = collection;
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
        GenericRowData row = layout.decode(update.key(), update.value());
        row.setRowKind(diff > 0 ? RowKind.INSERT : RowKind.DELETE);
        out.accept(row);
        for (long i = 1; i < Math.abs(diff); i++) {
            out.accept(copy(row));
        }
    }

    private static GenericRowData copy(GenericRowData row) {
        GenericRowData copy = new GenericRowData(row.getRowKind(), row.getArity());
        for (int i = 0; i < row.getArity(); i++) {
            copy.setField(i, row.getField(i));
        }
        return copy;
    }
}
