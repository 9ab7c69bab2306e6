package io.flinkpersist.source.split;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

/** The events of a continuous read between the enumerator and its readers. */
@Internal
public final class SealEvents {

    private SealEvents() {}

    /**
     * Enumerator to reader: every split assigned to you before this event holds only times below
     * {@code seal}; once they are all read, emit the watermark {@code seal - 1} and acknowledge.
     */
    public record SealAdvanced(long seal) implements SourceEvent {}

    /** Reader to enumerator: the reader emitted everything below {@code seal}. */
    public record SealAcknowledged(long seal) implements SourceEvent {}
}
