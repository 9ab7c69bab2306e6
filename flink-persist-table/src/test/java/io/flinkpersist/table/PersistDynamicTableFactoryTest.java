package io.flinkpersist.table;

import static io.flinkpersist.table.TableTestSupport.messages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.sink.LateUpdatePolicy;
import io.flinkpersist.sink.internal.SinkSettings;
import io.flinkpersist.source.SourceSettings;
import io.flinkpersist.table.internal.PersistTableSink;
import io.flinkpersist.table.internal.PersistTableSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.CatalogTable;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ObjectIdentifier;
import org.apache.flink.table.catalog.ResolvedCatalogTable;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.catalog.WatermarkSpec;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.expressions.FieldReferenceExpression;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/**
 * The factory without a cluster: it is found by its identifier, maps every option onto the persist
 * sink and source, lays rows out by primary key and rowtime, and rejects bad options and types with
 * messages that name them.
 */
class PersistDynamicTableFactoryTest {

    private static final ObjectIdentifier ID = ObjectIdentifier.of("cat", "db", "orders");

    private static Map<String, String> options(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        m.put("connector", "persist");
        m.put("location", "/data/persist");
        m.put("collection", "orders");
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] == null) {
                m.remove(keyValues[i]);
            } else {
                m.put(keyValues[i], keyValues[i + 1]);
            }
        }
        return m;
    }

    private static ResolvedCatalogTable table(
            Map<String, String> options, boolean primaryKey, boolean watermark, Column... extra) {
        List<Column> columns =
                new ArrayList<>(
                        List.of(
                                Column.physical("id", DataTypes.BIGINT().notNull()),
                                Column.physical("name", DataTypes.STRING()),
                                Column.physical("ts", DataTypes.TIMESTAMP(3))));
        columns.addAll(List.of(extra));
        List<WatermarkSpec> watermarks =
                watermark
                        ? List.of(
                                WatermarkSpec.of(
                                        "ts",
                                        new FieldReferenceExpression(
                                                "ts", DataTypes.TIMESTAMP(3), 0, 2)))
                        : List.of();
        ResolvedSchema schema =
                new ResolvedSchema(
                        columns,
                        watermarks,
                        primaryKey ? UniqueConstraint.primaryKey("pk", List.of("id")) : null,
                        List.of());
        CatalogTable table =
                CatalogTable.newBuilder()
                        .schema(Schema.newBuilder().fromResolvedSchema(schema).build())
                        .options(options)
                        .build();
        return new ResolvedCatalogTable(table, schema);
    }

    private static PersistTableSink sink(ResolvedCatalogTable table) {
        return (PersistTableSink)
                FactoryUtil.createDynamicTableSink(
                        null,
                        ID,
                        table,
                        Map.of(),
                        new Configuration(),
                        PersistDynamicTableFactoryTest.class.getClassLoader(),
                        false);
    }

    private static PersistTableSource source(ResolvedCatalogTable table) {
        return (PersistTableSource)
                FactoryUtil.createDynamicTableSource(
                        null,
                        ID,
                        table,
                        Map.of(),
                        new Configuration(),
                        PersistDynamicTableFactoryTest.class.getClassLoader(),
                        false);
    }

    @Test
    void isFoundByItsIdentifierAsSourceAndSinkFactory() {
        ClassLoader cl = getClass().getClassLoader();
        assertThat(FactoryUtil.discoverFactory(cl, DynamicTableSourceFactory.class, "persist"))
                .isInstanceOf(PersistDynamicTableFactory.class);
        assertThat(FactoryUtil.discoverFactory(cl, DynamicTableSinkFactory.class, "persist"))
                .isInstanceOf(PersistDynamicTableFactory.class);
        PersistDynamicTableFactory factory = new PersistDynamicTableFactory();
        assertThat(factory.requiredOptions())
                .containsExactlyInAnyOrder(PersistOptions.LOCATION, PersistOptions.COLLECTION);
    }

    @Test
    void sinkDefaults() {
        PersistTableSink sink = sink(table(options(), true, false));
        SinkSettings s = sink.sink().settings();
        assertThat(s.location()).isEqualTo("/data/persist");
        assertThat(s.collection()).isEqualTo("orders");
        assertThat(s.writing().bufferSizeBytes()).isEqualTo(64L << 20);
        assertThat(s.writing().lateUpdates()).isEqualTo(LateUpdatePolicy.FAIL);
        assertThat(s.writing().idleTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.committing().sinceLag()).hasValue(1L);
        assertThat(s.maintenance().enabled()).isTrue();
        assertThat(s.writing().maxBacklog()).isEqualTo(1000);
        assertThat(s.maintenance().gcInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.maintenance().gcGracePeriod()).isEqualTo(Duration.ofHours(1));
        assertThat(s.committing().closeOnEndOfInput()).isFalse();
        assertThat(sink.getChangelogMode(ChangelogMode.insertOnly()))
                .isEqualTo(ChangelogMode.all());
        assertThat(sink.asSummaryString()).isEqualTo("persist(orders)");
    }

    @Test
    void sinkOptionsReachThePersistSink() {
        PersistTableSink sink =
                sink(
                        table(
                                options(
                                        "sink.buffer-size", "1 mb",
                                        "sink.late-updates", "advance",
                                        "sink.idle-timeout", "30 s",
                                        "sink.history-retention", "3600000",
                                        "sink.maintenance", "false",
                                        "sink.max-backlog", "50",
                                        "sink.gc-interval", "1 min",
                                        "sink.gc-grace-period", "10 min",
                                        "sink.close-on-end-of-input", "true",
                                        "sink.parallelism", "3"),
                                true,
                                false));
        SinkSettings s = sink.sink().settings();
        assertThat(s.writing().bufferSizeBytes()).isEqualTo(1L << 20);
        assertThat(s.writing().lateUpdates()).isEqualTo(LateUpdatePolicy.ADVANCE);
        assertThat(s.writing().idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.committing().sinceLag()).hasValue(3_600_000L);
        assertThat(s.maintenance().enabled()).isFalse();
        assertThat(s.writing().maxBacklog()).isEqualTo(50);
        assertThat(s.maintenance().gcInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.maintenance().gcGracePeriod()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.committing().closeOnEndOfInput()).isTrue();
    }

    @Test
    void primaryKeyColumnsFormTheKeyAndARowtimeGivesTheTime() {
        PersistTableSink withKey = sink(table(options(), true, false));
        assertThat(withKey.layout().keyCodec().positions()).containsExactly(0);
        assertThat(withKey.layout().valueCodec().positions()).containsExactly(1, 2);
        assertThat(withKey.layout().rowtimePosition()).isEmpty();

        PersistTableSink wholeRow = sink(table(options(), false, true));
        assertThat(wholeRow.layout().keyCodec().positions()).containsExactly(0, 1, 2);
        assertThat(wholeRow.layout().valueCodec().positions()).isEmpty();
        assertThat(wholeRow.layout().rowtimeColumn()).contains("ts");
        assertThat(wholeRow.layout().rowtimePosition()).hasValue(2);
    }

    @Test
    void snapshotAndContinuousScans() {
        PersistTableSource snapshot = source(table(options(), true, false));
        SourceSettings s = snapshot.settings();
        assertThat(s.continuous()).isFalse();
        assertThat(s.consolidated()).isTrue();
        assertThat(s.asOfTime()).isEqualTo(OptionalLong.empty());
        assertThat(s.leaseDuration()).isEqualTo(Duration.ofMinutes(15));
        assertThat(snapshot.getChangelogMode()).isEqualTo(ChangelogMode.insertOnly());
        assertThat(provider(snapshot).createSource().getBoundedness())
                .isEqualTo(Boundedness.BOUNDED);
        assertThat(provider(snapshot).getParallelism()).isEmpty();

        PersistTableSource continuous =
                source(
                        table(
                                options(
                                        "scan.mode",
                                        "continuous",
                                        "scan.poll-interval",
                                        "250 ms",
                                        "scan.as-of",
                                        "42",
                                        "scan.lease-duration",
                                        "1 min",
                                        "scan.parallelism",
                                        "3"),
                                false,
                                true));
        s = continuous.settings();
        assertThat(s.continuous()).isTrue();
        assertThat(s.pollInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.asOfTime()).hasValue(42);
        assertThat(s.leaseDuration()).isEqualTo(Duration.ofMinutes(1));
        assertThat(continuous.getChangelogMode().getContainedKinds())
                .containsExactlyInAnyOrder(RowKind.INSERT, RowKind.DELETE);
        assertThat(provider(continuous).createSource().getBoundedness())
                .isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
        assertThat(provider(continuous).getParallelism()).hasValue(3);
    }

    private static SourceProvider provider(PersistTableSource source) {
        return (SourceProvider)
                source.getScanRuntimeProvider(
                        new ScanTableSource.ScanContext() {
                            @Override
                            @SuppressWarnings("unchecked")
                            public <T> TypeInformation<T> createTypeInformation(
                                    DataType producedDataType) {
                                return (TypeInformation<T>)
                                        InternalTypeInfo.of(producedDataType.getLogicalType());
                            }

                            @Override
                            public <T> TypeInformation<T> createTypeInformation(
                                    LogicalType producedLogicalType) {
                                throw new UnsupportedOperationException();
                            }

                            @Override
                            public DynamicTableSource.DataStructureConverter
                                    createDataStructureConverter(DataType producedDataType) {
                                throw new UnsupportedOperationException();
                            }
                        });
    }

    /**
     * Creating a sink and a source with these options fails with a message containing {@code
     * expected}.
     */
    private static void rejects(Map<String, String> options, String expected) {
        assertThatThrownBy(() -> sink(table(options, true, false)))
                .isInstanceOf(ValidationException.class)
                .satisfies(e -> assertThat(messages(e)).contains(expected));
        assertThatThrownBy(() -> source(table(options, true, false)))
                .isInstanceOf(ValidationException.class)
                .satisfies(e -> assertThat(messages(e)).contains(expected));
    }

    @Test
    void badOptionValuesFailNamingTheOption() {
        rejects(options("location", null), "Missing required options are:\n\nlocation");
        rejects(options("collection", null), "Missing required options are:\n\ncollection");
        rejects(options("location", " "), "Invalid value for option 'location': must not be blank");
        rejects(
                options("collection", "a/b"),
                "Invalid value for option 'collection': Invalid collection name 'a/b'");
        rejects(
                options("sink.buffer-size", "lots"),
                "Invalid value for option 'sink.buffer-size'.");
        rejects(
                options("sink.buffer-size", "1 kb"),
                "Invalid value for option 'sink.buffer-size': must be at least 64 kb (was 1024 bytes)");
        rejects(
                options("sink.late-updates", "sometimes"),
                "Invalid value for option 'sink.late-updates'.");
        rejects(
                options("sink.idle-timeout", "0 s"),
                "Invalid value for option 'sink.idle-timeout': must be positive (was PT0S)");
        rejects(
                options("sink.history-retention", "-1"),
                "Invalid value for option 'sink.history-retention': must not be negative (was -1)");
        rejects(
                options("sink.history-retention", "soon"),
                "Invalid value for option 'sink.history-retention'.");
        rejects(
                options("sink.maintenance", "maybe"),
                "Invalid value for option 'sink.maintenance'.");
        rejects(
                options("sink.max-backlog", "0"),
                "Invalid value for option 'sink.max-backlog': must be positive (was 0)");
        rejects(
                options("sink.parallelism", "0"),
                "Invalid value for option 'sink.parallelism': must be positive (was 0)");
        rejects(options("scan.mode", "sometimes"), "Invalid value for option 'scan.mode'.");
        rejects(
                options("scan.as-of", "-5"),
                "Invalid value for option 'scan.as-of': must satisfy 0 <= t < 9223372036854775807 (was -5)");
        rejects(
                options("scan.poll-interval", "0 ms"),
                "Invalid value for option 'scan.poll-interval': must be at least 1 ms (was PT0S)");
        rejects(
                options("scan.lease-duration", "1 s"),
                "Invalid value for option 'scan.lease-duration': must be at least 3 s (was PT1S)");
        rejects(
                options("scan.parallelism", "-2"),
                "Invalid value for option 'scan.parallelism': must be positive (was -2)");
        rejects(
                options("scan.mood", "continuous"),
                "Unsupported options found for 'persist'.\n\nUnsupported options:\n\nscan.mood");
    }

    @Test
    void enumOptionsIgnoreCase() {
        assertThat(
                        source(table(options("scan.mode", "CONTINUOUS"), true, false))
                                .settings()
                                .continuous())
                .isTrue();
        assertThat(
                        sink(table(options("sink.late-updates", "Drop"), true, false))
                                .sink()
                                .settings()
                                .writing()
                                .lateUpdates())
                .isEqualTo(LateUpdatePolicy.DROP);
    }

    @Test
    void unsupportedColumnTypesAndComputedRowtimesFailNamingTheColumn() {
        assertThatThrownBy(
                        () ->
                                sink(
                                        table(
                                                options(),
                                                true,
                                                false,
                                                Column.physical(
                                                        "attrs",
                                                        DataTypes.MAP(
                                                                DataTypes.STRING(),
                                                                DataTypes.INT())))))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains(
                                                "Cannot store column 'attrs' of type MAP<STRING, INT> in a persist table"));
        assertThatThrownBy(
                        () ->
                                source(
                                        table(
                                                options(),
                                                true,
                                                false,
                                                Column.physical(
                                                        "nested",
                                                        DataTypes.ROW(
                                                                DataTypes.FIELD(
                                                                        "a", DataTypes.INT()))))))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains(
                                                "Cannot store column 'nested' of type ROW<`a` INT>"));

        ResolvedSchema computed =
                new ResolvedSchema(
                        List.of(
                                Column.physical("id", DataTypes.BIGINT().notNull()),
                                Column.computed(
                                        "ts",
                                        new FieldReferenceExpression(
                                                "ts", DataTypes.TIMESTAMP(3), 0, 0))),
                        List.of(
                                WatermarkSpec.of(
                                        "ts",
                                        new FieldReferenceExpression(
                                                "ts", DataTypes.TIMESTAMP(3), 0, 1))),
                        null,
                        List.of());
        ResolvedCatalogTable table =
                new ResolvedCatalogTable(
                        CatalogTable.newBuilder()
                                .schema(Schema.newBuilder().fromResolvedSchema(computed).build())
                                .options(options())
                                .build(),
                        computed);
        assertThatThrownBy(() -> sink(table))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains(
                                                "Cannot use 'ts' as the time of a persist table: the rowtime attribute must be a physical column"));
        // Reading does not need the rowtime column.
        assertThat(source(table).settings().collection()).isEqualTo("orders");
    }
}
