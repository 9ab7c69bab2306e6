package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.DiffSums;
import io.flinkpersist.batch.BlobInputFile;
import io.flinkpersist.blob.BlobReader;
import io.flinkpersist.blob.LocalFileBlobStore;
import io.flinkpersist.state.BatchPart;
import io.flinkpersist.state.CollectionLayout;
import io.flinkpersist.state.CollectionState;
import io.flinkpersist.state.StateRecordCodec;
import io.flinkpersist.state.TraceBatchMeta;
import io.flinkpersist.state.UnsealedBatchMeta;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {

    @TempDir Path dir;
    TestingCollection collection;

    @BeforeEach
    void write() throws Exception {
        collection = TestingCollection.write(dir, 11, true);
    }

    private Cli validate() {
        return Cli.run("validate", "--progress", "off", dir, TestingCollection.NAME);
    }

    private static List<String> problems(Cli r) {
        return r.lines().stream().filter(l -> l.startsWith("PROBLEM ")).toList();
    }

    @Test
    void aSoundCollectionHasNoProblems() {
        Cli r = validate();
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        long batches = collection.state.trace().size() + collection.state.unsealed().size();
        long updates =
                collection.state.trace().stream().mapToLong(TraceBatchMeta::updateCount).sum()
                        + collection.state.unsealed().stream()
                                .mapToLong(UnsealedBatchMeta::updateCount)
                                .sum();
        assertThat(r.out())
                .contains("state " + collection.state.seqNo() + ": seal " + collection.state.seal())
                .contains(
                        Formats.count(batches, "batch file", "batch files")
                                + ": "
                                + Formats.count(updates, "update", "updates"))
                .contains("OK: no problems found");
        assertThat(problems(r)).isEmpty();
        assertThat(r.err()).isEmpty();
    }

    private static void overwrite(Path file, long position, int length) throws Exception {
        long size = Files.size(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] garbage = new byte[length];
            Arrays.fill(garbage, (byte) 0x55);
            f.seek(position);
            f.write(garbage);
        }
        assertThat(Files.size(file)).isEqualTo(size);
    }

    @Test
    void aRecordedDiffSumThatDisagreesWithTheFileIsNamed() throws Exception {
        CollectionState s = collection.state;
        TraceBatchMeta victim = s.trace().get(0);
        long actual = victim.parts().get(0).diffSum();
        assertThat(DiffSums.isKnown(actual)).isTrue();
        List<TraceBatchMeta> trace = new ArrayList<>(s.trace());
        List<BatchPart> parts = new ArrayList<>(victim.parts());
        parts.set(0, parts.get(0).withDiffSum(actual + 1));
        trace.set(
                0,
                new TraceBatchMeta(
                        victim.key(),
                        victim.desc(),
                        victim.level(),
                        victim.sizeBytes(),
                        victim.updateCount(),
                        parts));
        Path record = collection.file(CollectionLayout.stateKey(s.seqNo()));
        Files.write(record, StateRecordCodec.encode(s.toBuilder().trace(trace).build()));

        Cli r = validate();
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(problems(r))
                .contains(
                        "PROBLEM "
                                + victim.parts().get(0).key()
                                + ": the file's diffs sum to "
                                + actual
                                + " but the state records "
                                + (actual + 1)
                                + " (a COUNT(*) answered from the state would be wrong)");
    }

    @Test
    void aCorruptedDataPageIsNamed() throws Exception {
        TraceBatchMeta victim = collection.state.trace().get(0);
        // Just after the leading magic: the first page of the first column chunk.
        overwrite(collection.file(victim.key()), 8, 32);

        Cli r = validate();
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(problems(r))
                .singleElement()
                .asString()
                .startsWith("PROBLEM " + victim.key() + ": Cannot decode blob " + victim.key());
        assertThat(r.out()).contains("1 problem found");
    }

    @Test
    void aKeyBloomFilterThatLostKeysIsNamed() throws Exception {
        TraceBatchMeta victim = collection.state.trace().get(0);
        Path file = collection.file(victim.key());
        long offset;
        int bitset;
        try (BlobReader blob =
                        new LocalFileBlobStore(file.getParent())
                                .open(file.getFileName().toString());
                ParquetFileReader reader = ParquetFileReader.open(new BlobInputFile(blob))) {
            ColumnChunkMetaData keys = reader.getRowGroups().get(0).getColumns().get(0);
            offset = keys.getBloomFilterOffset();
            bitset = reader.readBloomFilter(keys).getBitsetSize();
        }
        assertThat(offset).as("the trace batch's key bloom filter").isPositive();
        // The bitset follows a header of a few bytes: clear it from 64 bytes past the filter's
        // start.
        byte[] zeros = new byte[bitset];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset + 64);
            f.write(zeros, 0, bitset - 64);
        }

        Cli r = validate();
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(problems(r))
                .singleElement()
                .asString()
                .startsWith(
                        "PROBLEM "
                                + victim.key()
                                + ": row group 0: the key bloom filter does not hold ")
                .endsWith("point lookups of them would find nothing");
    }

    @Test
    void corruptionAnywhereInABatchFileIsFound() throws Exception {
        TraceBatchMeta victim = collection.state.trace().get(0);
        Path file = collection.file(victim.key());
        // The middle of the file: data, footer statistics or page indexes, depending on the layout.
        overwrite(file, Files.size(file) / 2, 64);

        Cli r = validate();
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(problems(r))
                .isNotEmpty()
                .allMatch(p -> p.startsWith("PROBLEM " + victim.key() + ": "));
    }

    @Test
    void aTruncatedBatchFileIsNamed() throws Exception {
        UnsealedBatchMeta victim = collection.state.unsealed().get(0);
        Path file = collection.file(victim.key());
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() - 20);
        }
        Cli r = validate();
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(problems(r))
                .anyMatch(
                        p ->
                                p.equals(
                                        "PROBLEM "
                                                + victim.key()
                                                + ": the file has "
                                                + (victim.sizeBytes() - 20)
                                                + " bytes but the state records "
                                                + victim.sizeBytes()
                                                + " for the unsealed batch seqnos "
                                                + victim.seqNos()))
                .anyMatch(
                        p ->
                                p.startsWith(
                                        "PROBLEM "
                                                + victim.key()
                                                + ": Cannot decode blob "
                                                + victim.key()));
    }

    @Test
    void aMissingBatchIsNamed() throws Exception {
        TraceBatchMeta victim = collection.state.trace().get(collection.state.trace().size() - 1);
        Files.delete(collection.file(victim.key()));
        Cli r = validate();
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(problems(r))
                .containsExactly(
                        "PROBLEM "
                                + victim.key()
                                + ": I9 violated: the trace batch L"
                                + victim.level()
                                + " "
                                + victim.desc()
                                + " is missing from the blob store");
    }

    @Test
    void orphansAreListedAsWarnings() throws Exception {
        String key = collection.state.trace().get(0).key();
        Path orphan = collection.file("batches/00000000-0000-0000-0000-000000000000.parquet");
        Files.copy(collection.file(key), orphan);
        Cli r = validate();
        assertThat(r.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(r.out())
                .contains("WARNING orphan batches/00000000-0000-0000-0000-000000000000.parquet (")
                .contains("no state references it")
                .contains("OK: no problems found (");
        // The retired batches a compaction left are not orphans: the state still lists them.
        assertThat(collection.state.retired()).isNotEmpty();
        for (var retired : collection.state.retired()) {
            assertThat(r.out()).doesNotContain("orphan " + retired.key());
        }
    }

    @Test
    void aCorruptedStateRecordIsNamed() throws Exception {
        long seqNo = collection.state.seqNo() - 3;
        Path record =
                collection
                        .location
                        .resolve(TestingCollection.NAME)
                        .resolve(CollectionLayout.stateKey(seqNo));
        byte[] bytes = Files.readAllBytes(record);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(record, bytes);
        Cli r = validate();
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(problems(r))
                .singleElement()
                .asString()
                .startsWith(
                        "PROBLEM "
                                + CollectionLayout.stateKey(seqNo)
                                + ": Cannot decode blob "
                                + CollectionLayout.stateKey(seqNo));
    }

    @Test
    void aCorruptedLatestStateRecordFailsNamingIt() throws Exception {
        String key = CollectionLayout.stateKey(collection.state.seqNo());
        Path record = collection.location.resolve(TestingCollection.NAME).resolve(key);
        byte[] bytes = Files.readAllBytes(record);
        bytes[bytes.length - 1] ^= 0x01;
        Files.write(record, bytes);
        Cli r = validate();
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err())
                .startsWith(
                        "persist validate: Cannot open collection orders at "
                                + dir
                                + ": its latest state cannot be read: Cannot decode blob "
                                + key
                                + ": ");
    }

    @Test
    void aGapInTheStateRecordsIsAProblem() throws Exception {
        long seqNo = collection.state.seqNo() - 2;
        Files.delete(
                collection
                        .location
                        .resolve(TestingCollection.NAME)
                        .resolve(CollectionLayout.stateKey(seqNo)));
        Cli r = validate();
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(problems(r))
                .containsExactly(
                        "PROBLEM "
                                + CollectionLayout.stateKey(seqNo + 1)
                                + ": I11 violated: state records are missing between "
                                + CollectionLayout.stateKey(seqNo - 1)
                                + " and "
                                + CollectionLayout.stateKey(seqNo + 1)
                                + " (only the oldest records may be pruned)");
    }

    @Test
    void aMissingCollectionFails() {
        Cli r = Cli.run("validate", dir, "nothing");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err())
                .contains(
                        "persist validate: Cannot open collection nothing at "
                                + dir
                                + ": no such collection");
    }
}
