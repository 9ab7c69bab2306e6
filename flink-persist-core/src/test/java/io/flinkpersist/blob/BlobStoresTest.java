package io.flinkpersist.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry of blob stores: factories found on the class path, keyed by scheme. */
class BlobStoresTest {

    @TempDir Path dir;

    @Test
    void theBuiltInFactoriesServeTheirSchemes() {
        assertThat(BlobStores.registeredSchemes())
                .containsExactly("file", "hdfs", "s3", "s3a", "viewfs");
    }

    @Test
    void plainPathsAndFileUrisOpenTheLocalStoreWithoutTouchingAnything() throws IOException {
        try (BlobStore plain = BlobStores.open(dir.toString(), "orders");
                BlobStore uri = BlobStores.open(dir.toUri().toString(), "orders")) {
            assertThat(plain).isInstanceOf(LocalFileBlobStore.class);
            assertThat(uri).isInstanceOf(LocalFileBlobStore.class);
            assertThat(plain.describe()).isEqualTo(uri.describe());
            assertThat(dir.resolve("orders")).doesNotExist();
            plain.putIfAbsent("k", new byte[] {1});
            assertThat(uri.get("k")).isPresent();
        }
    }

    @Test
    void aSchemeNoFactoryServesGoesToTheHadoopStoreWhichSaysWhatItLacks() {
        assertThatThrownBy(() -> BlobStores.open("gs://bucket/persist", "orders"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Cannot open blob store on scheme 'gs'")
                .hasMessageContaining("no atomic put-if-absent");
    }
}
