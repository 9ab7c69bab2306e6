package io.flinkpersist.bench.harness;

import io.flinkpersist.Codecs;
import io.flinkpersist.Update;
import io.flinkpersist.bench.Workload;
import io.flinkpersist.sink.PersistSink;
import io.flinkpersist.source.PersistSource;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.formats.parquet.ParquetColumnarRowInputFormat;
import org.apache.flink.formats.parquet.row.ParquetRowDataBuilder;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.hadoop.conf.Configuration;

/**
 * The jobs of the three systems: each ingest reads the same generated stream (a sequence source and
 * the generator at parallelism 1, event-time watermarks trailing by the out-of-orderness) and
 * writes at the cluster's parallelism; each read returns the stored state to a {@link
 * FingerprintFunction}.
 */
final class Systems {

    static final String COLLECTION = "bench";
    static final String PAIMON_TABLE = "paimon.`default`.kv";

    /** FileSink rows: every update as it came, {@code (k, v, t, d)}. */
    static final RowType FILE_ROW =
            RowType.of(
                    new LogicalType[] {
                        new VarBinaryType(VarBinaryType.MAX_LENGTH),
                        new VarBinaryType(VarBinaryType.MAX_LENGTH),
                        new BigIntType(),
                        new BigIntType()
                    },
                    new String[] {"k", "v", "t", "d"});

    private Systems() {}

    /** What the harness configures for each system, for the report. */
    static String settings(String system, long bufferSize, long checkpointMillis) {
        return switch (system) {
            case "persist" ->
                    "PersistSink: buffer "
                            + (bufferSize >> 20)
                            + " MiB per writer, maintenance on, since follows the seal"
                            + " (history retention 0), GC every checkpoint interval, the whole stream sealed at the end of input (closeOnEndOfInput: the last commit closes the collection, so every update is drained and the space amplification measures compaction, not where the last watermark fell), then the end-of-input drain and merge of the trace into one batch, written in parallel parts by the sink's merge work stage, which the ingest's wall time (and its tail) includes; zstd";
            case "paimon" ->
                    "Paimon primary-key table (k, v), bucket = parallelism, deduplicate merge engine, snapshots retained: 1"
                            + " (the latest state only, as persist); other options default (zstd, async compaction)";
            case "files" ->
                    "FileSink bulk format, ParquetRowDataBuilder (Flink's defaults: snappy, rolls on every checkpoint); no sort, no compaction";
            default -> throw new IllegalArgumentException("Unknown system " + system);
        };
    }

    private static <T> DataStream<T> generated(
            StreamExecutionEnvironment env,
            Workload w,
            GenerateUpdates<T> generator,
            TypeInformation<T> type,
            TimeOf<T> timeOf) {
        return env.fromSequence(0, w.updates() - 1)
                .setParallelism(1)
                .name("positions")
                .map(generator)
                .returns(type)
                .setParallelism(1)
                .name("workload")
                .assignTimestampsAndWatermarks(
                        WatermarkStrategy.<T>forBoundedOutOfOrderness(
                                        Duration.ofMillis(w.outOfOrderness()))
                                .withTimestampAssigner((r, ts) -> timeOf.time(r)))
                .setParallelism(1)
                .name("watermarks");
    }

    @FunctionalInterface
    private interface TimeOf<T> extends Serializable {
        long time(T record);
    }

    static TypeInformation<Update<byte[], byte[]>> updateType() {
        return TypeInformation.of(new TypeHint<Update<byte[], byte[]>>() {});
    }

    // ---- persist ----

    static void persistIngest(
            StreamExecutionEnvironment env,
            Workload w,
            Path location,
            long bufferSize,
            Duration gcInterval) {
        generated(
                        env,
                        w,
                        new GenerateUpdates<Update<byte[], byte[]>>(w) {
                            private static final long serialVersionUID = 1L;

                            @Override
                            Update<byte[], byte[]> make(
                                    byte[] key, byte[] value, long time, long diff) {
                                return new Update<>(key, value, time, diff);
                            }
                        },
                        updateType(),
                        Update::time)
                .sinkTo(
                        PersistSink.<byte[], byte[]>builder()
                                .location(location.toString())
                                .collection(COLLECTION)
                                .keyCodec(Codecs.bytes())
                                .valueCodec(Codecs.bytes())
                                .bufferSize(bufferSize)
                                .historyRetention(0L)
                                .gcInterval(gcInterval)
                                .closeOnEndOfInput(true)
                                .build())
                .name("persist");
    }

