/** The public engine surface: updates, codecs, frontiers and the collection handle. */
package io.flinkpersist;
