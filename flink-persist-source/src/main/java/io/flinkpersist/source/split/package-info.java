/**
 * Splits of a persist source: immutable parts of a pinned snapshot, their progress and serializer.
 */
package io.flinkpersist.source.split;
