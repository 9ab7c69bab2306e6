/** Garbage collection: deleting the blobs no state and no reader can need any more. */
package io.flinkpersist.gc;
