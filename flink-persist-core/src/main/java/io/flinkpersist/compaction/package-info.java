/**
 * Maintenance: the pure policy that picks drains, trims and trace compactions, and the merges that
 * carry them out.
 */
package io.flinkpersist.compaction;
