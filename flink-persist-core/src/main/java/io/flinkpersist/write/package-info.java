/** Writing batches: a sorted, consolidated stream of updates becomes a new immutable batch blob. */
package io.flinkpersist.write;
