package io.flinkpersist.batch;

import io.flinkpersist.blob.BlobStoreException;
import io.flinkpersist.blob.CorruptBlobException;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/** Constants and helpers of the Parquet batch file format shared by the writer and the reader. */
final class BatchFormat {

    /** The footer metadata key naming the format version. */
    static final String FORMAT_VERSION_KEY = "flink-persist.format-version";

    static final String FORMAT_VERSION = "1";

    /**
     * The footer metadata key of the sum of the batch's diffs ({@link io.flinkpersist.DiffSums});
     * batches written before it was recorded, or whose sum overflowed, have none.
     */
    static final String DIFF_SUM_KEY = "flink-persist.diff-sum";

    static final MessageType SCHEMA =
            MessageTypeParser.parseMessageType(
                    "message batch { required binary k; required binary v; required int64 t; required int64 d; }");

    static final int K = 0;
    static final int V = 1;
    static final int T = 2;
    static final int D = 3;

    private static final int MAX_HEX_BYTES = 32;

    private BatchFormat() {}

    /** A Hadoop configuration with no default resources: nothing is read from the local disk. */
    static Configuration hadoopConf() {
        return new Configuration(false);
    }

    /** Returns why {@code schema} is not the batch schema, or null if it is. */
    static String schemaMismatch(MessageType schema) {
        List<Type> fields = schema.getFields();
        List<Type> expected = SCHEMA.getFields();
        if (fields.size() != expected.size()) {
            return "schema has "
                    + fields.size()
                    + " columns, expected 4 (schema="
                    + oneLine(schema)
                    + ")";
        }
        for (int i = 0; i < expected.size(); i++) {
            Type f = fields.get(i);
            PrimitiveType e = expected.get(i).asPrimitiveType();
            boolean same =
                    f.isPrimitive()
                            && f.getName().equals(e.getName())
                            && f.getRepetition() == Type.Repetition.REQUIRED
                            && f.getLogicalTypeAnnotation() == null
                            && f.asPrimitiveType().getPrimitiveTypeName()
                                    == e.getPrimitiveTypeName();
            if (!same) {
                return "schema column "
                        + i
                        + " is '"
                        + f.toString().trim()
                        + "', expected '"
                        + e.toString().trim()
                        + "' (schema="
                        + oneLine(schema)
                        + ")";
            }
        }
        return null;
    }

    private static String oneLine(MessageType schema) {
        return schema.toString().replaceAll("\\s+", " ").trim();
    }

    /** Formats bytes as hex for messages, shortened after {@value #MAX_HEX_BYTES} bytes. */
    static String hex(byte[] bytes) {
        return hex(bytes, bytes.length);
    }

    static String hex(byte[] bytes, int length) {
        return hex(bytes, 0, length);
    }

    /**
     * Formats {@code length} bytes of {@code bytes} from {@code offset}, as {@link #hex(byte[])}.
     */
    static String hex(byte[] bytes, int offset, int length) {
        if (bytes == null) {
            return "null";
        }
        int shown = Math.min(length, MAX_HEX_BYTES);
        StringBuilder sb = new StringBuilder(2 + 2 * shown + 24).append("0x");
        for (int i = offset; i < offset + shown; i++) {
            sb.append(Character.forDigit((bytes[i] >> 4) & 0xF, 16))
                    .append(Character.forDigit(bytes[i] & 0xF, 16));
        }
        if (shown < length) {
            sb.append("...(").append(length).append(" bytes)");
        }
        return sb.toString();
    }

    /**
     * Maps a failure while decoding blob {@code key} to the exception to throw: a storage failure
     * of the underlying {@link io.flinkpersist.blob.BlobReader} is rethrown as it is (it says
     * nothing about the contents); anything else means the contents are broken and becomes a {@link
     * CorruptBlobException} saying {@code what}.
     */
    static IOException decodeFailure(String key, String what, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BlobInputFile.StorageFailure) {
                return (IOException) t.getCause();
            }
            if (t instanceof BlobStoreException) {
                return (BlobStoreException) t;
            }
            if (t == t.getCause()) {
                break;
            }
        }
        if (failure instanceof CorruptBlobException) {
            return (CorruptBlobException) failure;
        }
        return new CorruptBlobException(key, what + ": " + failure, failure);
    }
}
