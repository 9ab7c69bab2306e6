package io.flinkpersist.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Codecs;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PersistSinkBuilderTest {

    private static PersistSinkBuilder<String, String> valid() {
        return PersistSink.<String, String>builder()
                .location("/tmp/persist")
                .collection("orders")
                .keyCodec(Codecs.string())
                .valueCodec(Codecs.string());
    }

    @Test
    void buildsWithDefaults() {
        PersistSink<String, String> sink = valid().build();
        assertThat(sink.settings().lateUpdates()).isEqualTo(LateUpdatePolicy.FAIL);
        assertThat(sink.settings().bufferSizeBytes())
                .isEqualTo(PersistSinkBuilder.DEFAULT_BUFFER_SIZE);
        assertThat(sink.settings().maintenance()).isTrue();
        assertThat(sink.settings().closeOnEndOfInput()).isFalse();
    }

    @Test
    void saysWhatIsMissingAndHowToFixIt() {
        assertThatThrownBy(() -> valid().location(null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Cannot build PersistSink: the location is not set: call location(\"/path\" or \"hdfs://...\")");
        assertThatThrownBy(() -> valid().collection(null).build())
                .hasMessage(
                        "Cannot build PersistSink: the collection name is not set: call collection(\"name\")");
        assertThatThrownBy(() -> valid().collection("a/b").build())
                .hasMessageStartingWith("Cannot build PersistSink: Invalid collection name 'a/b'");
        assertThatThrownBy(() -> valid().keyCodec(null).build())
                .hasMessage(
                        "Cannot build PersistSink: the key codec is not set: call keyCodec(Codecs.string()) or another Codec");
        assertThatThrownBy(() -> valid().valueCodec(null).build())
                .hasMessage(
                        "Cannot build PersistSink: the value codec is not set: call valueCodec(Codecs.string()) or another Codec");
        assertThatThrownBy(() -> valid().bufferSize(100).build())
                .hasMessage(
                        "Cannot build PersistSink: sink.buffer-size must be at least 64 KiB (was 100 bytes)");
        assertThatThrownBy(() -> valid().idleTimeout(Duration.ZERO).build())
                .hasMessage(
                        "Cannot build PersistSink: sink.idle-timeout must be positive (was PT0S)");
        assertThatThrownBy(() -> valid().historyRetention(-1L).build())
                .hasMessageContaining("sink.history-retention must be >= 0");
        assertThatThrownBy(() -> valid().maxBacklog(0).build())
                .hasMessage("Cannot build PersistSink: sink.max-backlog must be positive (was 0)");
    }
}
