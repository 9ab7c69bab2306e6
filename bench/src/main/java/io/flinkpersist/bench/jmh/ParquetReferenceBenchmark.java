package io.flinkpersist.bench.jmh;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The reference for {@link EngineBenchmarks#encode}: the same sorted rows, same schema ({@code k,
 * v} binary, {@code t, d} int64), same row-group and page sizes, written on one core by
 * parquet-hadoop's example writer ({@link ExampleParquetWriter}, a {@link Group} per row) into
 * memory. {@code codec} ZSTD is the engine's default; dictionary encoding is off for {@code k} and
 * {@code v} as in the engine.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx3g", "-XX:+UseG1GC"})
public class ParquetReferenceBenchmark {

    static final MessageType SCHEMA =
            MessageTypeParser.parseMessageType(
                    "message batch { required binary k; required binary v; required int64 t; required int64 d; }");

    @State(Scope.Benchmark)
    public static class Rows {
        @Param({"ZSTD", "SNAPPY"})
        public String codec;

        BenchData data;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            data = BenchData.sorted(BenchData.UPDATES, 1);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BenchData.UPDATES)
    public long exampleWriter(Rows rows) throws IOException {
        CountingOutputFile out = new CountingOutputFile();
        SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
        BenchData d = rows.data;
        try (ParquetWriter<Group> writer =
                ExampleParquetWriter.builder(out)
                        .withConf(new Configuration(false))
                        .withType(SCHEMA)
                        .withCompressionCodec(CompressionCodecName.valueOf(rows.codec))
                        .withRowGroupSize(8L << 20)
                        .withPageSize(1 << 20)
                        .withDictionaryEncoding(true)
                        .withDictionaryEncoding("k", false)
                        .withDictionaryEncoding("v", false)
                        .build()) {
            for (int i = 0; i < d.size(); i++) {
                Group g = groups.newGroup();
                g.add(0, Binary.fromConstantByteArray(d.keys[i]));
                g.add(1, Binary.fromConstantByteArray(d.values[i]));
                g.add(2, d.times[i]);
                g.add(3, d.diffs[i]);
                writer.write(g);
            }
        }
        return out.bytes;
    }

    /** Counts and discards what a writer writes. */
    static final class CountingOutputFile implements OutputFile {
        long bytes;

        @Override
        public PositionOutputStream create(long blockSizeHint) {
            return new PositionOutputStream() {
                @Override
                public long getPos() {
                    return bytes;
                }

                @Override
                public void write(int b) {
                    bytes++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    bytes += len;
                }
            };
        }

        @Override
        public PositionOutputStream createOrOverwrite(long blockSizeHint) {
            return create(blockSizeHint);
        }

        @Override
        public boolean supportsBlockSize() {
            return false;
        }

        @Override
        public long defaultBlockSize() {
            return 0;
        }
    }
}
