/** The Flink source of persist collections: its builder and settings. */
package io.flinkpersist.source;
