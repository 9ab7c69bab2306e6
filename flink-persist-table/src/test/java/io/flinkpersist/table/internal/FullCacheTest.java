package io.flinkpersist.table.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.core.io.InputSplit;
import org.apache.flink.table.connector.source.lookup.cache.trigger.CacheReloadTrigger;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parts of a FULL lookup cache: what it loads (the latest complete state, consolidated, in the
 * lookup's projection, without the updates at or after the seal) and when it reloads (once at the
 * start, then only when the seal moves).
 */
class FullCacheTest {

    @TempDir Path dir;

    private RowLayout layout;
    private PersistCollection collection;

    @BeforeEach
    void open() throws Exception {
        RowType type =
                RowType.of(
                        new LogicalType[] {
                            new BigIntType(false), new VarCharType(VarCharType.MAX_LENGTH)
                        },
                        new String[] {"id", "name"});
        layout = RowLayout.of(type, new int[] {0}, Optional.empty());
        collection =
                PersistCollection.open(
                        dir.toString(),
                        "names",
                        CollectionConfig.defaults(),
                        new CollectionSchema(
                                layout.keyCodec().schemaName(), layout.valueCodec().schemaName()));
    }

    @AfterEach
    void close() throws Exception {
        collection.close();
    }

    private void write(long id, String name, long time, long diff) throws Exception {
        GenericRowData row = GenericRowData.of(id, StringData.fromString(name));
        collection.append(
                List.of(
                        Update.of(
                                layout.keyCodec().encode(row),
                                layout.valueCodec().encode(row),
                                time,
                                diff)));
    }

    private List<String> load(int[] fields) throws Exception {
        LatestStateInputFormat format =
                new LatestStateInputFormat(dir.toString(), "names", layout, fields);
        List<String> out = new ArrayList<>();
        InputSplit[] splits = format.createInputSplits(4);
        for (InputSplit split : splits) {
            format.open(split);
            while (!format.reachedEnd()) {
                RowData row = format.nextRecord(null);
                out.add(row.toString());
            }
            format.close();
        }
        return out;
    }

    @Test
    void aLoadReadsTheLatestCompleteStateInTheLookupsProjection() throws Exception {
        write(1, "a", 1, 1);
        write(2, "b", 1, 1);
        write(2, "b", 2, -1);
        write(2, "c", 2, 1);
        write(3, "d", 2, 2);
        collection.seal(3);
        // Beyond the seal: not complete, not loaded.
        write(4, "e", 3, 1);
        assertThat(load(new int[] {0, 1}))
                .containsExactlyInAnyOrder("+I(1,a)", "+I(2,c)", "+I(3,d)", "+I(3,d)");
        assertThat(load(new int[] {1}))
                .containsExactlyInAnyOrder("+I(a)", "+I(c)", "+I(d)", "+I(d)");
    }

    @Test
    void theTriggerReloadsOnceAtTheStartThenOnlyWhenTheSealMoves() throws Exception {
        write(1, "a", 1, 1);
        collection.seal(2);
        AtomicInteger reloads = new AtomicInteger();
        CacheReloadTrigger.Context context =
                new CacheReloadTrigger.Context() {
                    @Override
                    public long currentProcessingTime() {
                        return System.currentTimeMillis();
                    }

                    @Override
                    public long currentWatermark() {
                        return Long.MIN_VALUE;
                    }

                    @Override
                    public CompletableFuture<Void> triggerReload() {
                        reloads.incrementAndGet();
                        return CompletableFuture.completedFuture(null);
                    }
                };
        try (SealReloadTrigger trigger =
                new SealReloadTrigger(dir.toString(), "names", Duration.ofMillis(20))) {
            trigger.open(context);
            assertThat(reloads.get()).isEqualTo(1);
            // Writes below the seal's next step change nothing complete: no reload.
            write(2, "b", 2, 1);
            Thread.sleep(300);
            assertThat(reloads.get()).as("reloads while the seal stays at 2").isEqualTo(1);
            collection.seal(3);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (reloads.get() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(reloads.get()).as("reloads after the seal moved to 3").isEqualTo(2);
            Thread.sleep(300);
            assertThat(reloads.get()).isEqualTo(2);
        }
    }
}
