/**
 * The side-by-side harness: one workload through the persist sink, Apache Paimon and Flink's
 * FileSink, then read back.
 */
package io.flinkpersist.bench.harness;
