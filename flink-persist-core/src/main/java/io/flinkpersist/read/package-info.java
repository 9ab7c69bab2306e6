/**
 * Reading a collection: consistent snapshots, their byte-balanced parts, and validated batch
 * cursors.
 */
package io.flinkpersist.read;
