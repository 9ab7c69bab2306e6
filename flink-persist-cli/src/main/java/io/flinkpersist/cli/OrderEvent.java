package io.flinkpersist.cli;

/**
 * One change of an order in the demo's stream: an insert of its first version, an update from one
 * version to the next, or its delete.
 *
 * @param index the event's position in the stream, from 0
 * @param kind what happened
 * @param orderId the order's key
 * @param oldValue the version before the event; null for an insert
 * @param newValue the version after the event; null for a delete
 * @param time the event time in epoch milliseconds
 */
public record OrderEvent(
        long index, Kind kind, String orderId, String oldValue, String newValue, long time) {

    /** What an event does to its order. */
    public enum Kind {
        INSERT,
        UPDATE,
        DELETE
    }

    /** The updates this event adds to the changelog: 1 for an insert or delete, 2 for an update. */
    public int updateCount() {
        return kind == Kind.UPDATE ? 2 : 1;
    }
}
