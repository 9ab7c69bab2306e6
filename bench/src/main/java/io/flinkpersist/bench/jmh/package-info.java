/** JMH benchmarks of the engine's hot paths, with plain Parquet as the reference. */
package io.flinkpersist.bench.jmh;
