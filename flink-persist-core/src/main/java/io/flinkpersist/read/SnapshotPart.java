package io.flinkpersist.read;

import io.flinkpersist.batch.BatchCache;
import io.flinkpersist.batch.Cursors;
import io.flinkpersist.batch.UpdateCursor;
import io.flinkpersist.blob.BlobStore;
import java.util.ArrayList;
import java.util.List;

/**
 * One of the parts a snapshot is split into: a list of batch slices read one after another. Reading
 * is lazy: a slice's batch is opened only when the previous slice is exhausted. Updates are not
 * consolidated across slices.
 */
public record SnapshotPart(List<BatchSlice> slices, ReadTimes times) {

    public SnapshotPart {
        slices = List.copyOf(slices);
    }

    /** The stored bytes of the row groups this part reads. */
    public long bytes() {
        long total = 0;
        for (BatchSlice s : slices) {
            total += s.bytes();
        }
        return total;
    }

    public UpdateCursor open(BlobStore store) {
        return open(store, BatchCache.disabled());
    }

    /** Reads the part, serving row groups from {@code cache} where it has them. */
    public UpdateCursor open(BlobStore store, BatchCache cache) {
        List<Cursors.CursorSupplier> suppliers = new ArrayList<>(slices.size());
        for (BatchSlice s : slices) {
            suppliers.add(() -> s.open(store, times, cache));
        }
        return Cursors.concat(suppliers);
    }
}
