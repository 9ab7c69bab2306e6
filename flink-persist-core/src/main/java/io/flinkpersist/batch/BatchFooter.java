package io.flinkpersist.batch;

import io.flinkpersist.DiffSums;
import java.util.List;
import java.util.Map;

/**
 * The footer of a batch file, validated (schema, format version, row group key bounds in order).
 *
 * @param key the blob key
 * @param fileSizeBytes the size of the file
 * @param totalRows the number of updates in the file
 * @param metadata the footer key-value metadata, including {@code flink-persist.format-version}
 * @param rowGroups the row groups in file order
 */
public record BatchFooter(
        String key,
        long fileSizeBytes,
        long totalRows,
        Map<String, String> metadata,
        List<RowGroupInfo> rowGroups) {

    public BatchFooter {
        metadata = Map.copyOf(metadata);
        rowGroups = List.copyOf(rowGroups);
    }

    /**
     * The sum of the batch's diffs, from its metadata; {@link DiffSums#UNKNOWN} for a batch written
     * without it.
     */
    public long diffSum() {
        String sum = metadata.get(BatchFormat.DIFF_SUM_KEY);
        if (sum == null) {
            return DiffSums.UNKNOWN;
        }
        try {
            return Long.parseLong(sum);
        } catch (NumberFormatException e) {
            return DiffSums.UNKNOWN;
        }
    }

    /** The number of row groups. */
    public int rowGroupCount() {
        return rowGroups.size();
    }
}
