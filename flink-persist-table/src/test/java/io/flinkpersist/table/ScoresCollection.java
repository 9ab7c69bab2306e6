package io.flinkpersist.table;

import io.flinkpersist.CollectionConfig;
import io.flinkpersist.CollectionSchema;
import io.flinkpersist.PersistCollection;
import io.flinkpersist.Update;
import io.flinkpersist.table.internal.RowLayout;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * A collection {@code scores} of the table {@code (id BIGINT NOT NULL, name STRING, score INT,
 * PRIMARY KEY (id))}, written with the engine at chosen times: for SQL tests that need to know
 * which times and batches hold what.
 */
final class ScoresCollection {

    static final String NAME = "scores";

    static final RowLayout LAYOUT =
            RowLayout.of(
                    RowType.of(
                            new LogicalType[] {
                                new BigIntType(false),
                                new VarCharType(VarCharType.MAX_LENGTH),
                                new IntType()
                            },
                            new String[] {"id", "name", "score"}),
                    new int[] {0},
                    Optional.empty());

    private ScoresCollection() {}

    /** Opens (creating) the collection at {@code dir}, with the table's schema. */
    static PersistCollection open(Path dir, CollectionConfig config) throws Exception {
        return PersistCollection.open(
                dir.toString(),
                NAME,
                config,
                new CollectionSchema(
                        LAYOUT.keyCodec().schemaName(), LAYOUT.valueCodec().schemaName()));
    }

    /** The update of row {@code (id, name, score)} at {@code time} with {@code diff}. */
    static Update<byte[], byte[]> update(long id, String name, int score, long time, long diff) {
        GenericRowData row = GenericRowData.of(id, StringData.fromString(name), score);
        return Update.of(
                LAYOUT.keyCodec().encode(row), LAYOUT.valueCodec().encode(row), time, diff);
    }
}
