/** The Flink SQL connector {@code 'persist'}: its factory and its options. */
package io.flinkpersist.table;
