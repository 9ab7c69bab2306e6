package io.flinkpersist.table.internal;

import io.flinkpersist.sink.UpdateSerializer;
import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.table.data.RowData;

/**
 * What the persist sink writes for a table row: key and value encoded by the table's {@link
 * RowLayout}, diff {@code +1} for {@code INSERT} and {@code UPDATE_AFTER}, {@code -1} for {@code
 * UPDATE_BEFORE} and {@code DELETE}, and the time from the rowtime column or, without one, the
 * writer's commit epoch (the sink is then built with {@code timeFromCommitEpochs()}).
 */
@Internal
public final class RowDataSerializer implements UpdateSerializer<RowData> {

    private static final long serialVersionUID = 1L;

    private final RowLayout layout;

    public RowDataSerializer(RowLayout layout) {
        this.layout = layout;
    }

    @Override
    public void serialize(RowData row, UpdateWriter out) throws IOException, InterruptedException {
        long diff;
        switch (row.getRowKind()) {
            case INSERT:
            case UPDATE_AFTER:
                diff = 1;
                break;
            case UPDATE_BEFORE:
            case DELETE:
                diff = -1;
                break;
            default:
                throw new IllegalArgumentException(
                        "Cannot write a row of kind " + row.getRowKind());
        }
        long time =
                layout.rowtimePosition().isPresent() ? layout.rowtimeOf(row) : out.commitEpoch();
        out.write(layout.keyCodec().encode(row), layout.valueCodec().encode(row), time, diff);
    }
}
