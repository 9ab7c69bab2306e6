package io.flinkpersist.table.archfixture;

import io.flinkpersist.sink.internal.PersistCommitCoordinator;

/** A deliberate violation, for ArchitectureTest to show that its rule fails on one. */
final class ReachesIntoTheSink {
    Class<?> reach() {
        return PersistCommitCoordinator.class;
    }
}
