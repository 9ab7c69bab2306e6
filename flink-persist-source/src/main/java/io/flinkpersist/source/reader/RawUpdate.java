package io.flinkpersist.source.reader;

import org.apache.flink.annotation.Internal;

/** An update as read from storage, before the codecs decode it. */
@Internal
public record RawUpdate(byte[] key, byte[] value, long time, long diff) {}
