package io.flinkpersist.state;

import java.util.OptionalLong;
import java.util.UUID;

/**
 * Where a collection keeps what in its blob store, the one place that knows:
 *
 * <pre>
 *   state/&lt;seqno, 20 digits&gt;   one state record per version, never rewritten
 *   batches/&lt;uuid&gt;.parquet      one immutable batch
 * </pre>
 *
 * Keys of state records sort by version, so a listing finds the latest.
 */
public final class CollectionLayout {

    /** The directory of state records under a collection. */
    public static final String STATE_PREFIX = "state/";

    /** The directory of batch blobs under a collection. */
    public static final String BATCH_PREFIX = "batches/";

    private static final int SEQNO_DIGITS = 20;

    private CollectionLayout() {}

    /** The key of state version {@code seqNo}: 20 zero-padded digits, so keys sort by version. */
    public static String stateKey(long seqNo) {
        if (seqNo < 0) {
            throw new IllegalArgumentException(
                    "Cannot name state record: negative seqNo (seqNo=" + seqNo + ")");
        }
        return STATE_PREFIX + String.format("%020d", seqNo);
    }

    /** The version a state record's key names; empty if {@code key} is not such a key. */
    public static OptionalLong seqNoOf(String key) {
        if (!key.startsWith(STATE_PREFIX) || key.length() != STATE_PREFIX.length() + SEQNO_DIGITS) {
            return OptionalLong.empty();
        }
        String digits = key.substring(STATE_PREFIX.length());
        if (!digits.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(digits));
        } catch (NumberFormatException e) {
            return OptionalLong.empty(); // 20 digits above Long.MAX_VALUE
        }
    }

    /** A fresh, unique batch key. */
    public static String newBatchKey() {
        return BATCH_PREFIX + UUID.randomUUID() + ".parquet";
    }
}
