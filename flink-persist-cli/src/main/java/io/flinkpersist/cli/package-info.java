/**
 * The {@code bin/persist} command line: inspect, validate, dump and maintain collections, and run
 * the demo.
 */
package io.flinkpersist.cli;
