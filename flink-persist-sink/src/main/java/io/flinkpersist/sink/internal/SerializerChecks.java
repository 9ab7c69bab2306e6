package io.flinkpersist.sink.internal;

import java.io.DataInputStream;
import java.io.IOException;

/** The version and end-of-record checks the sink's serializers share. */
final class SerializerChecks {

    private SerializerChecks() {}

    /** Fails unless {@code oldest <= version <= current}, naming the versions this build reads. */
    static void checkVersion(String what, int version, int oldest, int current) throws IOException {
        if (version < oldest || version > current) {
            throw new IOException(
                    "Cannot deserialize "
                            + what
                            + ": unknown serializer version "
                            + version
                            + " (this build reads "
                            + (oldest == current
                                    ? "version " + current
                                    : "versions " + oldest + " to " + current)
                            + ")");
        }
    }

    /** Fails if bytes trail the record, naming their count. */
    static void checkEnd(String what, DataInputStream in) throws IOException {
        if (in.available() > 0) {
            throw new IOException(
                    "Cannot deserialize " + what + ": " + in.available() + " trailing bytes");
        }
    }
}