    static void persistRead(StreamExecutionEnvironment env, Path location) {
        PersistSource<Update<byte[], byte[]>> source =
                PersistSource.<byte[], byte[]>builder()
                        .location(location.toString())
                        .collection(COLLECTION)
                        .keyCodec(Codecs.bytes())
                        .valueCodec(Codecs.bytes())
                        .producedType(updateType())
                        .build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "persist snapshot")
                .process(
                        new FingerprintFunction<Update<byte[], byte[]>>() {
                            private static final long serialVersionUID = 1L;

                            @Override
                            void accept(Update<byte[], byte[]> u) {
                                add(u.key(), u.value(), u.diff());
                            }
                        })
                .name("fingerprint")
                .sinkTo(new DiscardingSink<>());
    }

    // ---- Paimon ----

    private static String catalog(Path warehouse) {
        return "CREATE CATALOG paimon WITH ('type' = 'paimon', 'warehouse' = '"
                + warehouse.toUri()
                + "')";
    }

    static void paimonIngest(
            StreamExecutionEnvironment env, Workload w, Path warehouse, int parallelism) {
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        TypeInformation<Row> rowType =
                Types.ROW_NAMED(
                        new String[] {"k", "v", "t"},
                        Types.PRIMITIVE_ARRAY(Types.BYTE),
                        Types.PRIMITIVE_ARRAY(Types.BYTE),
                        Types.LONG);
        DataStream<Row> rows =
                generated(
                        env,
                        w,
                        new GenerateUpdates<Row>(w) {
                            private static final long serialVersionUID = 1L;

                            @Override
                            Row make(byte[] key, byte[] value, long time, long diff) {
                                return Row.ofKind(
                                        diff > 0 ? RowKind.INSERT : RowKind.DELETE,
                                        key,
                                        value,
                                        time);
                            }
                        },
                        rowType,
                        r -> (Long) r.getField(2));
        Table source =
                tEnv.fromChangelogStream(
                        rows,
                        Schema.newBuilder()
                                .column("k", DataTypes.BYTES().notNull())
                                .column("v", DataTypes.BYTES().notNull())
                                .column("t", DataTypes.BIGINT())
                                .primaryKey("k", "v")
                                .build(),
                        ChangelogMode.newBuilder()
                                .addContainedKind(RowKind.INSERT)
                                .addContainedKind(RowKind.DELETE)
                                .build());
        tEnv.createTemporaryView("src", source);
        tEnv.executeSql(catalog(warehouse));
        tEnv.executeSql(
                "CREATE TABLE "
                        + PAIMON_TABLE
                        + " (k BYTES NOT NULL, v BYTES NOT NULL, t BIGINT, PRIMARY KEY (k, v) NOT ENFORCED) WITH ("
                        + "'bucket' = '"
                        + parallelism
                        + "', 'snapshot.num-retained.min' = '1', 'snapshot.num-retained.max' = '1')");
        StreamStatementSet statements = tEnv.createStatementSet();
        statements.addInsertSql(
                "INSERT INTO "
                        + PAIMON_TABLE
                        + " /*+ OPTIONS('sink.parallelism' = '"
                        + parallelism
                        + "') */ SELECT k, v, t FROM src");
        statements.attachAsDataStream();
    }

    static void paimonRead(StreamExecutionEnvironment env, Path warehouse) {
        StreamTableEnvironment tEnv =
                StreamTableEnvironment.create(
                        env, EnvironmentSettings.newInstance().inBatchMode().build());
        tEnv.executeSql(catalog(warehouse));
        DataStream<Row> rows = tEnv.toDataStream(tEnv.sqlQuery("SELECT k, v FROM " + PAIMON_TABLE));
        rows.process(
                        new FingerprintFunction<Row>() {
                            private static final long serialVersionUID = 1L;

                            @Override
                            void accept(Row r) {
                                add(
                                        (byte[]) r.getField(0),
                                        (byte[]) r.getField(1),
                                        r.getKind() == RowKind.DELETE
                                                        || r.getKind() == RowKind.UPDATE_BEFORE
                                                ? -1
                                                : 1);
                            }
                        })
                .name("fingerprint")
                .sinkTo(new DiscardingSink<>());
    }

    // ---- FileSink / FileSource ----

    static void filesIngest(StreamExecutionEnvironment env, Workload w, Path dir) {
        FileSink<RowData> sink =
                FileSink.forBulkFormat(
                                new org.apache.flink.core.fs.Path(dir.toUri()),
                                ParquetRowDataBuilder.createWriterFactory(
                                        FILE_ROW, new Configuration(), true))
                        .build();
        generated(
                        env,
                        w,
                        new GenerateUpdates<RowData>(w) {
                            private static final long serialVersionUID = 1L;

                            @Override
                            RowData make(byte[] key, byte[] value, long time, long diff) {
                                return GenericRowData.of(key, value, time, diff);
                            }
                        },
                        InternalTypeInfo.of(FILE_ROW),
                        r -> r.getLong(2))
                .sinkTo(sink)
                .name("filesink");
    }

    static void filesRead(StreamExecutionEnvironment env, Path dir) {
        ParquetColumnarRowInputFormat<FileSourceSplit> format =
                new ParquetColumnarRowInputFormat<>(
                        new Configuration(),
                        FILE_ROW,
                        InternalTypeInfo.of(FILE_ROW),
                        2048,
                        true,
                        true);
        FileSource<RowData> source =
                FileSource.forBulkFileFormat(format, new org.apache.flink.core.fs.Path(dir.toUri()))
                        .build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "parquet files")
                .process(
                        new FingerprintFunction<RowData>() {
                            private static final long serialVersionUID = 1L;

                            @Override
                            void accept(RowData r) {
                                add(r.getBinary(0), r.getBinary(1), r.getLong(3));
                            }
                        })
                .name("fingerprint")
                .sinkTo(new DiscardingSink<>());
    }
}
