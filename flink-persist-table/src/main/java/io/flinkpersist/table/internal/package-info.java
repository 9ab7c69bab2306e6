/**
 * The SQL connector's implementation: row encodings, the table source and sink, and their runtime
 * wrappers.
 */
package io.flinkpersist.table.internal;
