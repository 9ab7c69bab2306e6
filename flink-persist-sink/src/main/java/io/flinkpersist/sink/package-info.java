/** The Flink sink of persist collections: its builder, options and late-update policy. */
package io.flinkpersist.sink;
