package io.flinkpersist.source;

import io.flinkpersist.read.KeyRange;
import java.io.Serializable;
import java.util.List;
import org.apache.flink.annotation.Internal;

/**
 * What a read may leave out, each a superset of what the reading job keeps (so leaving it out
 * cannot change a result): keys outside some key ranges, updates stored at times before a bound,
 * and the updates of a split after its first {@code limit}.
 *
 * @param keyRanges sorted, disjoint key ranges outside which no key is read; null: every key
 * @param timesFrom updates stored at a time before it are not read (0: none is left out); stored
 *     times are never below the times the updates were written with, so this leaves out only
 *     updates written before it
 * @param limit each split emits at most this many updates; -1: no limit
 */
@Internal
public record ReadFilter(List<KeyRange> keyRanges, long timesFrom, long limit)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Reads everything. */
    public static final ReadFilter NONE = new ReadFilter(null, 0, -1);

    public ReadFilter {
        keyRanges = keyRanges == null ? null : KeyRange.normalize(keyRanges);
        if (limit < -1) {
            throw new IllegalArgumentException("Cannot create read filter: limit " + limit);
        }
    }

    /** Whether a batch whose times all lie before {@code upperExclusive} can be left out. */
    public boolean skipsTimesBefore(long upperExclusive) {
        return upperExclusive <= timesFrom;
    }

    public boolean restrictsKeys() {
        return keyRanges != null;
    }

    /** Whether a row group with keys in {@code [min, max]} may hold a key the read keeps. */
    public boolean mayHoldKeys(byte[] min, byte[] max) {
        if (keyRanges == null) {
            return true;
        }
        for (KeyRange r : keyRanges) {
            if (r.overlaps(min, max)) {
                return true;
            }
        }
        return false;
    }
}
