package io.flinkpersist;

import io.flinkpersist.batch.UpdateCursor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A readable update for assertions: UTF-8 key and value. */
public record Rec(String key, String value, long time, long diff) {

    public static Rec of(String key, String value, long time, long diff) {
        return new Rec(key, value, time, diff);
    }

    public Update<byte[], byte[]> toUpdate() {
        return Update.of(
                key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8),
                time,
                diff);
    }

    public static List<Update<byte[], byte[]>> updates(Rec... recs) {
        List<Update<byte[], byte[]>> out = new ArrayList<>();
        for (Rec r : recs) {
            out.add(r.toUpdate());
        }
        return out;
    }

    /** Drains and closes a cursor. */
    public static List<Rec> readAll(UpdateCursor cursor) throws IOException {
        List<Rec> out = new ArrayList<>();
        try (cursor) {
            while (cursor.advance()) {
                out.add(
                        new Rec(
                                new String(cursor.key(), StandardCharsets.UTF_8),
                                new String(cursor.value(), StandardCharsets.UTF_8),
                                cursor.time(),
                                cursor.diff()));
            }
        }
        return out;
    }
}
