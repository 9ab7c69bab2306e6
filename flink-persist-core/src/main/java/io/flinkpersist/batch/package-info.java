/**
 * Batches of updates: the packed sort buffer, sorted cursors, and the Parquet batch file format.
 */
package io.flinkpersist.batch;
