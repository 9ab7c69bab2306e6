/**
 * The sink's writer, coordinator, committer, maintenance and the serializers of what crosses a
 * checkpoint.
 */
package io.flinkpersist.sink.internal;
