package io.flinkpersist.gc;

/** What one garbage collection deleted. */
public record GcReport(int retiredBlobs, int orphanedBlobs, int temporaryFiles, int stateRecords) {
    public int total() {
        return retiredBlobs + orphanedBlobs + temporaryFiles + stateRecords;
    }
}
