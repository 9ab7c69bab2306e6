package io.flinkpersist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.batch.UpdateCursor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a collection: readers never create one and name what is there instead; a collection
 * records the codecs it was created with, and writers and readers with other codecs are refused
 * with both named; collections from before codecs were recorded stay readable and get the codecs of
 * their next writer.
 */
class CollectionOpeningTest {

    private static final CollectionSchema STRINGS =
            CollectionSchema.of(Codecs.string(), Codecs.string());
    private static final CollectionSchema LONG_KEYS =
            CollectionSchema.of(Codecs.longOrdered(), Codecs.string());

    @TempDir Path dir;

    private static Map<String, Long> read(PersistCollection c) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (UpdateCursor cursor = c.snapshot().readConsolidated()) {
            while (cursor.advance()) {
                String kv =
                        Codecs.string().decode(cursor.key())
                                + "="
                                + Codecs.string().decode(cursor.value());
                out.merge(kv, cursor.diff(), Long::sum);
            }
        }
        out.values().removeIf(d -> d == 0);
        return out;
    }

    @Test
    void openingAMissingCollectionForReadingCreatesNothingAndNamesWhatIsThere() throws Exception {
        try (PersistCollection c =
                PersistCollection.open(
                        dir.toString(), "orders", CollectionConfig.defaults(), STRINGS)) {
            c.append(List.of(Update.of("k", "v", 1, 1)), Codecs.string(), Codecs.string());
        }
        try (PersistCollection c =
                PersistCollection.open(
                        dir.toString(), "customers", CollectionConfig.defaults(), STRINGS)) {
            c.seal(3);
        }
        assertThatThrownBy(
                        () ->
                                PersistCollection.openExisting(
                                        dir.toString(), "ordres", CollectionConfig.defaults()))
                .isInstanceOf(CollectionNotFoundException.class)
                .hasMessage(
                        "Cannot open collection ordres at "
                                + dir
                                + ": no such collection (no state records; collections"
                                + " there: customers, orders; check the location and the name, or write to it first)");
        assertThat(dir.resolve("ordres")).doesNotExist();

        Path empty = dir.resolve("nothing-here");
        assertThatThrownBy(() -> PersistCollection.openExisting(empty, "orders"))
                .isInstanceOf(CollectionNotFoundException.class)
                .hasMessageContaining(
                        "no such collection (no state records; no collection is there;");
        assertThat(empty).doesNotExist();

        try (PersistCollection c = PersistCollection.openExisting(dir, "orders")) {
            assertThat(read(c)).containsExactly(Map.entry("k=v", 1L));
        }
    }

    @Test
    void aNewCollectionRecordsItsCodecsAndRefusesOthers() throws Exception {
        try (PersistCollection c =
                PersistCollection.open(dir.toString(), "c", CollectionConfig.defaults(), STRINGS)) {
            assertThat(c.state().seqNo()).as("created holding the schema, in one version").isZero();
            assertThat(c.state().schema()).contains(STRINGS);
            c.append(List.of(Update.of("k", "v", 1, 1)), Codecs.string(), Codecs.string());
        }
        String location = dir.resolve("c").toUri().toString();
        assertThatThrownBy(
                        () ->
                                PersistCollection.open(
                                        dir.toString(),
                                        "c",
                                        CollectionConfig.defaults(),
                                        LONG_KEYS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot write collection "
                                + location
                                + " with key codec 'long-ordered', value codec 'string-utf8':"
                                + " it holds key codec 'string-utf8', value codec 'string-utf8' (use the codecs it was written with, or"
                                + " another collection)");
        try (PersistCollection c = PersistCollection.openExisting(dir, "c")) {
            assertThatThrownBy(() -> c.checkSchema(LONG_KEYS))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(
                            "Cannot read collection "
                                    + location
                                    + " with key codec 'long-ordered',")
                    .hasMessageContaining(
                            "it holds key codec 'string-utf8', value codec 'string-utf8'");
            c.checkSchema(STRINGS);
            assertThat(c.state().seqNo()).as("a refused writer committed nothing").isEqualTo(1);
        }
        // The same codecs again: nothing to record.
        try (PersistCollection c =
                PersistCollection.open(dir.toString(), "c", CollectionConfig.defaults(), STRINGS)) {
            assertThat(c.state().seqNo()).isEqualTo(1);
        }
    }

    @Test
    void aCollectionFromBeforeCodecsWereRecordedStaysReadableAndGetsItsNextWritersCodecs()
            throws Exception {
        try (PersistCollection c = PersistCollection.open(dir, "old")) {
            c.append(List.of(Update.of("k", "v", 1, 1)), Codecs.string(), Codecs.string());
            assertThat(c.state().schema()).isEmpty();
        }
        try (PersistCollection c = PersistCollection.openExisting(dir, "old")) {
            c.checkSchema(LONG_KEYS); // nothing recorded: nothing to refuse
            c.checkSchema(STRINGS);
            assertThat(read(c)).containsExactly(Map.entry("k=v", 1L));
        }
        try (PersistCollection c =
                PersistCollection.open(
                        dir.toString(), "old", CollectionConfig.defaults(), STRINGS)) {
            assertThat(c.state().schema()).contains(STRINGS);
            assertThat(c.state().seqNo()).as("one commit records the codecs").isEqualTo(2);
        }
        assertThatThrownBy(
                        () ->
                                PersistCollection.open(
                                        dir.toString(),
                                        "old",
                                        CollectionConfig.defaults(),
                                        LONG_KEYS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("it holds key codec 'string-utf8'");
    }

    @Test
    void openingForReadingWritesNothing() throws Exception {
        try (PersistCollection c =
                PersistCollection.open(dir.toString(), "c", CollectionConfig.defaults(), STRINGS)) {
            c.append(List.of(Update.of("k", "v", 1, 1)), Codecs.string(), Codecs.string());
            c.seal(2);
            c.maintainUntilIdle();
        }
        Path root = dir.resolve("c");
        deleteRecursively(root.resolve(".tmp"));
        Map<String, Object> before = listing(root);
        try (PersistCollection c = PersistCollection.openExisting(dir, "c")) {
            assertThat(read(c)).containsExactly(Map.entry("k=v", 1L));
            assertThat(c.refresh().seqNo()).isPositive();
        }
        assertThat(listing(root))
                .as("the collection's files after opening and reading it")
                .isEqualTo(before);
        assertThat(root.resolve(".tmp")).doesNotExist();
    }

    private static Map<String, Object> listing(Path root) throws IOException {
        Map<String, Object> out = new TreeMap<>();
        try (var paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                out.put(root.relativize(p).toString(), Files.getLastModifiedTime(p));
            }
        }
        return out;
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var paths = Files.walk(p)) {
            for (Path q : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
