package io.flinkpersist.cli;

import io.flinkpersist.Frontier;
import java.time.Duration;
import java.util.Locale;

/** How the CLI prints sizes, counts, frontiers and durations for people. */
final class Formats {

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Formats() {}

    /** {@code 1234567} as {@code 1,234,567}. */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** {@code 1 batch}, {@code 2 batches}: a count and its noun. */
    static String count(long n, String one, String many) {
        return count(n) + " " + (n == 1 ? one : many);
    }

    /** A byte count in binary units: {@code 512 B}, {@code 1.5 KiB}, {@code 12.3 MiB}. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double v = n;
        int unit = 0;
        while (v >= 1024 && unit < UNITS.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, UNITS[unit]);
    }

    /** A frontier as the design writes it: {@code {t}}, or {@code {}} for closed. */
    static String frontier(Frontier f) {
        return f.isClosed() ? "{} (closed)" : f.toString();
    }

    /** Seconds with one decimal, or milliseconds below a second. */
    static String duration(Duration d) {
        long millis = d.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /** A rate per second over {@code d}, e.g. {@code 42,700}. */
    static String rate(long n, Duration d) {
        double seconds = Math.max(d.toNanos(), 1) / 1e9;
        return count(Math.round(n / seconds));
    }

    /** Lower-case hex of {@code bytes}. */
    static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[bytes[i] & 0xF];
        }
        return new String(out);
    }

    /** The message of {@code e} followed by those of its causes, for a one-line error. */
    static String messages(Throwable e) {
        StringBuilder sb =
                new StringBuilder(
                        String.valueOf(e.getMessage() != null ? e.getMessage() : e.toString()));
        Throwable cause = e.getCause();
        for (int depth = 0; cause != null && cause != e && depth < 5; depth++) {
            String m = cause.getMessage() != null ? cause.getMessage() : cause.toString();
            if (!sb.toString().contains(m)) {
                sb.append(" (caused by ")
                        .append(cause.getClass().getSimpleName())
                        .append(": ")
                        .append(m)
                        .append(')');
            }
            e = cause;
            cause = cause.getCause();
        }
        return sb.toString();
    }
}
