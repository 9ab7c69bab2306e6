package io.flinkpersist.batch;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Writes one {@link Row} per record straight to the {@link RecordConsumer}. One {@code Row} is reused
 * for all records; Parquet copies key and value bytes where it keeps them (statistics, dictionary).
 * Writing {@code null} throws, which makes Parquet mark the writer aborted so that closing it writes
 * nothing more (see {@link BatchWriter#close()}).
 */
final class BatchWriteSupport extends WriteSupport<BatchWriteSupport.Row> {

    /** The mutable holder of the record being written. */
    static final class Row {
        byte[] k;
        byte[] v;
        long t;
        long d;
    }

    /** Thrown on {@code write(null)}: the owner is abandoning the file. */
    static final class AbortSignal extends RuntimeException {
        AbortSignal() {
            super("batch write aborted", null, false, false);
        }
    }

    private final Map<String, String> metadata;
    private RecordConsumer consumer;

    BatchWriteSupport(Map<String, String> metadata) {
        this.metadata = metadata;
    }

    @Override
    public WriteContext init(Configuration configuration) {
        return new WriteContext(BatchFormat.SCHEMA, metadata);
    }

    @Override
    public String getName() {
        return "flink-persist";
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.consumer = recordConsumer;
    }

    @Override
    public void write(Row row) {
        if (row == null) {
            throw new AbortSignal();
        }
        RecordConsumer c = consumer;
        c.startMessage();
        c.startField("k", BatchFormat.K);
        c.addBinary(Binary.fromReusedByteArray(row.k));
        c.endField("k", BatchFormat.K);
        c.startField("v", BatchFormat.V);
        c.addBinary(Binary.fromReusedByteArray(row.v));
        c.endField("v", BatchFormat.V);
        c.startField("t", BatchFormat.T);
        c.addLong(row.t);
        c.endField("t", BatchFormat.T);
        c.startField("d", BatchFormat.D);
        c.addLong(row.d);
        c.endField("d", BatchFormat.D);
        c.endMessage();
    }
}
