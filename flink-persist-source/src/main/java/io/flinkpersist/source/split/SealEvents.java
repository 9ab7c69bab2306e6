package io.flinkpersist.source.split;

import io.flinkpersist.Frontier;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

/** The events of a continuous read between the enumerator and its readers. */
@Internal
public final class SealEvents {

    private SealEvents() {}

    /**
     * Enumerator to reader: every split assigned to you before this event holds only times below
     * the seal; once they are all read, emit the watermark {@code seal - 1} (for a closed seal, the
     * final watermark {@code Long.MAX_VALUE}) and acknowledge.
     *
     * @param seal the seal as {@link Frontier#toStorageLong()} encodes it ({@code Long.MAX_VALUE}:
     *     closed, nothing follows)
     */
    public record SealAdvanced(long seal) implements SourceEvent {
        public static SealAdvanced of(Frontier seal) {
            return new SealAdvanced(seal.toStorageLong());
        }

        public Frontier frontier() {
            return Frontier.fromStorageLong(seal);
        }

        /** The watermark that says every update below the seal was emitted. */
        public long watermark() {
            Frontier f = frontier();
            return f.isClosed() ? Long.MAX_VALUE : f.time() - 1;
        }
    }

    /**
     * Reader to enumerator: the reader emitted everything below {@code seal} (encoded as in {@link
     * SealAdvanced}).
     */
    public record SealAcknowledged(long seal) implements SourceEvent {}
}
