package io.flinkpersist.bench.harness;

import io.flinkpersist.bench.Fingerprint;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Consumes what a read job returns and adds its {@link Fingerprint} to the job's accumulators:
 * {@code count} ({@code Σ diff}), {@code sum} ({@code Σ diff · h}), {@code rows} (records seen) and
 * {@code nonUnitDiffs} (records whose diff is not +1: none in a consolidated read of a set).
 *
 * @param <T> the record type of the system read
 */
abstract class FingerprintFunction<T> extends ProcessFunction<T, Void> {

    private static final long serialVersionUID = 1L;

    static final String COUNT = "count";
    static final String SUM = "sum";
    static final String ROWS = "rows";
    static final String NON_UNIT_DIFFS = "nonUnitDiffs";

    private transient LongCounter count;
    private transient LongCounter sum;
    private transient LongCounter rows;
    private transient LongCounter nonUnit;
    private long localCount;
    private long localSum;
    private long localRows;
    private long localNonUnit;

    @Override
    public void open(OpenContext context) {
        count = new LongCounter();
        sum = new LongCounter();
        rows = new LongCounter();
        nonUnit = new LongCounter();
        getRuntimeContext().addAccumulator(COUNT, count);
        getRuntimeContext().addAccumulator(SUM, sum);
        getRuntimeContext().addAccumulator(ROWS, rows);
        getRuntimeContext().addAccumulator(NON_UNIT_DIFFS, nonUnit);
    }

    void add(byte[] key, byte[] value, long diff) {
        localCount += diff;
        localSum += diff * Fingerprint.hash(key, value);
        localRows++;
        if (diff != 1) {
            localNonUnit++;
        }
    }

    @Override
    public void processElement(T record, Context ctx, Collector<Void> out) {
        accept(record);
    }

    abstract void accept(T record);

    @Override
    public void close() {
        count.add(localCount);
        sum.add(localSum);
        rows.add(localRows);
        nonUnit.add(localNonUnit);
    }
}
