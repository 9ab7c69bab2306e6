/**
 * End-to-end tests on a Flink session cluster whose JobManager and TaskManagers are separate JVMs,
 * on HDFS, driven through Flink's own clients; and the harness that runs them.
 */
package io.flinkpersist.e2e;
