package io.flinkpersist.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.Codecs;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The source builder's options: defaults from {@link PersistSourceOptions}, set from a
 * configuration.
 */
class PersistSourceBuilderTest {

    private static PersistSourceBuilder<String, String> valid() {
        return PersistSource.<String, String>builder()
                .location("/tmp/persist")
                .collection("orders")
                .keyCodec(Codecs.string())
                .valueCodec(Codecs.string());
    }

    @Test
    void theDefaultsAreTheOptionsAndAConfigurationSetsThem() {
        SourceSettings defaults = valid().build().settings();
        assertThat(defaults.continuous()).isFalse();
        assertThat(defaults.asOfTime()).isEmpty();
        assertThat(defaults.leaseDuration())
                .isEqualTo(PersistSourceOptions.LEASE_DURATION.defaultValue());
        assertThat(valid().continuous().build().settings().pollInterval())
                .isEqualTo(PersistSourceOptions.POLL_INTERVAL.defaultValue());

        Configuration config = new Configuration();
        config.set(PersistSourceOptions.AS_OF, 42L);
        config.set(PersistSourceOptions.POLL_INTERVAL, Duration.ofMillis(250));
        config.set(PersistSourceOptions.LEASE_DURATION, Duration.ofMinutes(2));
        SourceSettings bounded = valid().options(config).build().settings();
        assertThat(bounded.asOfTime()).hasValue(42);
        assertThat(bounded.continuous())
                .as("a poll interval alone does not make a read continuous")
                .isFalse();
        assertThat(bounded.leaseDuration()).isEqualTo(Duration.ofMinutes(2));
        SourceSettings following = valid().options(config).continuous().build().settings();
        assertThat(following.pollInterval()).isEqualTo(Duration.ofMillis(250));

        Configuration bad = new Configuration();
        bad.set(PersistSourceOptions.LEASE_DURATION, Duration.ofSeconds(1));
        assertThatThrownBy(() -> PersistSourceBuilder.validateOptions(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "Invalid value for option 'scan.lease-duration': must be at least 3 s (was PT1S)");
        assertThatThrownBy(() -> valid().asOf(-5).build())
                .hasMessageContaining(
                        "Invalid value for option 'scan.as-of': must satisfy 0 <= t < 9223372036854775807 (was -5)");
    }
}
