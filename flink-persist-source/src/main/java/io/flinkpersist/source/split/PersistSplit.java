package io.flinkpersist.source.split;

import io.flinkpersist.read.BatchSlice;
import io.flinkpersist.read.ReadTimes;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * A part of a snapshot one reader reads: batch slices (row-group ranges) of one pinned state
 * version. Immutable; a reader's progress lives in {@link PersistSplitState}.
 *
 * <ul>
 *   <li>{@link Mode#RAW}: the slices one after another, consolidated within each batch only.
 *   <li>{@link Mode#CONSOLIDATED}: every slice merged, restricted to the keys {@code [lowerKey,
 *       upperKey)}, so each {@code (key, value)} of the range appears once with its net diff.
 *   <li>{@link Mode#COUNT}: one update whose diff is {@code counted} plus the sum of the diffs of
 *       the slices' updates (read as a raw split reads them): the rows the slices add to the
 *       snapshot, with those known without reading.
 * </ul>
 *
 * @param splitId unique within the source
 * @param mode raw or consolidated
 * @param slices the row groups to read
 * @param times how stored times map to read times
 * @param lowerKey first key of the range, inclusive; null: unbounded (consolidated only)
 * @param upperKey end of the key range, exclusive; null: unbounded (consolidated only)
 * @param recordsToSkip updates already emitted before a checkpoint, skipped on restore
 * @param counted a count split's rows known from batch metadata; 0 for other modes
 */
@Internal
public record PersistSplit(
        String splitId,
        Mode mode,
        List<BatchSlice> slices,
        ReadTimes times,
        byte[] lowerKey,
        byte[] upperKey,
        long recordsToSkip,
        long counted)
        implements SourceSplit {

    /** How a split reads; each mode has a fixed code in serialized splits. */
    public enum Mode {
        RAW(0),
        CONSOLIDATED(1),
        COUNT(2);

        private final int code;

        Mode(int code) {
            this.code = code;
        }

        /** The mode's code in serialized splits. */
        public int code() {
            return code;
        }

        /** The mode with {@code code}, if any. */
        public static Optional<Mode> ofCode(int code) {
            for (Mode m : values()) {
                if (m.code == code) {
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }
    }

    public PersistSplit {
        Objects.requireNonNull(splitId, "splitId");
        Objects.requireNonNull(mode, "mode");
        slices = List.copyOf(slices);
        Objects.requireNonNull(times, "times");
        if (recordsToSkip < 0) {
            throw new IllegalArgumentException(
                    "Cannot create split " + splitId + ": negative recordsToSkip " + recordsToSkip);
        }
    }

    /** A split that counts nothing from metadata. */
    public PersistSplit(
            String splitId,
            Mode mode,
            List<BatchSlice> slices,
            ReadTimes times,
            byte[] lowerKey,
            byte[] upperKey,
            long recordsToSkip) {
        this(splitId, mode, slices, times, lowerKey, upperKey, recordsToSkip, 0);
    }

    /** The stored bytes of its row groups: what assignment balances. */
    public long bytes() {
        return slices.stream().mapToLong(BatchSlice::bytes).sum();
    }

    /** This split, resumed after {@code emitted} updates. */
    public PersistSplit resumedAfter(long emitted) {
        return new PersistSplit(splitId, mode, slices, times, lowerKey, upperKey, emitted, counted);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PersistSplit s
                && splitId.equals(s.splitId)
                && mode == s.mode
                && slices.equals(s.slices)
                && times.equals(s.times)
                && Arrays.equals(lowerKey, s.lowerKey)
                && Arrays.equals(upperKey, s.upperKey)
                && recordsToSkip == s.recordsToSkip
                && counted == s.counted;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                splitId,
                mode,
                slices,
                times,
                Arrays.hashCode(lowerKey),
                Arrays.hashCode(upperKey),
                recordsToSkip,
                counted);
    }

    @Override
    public String toString() {
        return "PersistSplit{"
                + splitId
                + ", "
                + mode
                + ", "
                + slices.size()
                + " slices, "
                + bytes()
                + " bytes, skip "
                + recordsToSkip
                + (mode == Mode.COUNT ? ", counted " + counted : "")
                + "}";
    }
}
