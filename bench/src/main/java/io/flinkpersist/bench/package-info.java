/**
 * Benchmarks: JMH for the engine's hot paths, and the side-by-side harness against Paimon and
 * FileSink.
 */
package io.flinkpersist.bench;
