/**
 * A collection's state: frontiers, batch metadata, invariants, the pure state machine and its
 * record format.
 */
package io.flinkpersist.state;
