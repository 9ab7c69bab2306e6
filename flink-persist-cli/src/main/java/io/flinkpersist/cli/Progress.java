package io.flinkpersist.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of long work on stderr.
 *
 * <ul>
 *   <li>{@link Mode#BAR}: one line redrawn in place at most ten times a second, erased when the
 *       work ends. For a terminal.
 *   <li>{@link Mode#PLAIN}: a plain line at most every ten seconds, nothing for shorter work. For
 *       logs and pipes, which it never floods.
 *   <li>{@link Mode#OFF}: nothing.
 * </ul>
 *
 * {@link Mode#AUTO} is a bar when stderr is a terminal and plain text otherwise. A total of {@code
 * -1} means unknown: the count is shown without a bar or a percentage.
 */
final class Progress implements AutoCloseable {

    /** How to show progress; chosen with {@code --progress}. */
    enum Mode {
        AUTO,
        BAR,
        PLAIN,
        OFF
    }

    /** Set by {@code bin/persist} to whether stderr is a terminal, which the JVM cannot tell. */
    static final String STDERR_TTY_PROPERTY = "persist.stderr.tty";

    private static final int WIDTH = 30;
    private static final long BAR_INTERVAL_NANOS = 100_000_000L;
    private static final long PLAIN_INTERVAL_NANOS = 10_000_000_000L;

    private final PrintWriter err;
    private final Mode mode;
    private final String label;
    private final String unit;
    private final LongSupplier clock;
    private final long startNanos;
    private long total;
    private long lastShownNanos;
    private int lastWidth;
    private String detail = "";

    private Progress(
            PrintWriter err, Mode mode, String label, long total, String unit, LongSupplier clock) {
        this.err = err;
        this.mode = mode;
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.clock = clock;
        this.startNanos = clock.getAsLong();
        this.lastShownNanos = startNanos;
    }

    /**
     * Starts showing progress of {@code label}, counting {@code unit}s up to {@code total} ({@code
     * -1}: unknown).
     */
    static Progress start(PrintWriter err, Mode mode, String label, long total, String unit) {
        return new Progress(err, resolve(mode), label, total, unit, System::nanoTime);
    }

    static Progress start(
            PrintWriter err,
            Mode mode,
            String label,
            long total,
            String unit,
            LongSupplier nanoClock) {
        return new Progress(err, resolve(mode), label, total, unit, nanoClock);
    }

    static Mode resolve(Mode mode) {
        if (mode != Mode.AUTO) {
            return mode;
        }
        String tty = System.getProperty(STDERR_TTY_PROPERTY);
        boolean terminal = tty != null ? Boolean.parseBoolean(tty) : System.console() != null;
        return terminal ? Mode.BAR : Mode.PLAIN;
    }

    Mode mode() {
        return mode;
    }

    /** Changes the total, e.g. once it becomes known. */
    void total(long total) {
        this.total = total;
    }

    /** A short text shown after the count, e.g. the current seal. */
    void detail(String detail) {
        this.detail = detail == null ? "" : detail;
    }

    /** Reports {@code done} units so far; shows it if enough time passed since the last time. */
    void update(long done) {
        if (mode == Mode.OFF) {
            return;
        }
        long now = clock.getAsLong();
        long interval = mode == Mode.BAR ? BAR_INTERVAL_NANOS : PLAIN_INTERVAL_NANOS;
        if (now - lastShownNanos < interval) {
            return;
        }
        lastShownNanos = now;
        String line = line(done, now);
        if (mode == Mode.BAR) {
            draw(line);
        } else {
            err.println(line);
            err.flush();
        }
    }

    /**
     * Shows a short status at once in place of the bar, e.g. what is being started before there is
     * anything to count. Only a bar shows it; plain text stays quiet.
     */
    void status(String text) {
        if (mode == Mode.BAR) {
            draw(label + ": " + text);
        }
    }

    private void draw(String line) {
        String padded =
                line.length() < lastWidth ? line + " ".repeat(lastWidth - line.length()) : line;
        err.print('\r' + padded);
        lastWidth = line.length();
        err.flush();
    }

    String line(long done, long nowNanos) {
        long seconds = Duration.ofNanos(nowNanos - startNanos).toSeconds();
        String elapsed = String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
        StringBuilder sb = new StringBuilder(label);
        if (total > 0) {
            double fraction = Math.min(1.0, Math.max(0.0, (double) done / total));
            int filled = (int) Math.round(fraction * WIDTH);
            if (mode == Mode.BAR) {
                sb.append(" [")
                        .append("#".repeat(filled))
                        .append("-".repeat(WIDTH - filled))
                        .append(']');
            }
            sb.append(
                    String.format(
                            Locale.ROOT,
                            " %3d%% %s/%s %s",
                            Math.round(fraction * 100),
                            Formats.count(done),
                            Formats.count(total),
                            unit));
        } else {
            sb.append(' ').append(Formats.count(done)).append(' ').append(unit);
        }
        if (!detail.isEmpty()) {
            sb.append(", ").append(detail);
        }
        sb.append(", ").append(elapsed);
        return sb.toString();
    }

    /** Ends the progress display; a bar is erased so that the result starts on a clean line. */
    @Override
    public void close() {
        if (mode == Mode.BAR && lastWidth > 0) {
            err.print('\r' + " ".repeat(lastWidth) + '\r');
            err.flush();
        }
    }
}
