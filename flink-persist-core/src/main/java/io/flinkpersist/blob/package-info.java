/**
 * The blob store SPI and its implementations: where a collection's state records and batches live.
 */
package io.flinkpersist.blob;
