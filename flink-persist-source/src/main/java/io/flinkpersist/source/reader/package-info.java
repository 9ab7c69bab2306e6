/** The source's readers: split fetching, merging and decoding. */
package io.flinkpersist.source.reader;
