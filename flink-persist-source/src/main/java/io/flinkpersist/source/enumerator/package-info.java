/**
 * The source's enumerator: the leased snapshot, split planning and assignment, and its checkpoint.
 */
package io.flinkpersist.source.enumerator;
