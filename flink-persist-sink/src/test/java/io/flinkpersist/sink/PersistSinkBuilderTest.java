package io.flinkpersist.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Codecs;
import io.flinkpersist.Update;
import io.flinkpersist.compaction.LeveledCompactionPolicy;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
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
        PersistSink<Update<String, String>> sink = valid().build();
        assertThat(sink.settings().writing().lateUpdates()).isEqualTo(LateUpdatePolicy.FAIL);
        assertThat(sink.settings().writing().bufferSizeBytes())
                .isEqualTo(PersistSinkBuilder.DEFAULT_BUFFER_SIZE);
        assertThat(sink.settings().maintenance().enabled()).isTrue();
        assertThat(sink.settings().committing().closeOnEndOfInput()).isFalse();
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
                        "Cannot build PersistSink: Invalid value for option 'sink.buffer-size': must be at least 64 kb (was 100 bytes)");
        assertThatThrownBy(() -> valid().idleTimeout(Duration.ZERO).build())
                .hasMessage(
                        "Cannot build PersistSink: Invalid value for option 'sink.idle-timeout': must be positive (was PT0S)");
        assertThatThrownBy(() -> valid().historyRetention(-1L).build())
                .hasMessageContaining(
                        "Invalid value for option 'sink.history-retention': must not be negative");
        assertThatThrownBy(() -> valid().maxBacklog(0).build())
                .hasMessage(
                        "Cannot build PersistSink: Invalid value for option 'sink.max-backlog': must be positive (was 0)");
    }

    @Test
    void theDefaultsAreTheOptionsAndAConfigurationSetsThem() {
        PersistSink<Update<String, String>> defaults = valid().build();
        assertThat(defaults.settings().committing().sinceLag())
                .hasValue(PersistSinkOptions.HISTORY_RETENTION.defaultValue());
        assertThat(defaults.settings().writing().idleTimeout())
                .isEqualTo(PersistSinkOptions.IDLE_TIMEOUT.defaultValue());
        assertThat(defaults.settings().writing().maxBacklog())
                .isEqualTo(PersistSinkOptions.MAX_BACKLOG.defaultValue());

        Configuration config = new Configuration();
        config.set(PersistSinkOptions.BUFFER_SIZE, MemorySize.ofMebiBytes(1));
        config.set(PersistSinkOptions.HISTORY_RETENTION, 5L);
        config.set(PersistSinkOptions.LATE_UPDATES, LateUpdatePolicy.DROP);
        config.set(PersistSinkOptions.CLOSE_ON_END_OF_INPUT, true);
        config.set(PersistSinkOptions.COMPACTION_POLICY, CompactionStrategy.LEVELED);
        PersistSink<Update<String, String>> configured = valid().options(config).build();
        assertThat(configured.settings().writing().bufferSizeBytes()).isEqualTo(1 << 20);
        assertThat(configured.settings().committing().sinceLag()).hasValue(5L);
        assertThat(configured.settings().writing().lateUpdates()).isEqualTo(LateUpdatePolicy.DROP);
        assertThat(configured.settings().committing().closeOnEndOfInput()).isTrue();
        assertThat(configured.settings().maintenance().compaction())
                .isEqualTo(CompactionStrategy.LEVELED);
        assertThat(configured.settings().maintenance().compaction().policy())
                .isInstanceOf(LeveledCompactionPolicy.class);
        assertThat(valid().keepHistory().build().settings().committing().sinceLag())
                .as("keepHistory: since never advances")
                .isEmpty();

        Configuration bad = new Configuration();
        bad.set(PersistSinkOptions.MAX_BACKLOG, 0);
        assertThatThrownBy(() -> PersistSinkBuilder.validateOptions(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "Invalid value for option 'sink.max-backlog': must be positive (was 0)");
        PersistSinkBuilder.validateOptions(config);
    }
}
