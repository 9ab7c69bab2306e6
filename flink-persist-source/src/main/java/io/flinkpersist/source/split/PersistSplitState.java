package io.flinkpersist.source.split;

import org.apache.flink.annotation.Internal;

/** A reader's progress in one split: how many of its updates it has emitted. */
@Internal
public final class PersistSplitState {
    private final PersistSplit split;
    private long emitted;

    public PersistSplitState(PersistSplit split) {
        this.split = split;
        this.emitted = split.recordsToSkip();
    }

    public void recordEmitted() {
        emitted++;
    }

    public long emitted() {
        return emitted;
    }

    /** The split to checkpoint: resumes after what was emitted. */
    public PersistSplit toSplit() {
        return split.resumedAfter(emitted);
    }
}
