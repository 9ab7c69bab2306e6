package io.flinkpersist.blob;

import java.io.IOException;

/** A blob exists but its contents fail validation: truncated, bad checksum, unsorted, ... */
public class CorruptBlobException extends IOException {
    private final String key;

    public CorruptBlobException(String key, String reason) {
        this(key, reason, null);
    }

    public CorruptBlobException(String key, String reason, Throwable cause) {
        super("Cannot decode blob " + key + ": " + reason, cause);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
