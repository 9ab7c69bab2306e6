package io.flinkpersist.cli;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A small streaming JSON writer for the CLI's {@code --json} and {@code --format json} output: no
 * reflection, no dependency, correct string escaping. Call {@link #name} before each member of an
 * object.
 */
final class Json {

    private final StringBuilder out = new StringBuilder();

    /** Per open container: whether it already has an element. */
    private final Deque<boolean[]> open = new ArrayDeque<>();

    private boolean afterName;

    Json beginObject() {
        beforeValue();
        out.append('{');
        open.push(new boolean[1]);
        return this;
    }

    Json endObject() {
        open.pop();
        out.append('}');
        return this;
    }

    Json beginArray() {
        beforeValue();
        out.append('[');
        open.push(new boolean[1]);
        return this;
    }

    Json endArray() {
        open.pop();
        out.append(']');
        return this;
    }

    Json name(String name) {
        beforeValue();
        quote(name);
        out.append(':');
        afterName = true;
        return this;
    }

    Json value(String s) {
        beforeValue();
        if (s == null) {
            out.append("null");
        } else {
            quote(s);
        }
        return this;
    }

    Json value(long n) {
        beforeValue();
        out.append(n);
        return this;
    }

    Json value(boolean b) {
        beforeValue();
        out.append(b);
        return this;
    }

    Json nullValue() {
        beforeValue();
        out.append("null");
        return this;
    }

    Json member(String name, String s) {
        return name(name).value(s);
    }

    Json member(String name, long n) {
        return name(name).value(n);
    }

    Json member(String name, boolean b) {
        return name(name).value(b);
    }

    private void beforeValue() {
        if (afterName) {
            afterName = false;
            return;
        }
        boolean[] container = open.peek();
        if (container != null) {
            if (container[0]) {
                out.append(',');
            }
            container[0] = true;
        }
    }

    private void quote(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
