package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {

    private final StringWriter text = new StringWriter();
    private final PrintWriter err = new PrintWriter(text);
    private final AtomicLong nanos = new AtomicLong();

    private Progress start(Progress.Mode mode, long total) {
        return Progress.start(err, mode, "validating", total, "bytes", nanos::get);
    }

    @Test
    void aBarIsRedrawnInPlaceAndErasedAtTheEnd() {
        try (Progress p = start(Progress.Mode.BAR, 200)) {
            p.update(10); // too soon: nothing
            nanos.set(150_000_000L);
            p.update(50);
            nanos.set(300_000_000L);
            p.detail("state 7");
            p.update(100);
        }
        String out = text.toString();
        assertThat(out).doesNotContain("\n");
        assertThat(out)
                .contains("\rvalidating [########----------------------]  25% 50/200 bytes, 0:00");
        assertThat(out)
                .contains(
                        "\rvalidating [###############---------------]  50% 100/200 bytes, state 7, 0:00");
        assertThat(out).endsWith("\r");
        assertThat(out.split("\r")).hasSize(4);
    }

    @Test
    void plainTextIsALineAtMostEveryTenSeconds() {
        try (Progress p = start(Progress.Mode.PLAIN, 1000)) {
            for (int s = 1; s <= 25; s++) {
                nanos.set(s * 1_000_000_000L);
                p.update(s * 40);
            }
        }
        assertThat(text.toString())
                .isEqualTo(
                        "validating  40% 400/1,000 bytes, 0:10\nvalidating  80% 800/1,000 bytes, 0:20\n");
    }

    @Test
    void shortWorkPrintsNothingInPlainModeAndOffPrintsNothingAtAll() {
        try (Progress p = start(Progress.Mode.PLAIN, 10)) {
            nanos.set(9_000_000_000L);
            p.update(10);
        }
        try (Progress p = start(Progress.Mode.OFF, 10)) {
            nanos.set(100_000_000_000L);
            p.update(5);
        }
        assertThat(text.toString()).isEmpty();
    }

    @Test
    void aStatusShowsAtOnceOnlyInABar() {
        try (Progress p = start(Progress.Mode.BAR, -1)) {
            p.status("starting a much longer thing ...");
            p.status("short");
        }
        assertThat(text.toString())
                .isEqualTo(
                        "\rvalidating: starting a much longer thing ..."
                                + "\rvalidating: short"
                                + " ".repeat(44 - 17)
                                + "\r"
                                + " ".repeat(17)
                                + "\r");
        text.getBuffer().setLength(0);
        try (Progress p = start(Progress.Mode.PLAIN, -1)) {
            p.status("starting ...");
        }
        assertThat(text.toString()).isEmpty();
    }

    @Test
    void anUnknownTotalShowsTheCount() {
        try (Progress p = start(Progress.Mode.BAR, -1)) {
            nanos.set(61_000_000_000L);
            p.update(1234567);
        }
        assertThat(text.toString()).contains("\rvalidating 1,234,567 bytes, 1:01");
    }

    @Test
    void autoFollowsWhetherStderrIsATerminal() {
        String previous = System.getProperty(Progress.STDERR_TTY_PROPERTY);
        try {
            System.setProperty(Progress.STDERR_TTY_PROPERTY, "true");
            assertThat(Progress.resolve(Progress.Mode.AUTO)).isEqualTo(Progress.Mode.BAR);
            System.setProperty(Progress.STDERR_TTY_PROPERTY, "false");
            assertThat(Progress.resolve(Progress.Mode.AUTO)).isEqualTo(Progress.Mode.PLAIN);
            assertThat(Progress.resolve(Progress.Mode.OFF)).isEqualTo(Progress.Mode.OFF);
        } finally {
            if (previous == null) {
                System.clearProperty(Progress.STDERR_TTY_PROPERTY);
            } else {
                System.setProperty(Progress.STDERR_TTY_PROPERTY, previous);
            }
        }
    }
}
