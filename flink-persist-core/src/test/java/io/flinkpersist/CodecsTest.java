package io.flinkpersist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinkpersist.batch.UpdateOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CodecsTest {

    @Test
    void longCodecPreservesNumericOrder() {
        Codec<Long> codec = Codecs.longOrdered();
        long[] values = {Long.MIN_VALUE, -1_000_000L, -1, 0, 1, 255, 256, 1L << 40, Long.MAX_VALUE};
        for (int i = 0; i < values.length; i++) {
            assertThat(codec.decode(codec.encode(values[i]))).isEqualTo(values[i]);
            for (int j = 0; j < values.length; j++) {
                assertThat(
                                Integer.signum(
                                        UpdateOrder.compareBytes(
                                                codec.encode(values[i]), codec.encode(values[j]))))
                        .as("%d vs %d", values[i], values[j])
                        .isEqualTo(Integer.signum(Long.compare(values[i], values[j])));
            }
        }
        Random random = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            long a = random.nextLong();
            long b = random.nextLong();
            assertThat(Integer.signum(UpdateOrder.compareBytes(codec.encode(a), codec.encode(b))))
                    .isEqualTo(Integer.signum(Long.compare(a, b)));
        }
        assertThatThrownBy(() -> codec.decode(new byte[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot decode long: expected 8 bytes, got 3");
    }

    @Test
    void stringAndBytesRoundTrip() {
        assertThat(Codecs.string().decode(Codecs.string().encode("grüße €"))).isEqualTo("grüße €");
        byte[] raw = {0, (byte) 0xFF, 7};
        assertThat(Codecs.bytes().decode(Codecs.bytes().encode(raw))).containsExactly(raw);
        assertThat(Codecs.string().codecName()).isNotEqualTo(Codecs.bytes().codecName());
    }

    @Test
    void frontierOrderAndAdvance() {
        assertThat(Frontier.at(3).lessThan(Frontier.closed())).isTrue();
        assertThat(Frontier.closed().lessEqual(Frontier.at(Long.MAX_VALUE - 1))).isFalse();
        assertThat(Frontier.at(3).lessEqual(3)).isTrue();
        assertThat(Frontier.at(3).isBefore(2)).isTrue();
        assertThat(Frontier.at(3).isBefore(3)).isFalse();
        assertThat(Frontier.closed().isBefore(Long.MAX_VALUE - 1)).isTrue();
        assertThat(Frontier.at(5).advance(2)).isEqualTo(5);
        assertThat(Frontier.at(5).advance(7)).isEqualTo(7);
        assertThat(Frontier.fromStorageLong(Frontier.closed().toStorageLong()))
                .isEqualTo(Frontier.closed());
        assertThatThrownBy(() -> Frontier.at(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Invalid time -1");
        assertThatThrownBy(() -> Frontier.closed().advance(1))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Update.of(new byte[0], new byte[0], Long.MAX_VALUE, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
