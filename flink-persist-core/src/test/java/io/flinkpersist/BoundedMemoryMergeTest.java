package io.flinkpersist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.testing.BoundedMergeMain;
import io.flinkpersist.testing.JavaProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drains and compaction stream: a child JVM with a 64 MiB heap drains and compacts batches whose
 * updates take more bytes than its whole heap.
 */
class BoundedMemoryMergeTest {

    private static final int UPDATES_PER_BATCH = 500_000;

    @TempDir Path dir;

    @Test
    void mergesMoreDataThanTheHeapHolds() throws Exception {
        JavaProcess.Result child =
                JavaProcess.run(
                        BoundedMergeMain.class,
                        List.of("-Xmx64m", "-XX:+UseSerialGC"),
                        List.of(dir.resolve("big").toString(), Integer.toString(UPDATES_PER_BATCH)),
                        dir,
                        300);
        assertThat(child.exitCode()).as(child.output()).isZero();
        Matcher m =
                Pattern.compile(
                                "MERGED rows=(\\d+) rawBytes=(\\d+) maxHeap=(\\d+) peakHeapUsed=(\\d+) traceBatches=(\\d+)")
                        .matcher(child.output());
        assertThat(m.find()).as(child.output()).isTrue();
        long rows = Long.parseLong(m.group(1));
        long rawBytes = Long.parseLong(m.group(2));
        long maxHeap = Long.parseLong(m.group(3));
        System.out.println("BoundedMemoryMergeTest: " + m.group());
        assertThat(rows).isEqualTo(4L * UPDATES_PER_BATCH);
        assertThat(Long.parseLong(m.group(5))).isEqualTo(1);
        assertThat(rawBytes).as("data merged must exceed the heap").isGreaterThan(maxHeap);
    }
}
