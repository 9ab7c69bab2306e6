package io.flinkpersist.batch;

import io.flinkpersist.DiffSums;
import io.flinkpersist.blob.BlobStore;
import io.flinkpersist.blob.BlobWriter;
import java.io.Closeable;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Writes one batch file: a Parquet file of updates {@code message batch { required binary k;
 * required binary v; required int64 t; required int64 d; }} streamed into a new blob and published
 * atomically by {@link #finish()}. Not thread-safe.
 *
 * <h2>Invariants</h2>
 *
 * <p>I8: the updates of a batch are strictly increasing in {@code (k, v, t)} order ({@link
 * UpdateOrder}: unsigned bytes, then time), so no two share a {@code (k, v, t)} (the batch is
 * consolidated), and no diff is zero. {@link #add} enforces it before anything is written; {@link
 * BatchReader} checks it again on every decode.
 *
 * <p>The footer's key-value metadata holds {@code flink-persist.format-version=1}, the sum of the
 * batch's diffs ({@code flink-persist.diff-sum}, absent if it overflowed) and the caller's
 * metadata.
 *
 * <p>Usage: {@code try (BatchWriter w = BatchWriter.create(...)) { w.add(...); ...; stats =
 * w.finish(); }}. Closing without a successful {@code finish()} discards the file.
 */
public final class BatchWriter implements Closeable {

    private enum Phase {
        OPEN,
        FINISHED,
        FAILED,
        CLOSED
    }

    private final String key;
    private final BlobWriter blob;
    private final BlobOutputFile outputFile;
    private final BatchFileEncoder encoder;
    private final Map<String, String> footer;

    private Phase phase = Phase.OPEN;
    private long count;
    private long diffSum;
    private long minTime = Long.MAX_VALUE;
    private long maxTime = Long.MIN_VALUE;
    private byte[] prevKey = new byte[32];
    private int prevKeyLength;
    private byte[] prevValue = new byte[32];
    private int prevValueLength;
    private long prevTime;

    private BatchWriter(
            String key,
            BlobWriter blob,
            BlobOutputFile outputFile,
            BatchFileEncoder encoder,
            Map<String, String> footer) {
        this.key = key;
        this.blob = blob;
        this.outputFile = outputFile;
        this.encoder = encoder;
        this.footer = footer;
    }

    /**
     * Starts writing batch file {@code key} to {@code store}. Nothing is visible under {@code key}
     * until {@link #finish()} returns.
     *
     * @param metadata extra footer key-value metadata; must not contain {@code
     *     flink-persist.format-version}
     */
    public static BatchWriter create(
            BlobStore store, String key, BatchWriteOptions options, Map<String, String> metadata)
            throws IOException {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(metadata, "metadata");
        Map<String, String> footer = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException(
                        "Cannot create batch "
                                + key
                                + ": metadata keys and values must not be null (metadata="
                                + metadata
                                + ")");
            }
            if (e.getKey().equals(BatchFormat.FORMAT_VERSION_KEY)
                    || e.getKey().equals(BatchFormat.DIFF_SUM_KEY)) {
                throw new IllegalArgumentException(
                        "Cannot create batch "
                                + key
                                + ": metadata key "
                                + e.getKey()
                                + " is reserved for the writer; remove it (value="
                                + e.getValue()
                                + ")");
            }
            footer.put(e.getKey(), e.getValue());
        }
        footer.put(BatchFormat.FORMAT_VERSION_KEY, BatchFormat.FORMAT_VERSION);

        BlobWriter blob = store.create(key);
        try {
            BlobOutputFile file = new BlobOutputFile(key, blob);
            return new BatchWriter(key, blob, file, new BatchFileEncoder(file, options), footer);
        } catch (IOException | RuntimeException e) {
            try {
                blob.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The blob key this writer writes. */
    public String key() {
        return key;
    }

    /** The number of updates added so far. */
    public long updateCount() {
        return count;
    }

    /**
     * Appends one update. The writer copies what it keeps: the caller may reuse {@code k} and
     * {@code v} after this returns.
     *
     * @throws IllegalArgumentException if {@code (k, v, t)} is not strictly greater than the
     *     previous update's or {@code d == 0} (I8); nothing was written and the writer stays usable
     */
    public void add(byte[] k, byte[] v, long t, long d) throws IOException {
        Objects.requireNonNull(k, "k");
        Objects.requireNonNull(v, "v");
        add(k, 0, k.length, v, 0, v.length, t, d);
    }

    /**
     * Appends one update whose key and value are slices of the caller's arrays (for example a sort
     * buffer's arena), without allocating; otherwise as {@link #add(byte[], byte[], long, long)}.
     */
    public void add(
            byte[] kArray,
            int kOffset,
            int kLength,
            byte[] vArray,
            int vOffset,
            int vLength,
            long t,
            long d)
            throws IOException {
        checkOpen("add update to");
        if (count > 0) {
            int c =
                    UpdateOrder.compare(
                            kArray,
                            kOffset,
                            kLength,
                            vArray,
                            vOffset,
                            vLength,
                            t,
                            prevKey,
                            0,
                            prevKeyLength,
                            prevValue,
                            0,
                            prevValueLength,
                            prevTime);
            if (c <= 0) {
                throw new IllegalArgumentException(
                        "Cannot add update to batch "
                                + key
                                + ": updates must be strictly increasing in (key, value, time), but this one "
                                + (c == 0 ? "equals" : "sorts before")
                                + " the previous one; sort and consolidate first, e.g. with UpdateBuffer (key="
                                + BatchFormat.hex(kArray, kOffset, kLength)
                                + ", value="
                                + BatchFormat.hex(vArray, vOffset, vLength)
                                + ", time="
                                + t
                                + ", previousKey="
                                + BatchFormat.hex(prevKey, prevKeyLength)
                                + ", previousValue="
                                + BatchFormat.hex(prevValue, prevValueLength)
                                + ", previousTime="
                                + prevTime
                                + ", row="
                                + count
                                + ")");
            }
        }
        if (d == 0) {
            throw new IllegalArgumentException(
                    "Cannot add update to batch "
                            + key
                            + ": diff is zero; consolidation drops such updates (key="
                            + BatchFormat.hex(kArray, kOffset, kLength)
                            + ", value="
                            + BatchFormat.hex(vArray, vOffset, vLength)
                            + ", time="
                            + t
                            + ", row="
                            + count
                            + ")");
        }
        append(kArray, kOffset, kLength, vArray, vOffset, vLength, t, d);
        rememberPrevious(kArray, kOffset, kLength, vArray, vOffset, vLength, t);
    }

    /** Encodes a checked update and counts it; an encoder failure leaves the writer failed. */
    private void append(
            byte[] k, int kOffset, int kLength, byte[] v, int vOffset, int vLength, long t, long d)
            throws IOException {
        try {
            encoder.add(k, kOffset, kLength, v, vOffset, vLength, t, d);
        } catch (IOException | RuntimeException e) {
            phase = Phase.FAILED;
            throw e;
        }
        count++;
        diffSum = DiffSums.add(diffSum, d);
        if (t < minTime) {
            minTime = t;
        }
        if (t > maxTime) {
            maxTime = t;
        }
    }

    private void rememberPrevious(
            byte[] k, int kOffset, int kLength, byte[] v, int vOffset, int vLength, long t) {
        if (prevKey.length < kLength) {
            prevKey = new byte[Math.max(kLength, 2 * prevKey.length)];
        }
        System.arraycopy(k, kOffset, prevKey, 0, kLength);
        prevKeyLength = kLength;
        if (prevValue.length < vLength) {
            prevValue = new byte[Math.max(vLength, 2 * prevValue.length)];
        }
        System.arraycopy(v, vOffset, prevValue, 0, vLength);
        prevValueLength = vLength;
        prevTime = t;
    }

    /**
     * Adds every remaining update of {@code cursor} (see {@link #add}), from its slices; does not
     * close the cursor. When the cursor promises I8 ({@link UpdateCursor#consolidated()}: it was
     * checked as it was decoded, or it is a merge of such), only its first update is checked,
     * against what was added before; the cursor vouches for the rest, so each update is checked
     * once on its way from one file to the next.
     */
    public void addAll(UpdateCursor cursor) throws IOException {
        if (!cursor.consolidated()) {
            while (cursor.advance()) {
                add(
                        cursor.keyArray(),
                        cursor.keyOffset(),
                        cursor.keyLength(),
                        cursor.valueArray(),
                        cursor.valueOffset(),
                        cursor.valueLength(),
                        cursor.time(),
                        cursor.diff());
            }
            return;
        }
        if (!cursor.advance()) {
            return;
        }
        byte[] k = cursor.keyArray();
        int kOffset = cursor.keyOffset();
        int kLength = cursor.keyLength();
        byte[] v = cursor.valueArray();
        int vOffset = cursor.valueOffset();
        int vLength = cursor.valueLength();
        long t = cursor.time();
        add(k, kOffset, kLength, v, vOffset, vLength, t, cursor.diff());
        try {
            while (cursor.advance()) {
                byte[] nk = cursor.keyArray();
                int nkOffset = cursor.keyOffset();
                int nkLength = cursor.keyLength();
                byte[] nv = cursor.valueArray();
                int nvOffset = cursor.valueOffset();
                int nvLength = cursor.valueLength();
                long nt = cursor.time();
                append(nk, nkOffset, nkLength, nv, nvOffset, nvLength, nt, cursor.diff());
                k = nk;
                kOffset = nkOffset;
                kLength = nkLength;
                v = nv;
                vOffset = nvOffset;
                vLength = nvLength;
                t = nt;
            }
        } finally {
            // The slices never change, so the last update added can be remembered after the
            // cursor moved past it; a later add() is checked against it.
            rememberPrevious(k, kOffset, kLength, v, vOffset, vLength, t);
        }
    }

    /**
     * Writes the footer and publishes the blob. An empty batch is a valid file with no row groups.
     *
     * @throws io.flinkpersist.blob.BlobAlreadyExistsException if the key exists; nothing was
     *     published
     */
    public BatchStats finish() throws IOException {
        checkOpen("finish");
        boolean published = false;
        try {
            if (DiffSums.isKnown(diffSum)) {
                footer.put(BatchFormat.DIFF_SUM_KEY, Long.toString(diffSum));
            }
            encoder.finish(footer);
            long size = blob.position();
            blob.publish();
            published = true;
            phase = Phase.FINISHED;
            return new BatchStats(
                    key,
                    size,
                    count,
                    diffSum,
                    count == 0 ? OptionalLong.empty() : OptionalLong.of(minTime),
                    count == 0 ? OptionalLong.empty() : OptionalLong.of(maxTime));
        } finally {
            if (!published) {
                phase = Phase.CLOSED;
                outputFile.discard();
            }
            try {
                encoder.release();
            } finally {
                blob.close();
            }
        }
    }

    /** Discards the file unless {@link #finish()} succeeded; idempotent. */
    @Override
    public void close() throws IOException {
        if (phase == Phase.FINISHED || phase == Phase.CLOSED) {
            phase = Phase.CLOSED;
            return;
        }
        phase = Phase.CLOSED;
        outputFile.discard();
        try {
            encoder.release();
        } finally {
            blob.close();
        }
    }

    private void checkOpen(String verb) {
        if (phase != Phase.OPEN) {
            throw new IllegalStateException(
                    "Cannot " + verb + " batch " + key + ": the writer is " + describe(phase));
        }
    }

    private static String describe(Phase phase) {
        switch (phase) {
            case FINISHED:
                return "finished";
            case FAILED:
                return "broken by an earlier write failure; close it and write the batch again";
            default:
                return "closed";
        }
    }
}
