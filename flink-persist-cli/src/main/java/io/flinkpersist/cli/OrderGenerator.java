package io.flinkpersist.cli;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * The demo's seeded stream of order changes, as a pure function of the event index: the same seed
 * gives the same stream on any machine, in a Flink job or in a plain loop, so the expected final
 * state can be computed without the store.
 *
 * <p>The stream cycles over {@code slots} order slots: event {@code i} is the {@code (i /
 * slots)}-th event of slot {@code i % slots}. Each slot runs one order after another; an order is
 * inserted ({@code NEW}), updated zero to three times ({@code PAID}, {@code PACKED}, {@code
 * SHIPPED}), then deleted, and the slot's next order begins. Every value is derived from the seed,
 * the slot and the order, so an update's or delete's old value is known without remembering it.
 *
 * <p>Event time: event {@code i} happens at {@code START + i} milliseconds, arriving up to {@link
 * #MAX_DELAY_MILLIS} late (its time is that much earlier than its position says). Consecutive
 * events of one slot are {@code slots} milliseconds apart, more than the delay, so each order's
 * events keep their order in event time.
 */
public final class OrderGenerator implements Serializable {

    private static final long serialVersionUID = 1L;

    /** 2026-01-01T00:00:00Z: the event time of event 0. */
    public static final long START = 1_767_225_600_000L;

    /** The bound on out-of-orderness, and the watermark strategy's. */
    public static final long MAX_DELAY_MILLIS = 2_000;

    /** The default number of order slots. */
    public static final int DEFAULT_SLOTS = 50_000;

    private static final String[] STATUS = {"NEW", "PAID", "PACKED", "SHIPPED"};

    private final long seed;
    private final int slots;

    public OrderGenerator(long seed, int slots) {
        if (slots * 1L <= MAX_DELAY_MILLIS) {
            throw new IllegalArgumentException(
                    "Invalid slots "
                            + slots
                            + ": must exceed the out-of-orderness bound "
                            + MAX_DELAY_MILLIS
                            + " ms");
        }
        this.seed = seed;
        this.slots = slots;
    }

    public long seed() {
        return seed;
    }

    /** Event {@code i} of the stream. */
    public OrderEvent event(long i) {
        if (i < 0) {
            throw new IllegalArgumentException("Invalid event index " + i + ": must be >= 0");
        }
        long slot = i % slots;
        long version = i / slots;
        long order = 0;
        long first = 0;
        int updates;
        while (true) {
            updates = updatesOf(slot, order);
            if (version < first + updates + 2) {
                break;
            }
            first += updates + 2;
            order++;
        }
        int step = (int) (version - first);
        String id = orderId(order * slots + slot);
        long time = START + i - Math.floorMod(mix(seed, i, 0x7157, 3), MAX_DELAY_MILLIS + 1);
        if (step == 0) {
            return new OrderEvent(i, OrderEvent.Kind.INSERT, id, null, value(slot, order, 0), time);
        }
        if (step <= updates) {
            return new OrderEvent(
                    i,
                    OrderEvent.Kind.UPDATE,
                    id,
                    value(slot, order, step - 1),
                    value(slot, order, step),
                    time);
        }
        return new OrderEvent(
                i, OrderEvent.Kind.DELETE, id, value(slot, order, updates), null, time);
    }

    /** How many times an order is updated between its insert and its delete: 0 to 3. */
    private int updatesOf(long slot, long order) {
        return (int) Math.floorMod(mix(seed, slot, order, 1), 4L);
    }

    /** Version {@code step} of an order: its account and amount are fixed, its status advances. */
    private String value(long slot, long order, int step) {
        long h = mix(seed, slot, order, 2);
        long account = Math.floorMod(h, 5_000L);
        long cents = 100 + Math.floorMod(h >>> 20, 100_000L);
        StringBuilder sb = new StringBuilder(48);
        sb.append("account=acct-");
        pad(sb, account, 4);
        sb.append(" status=")
                .append(STATUS[step])
                .append(" amount=")
                .append(cents / 100)
                .append('.');
        pad(sb, cents % 100, 2);
        return sb.toString();
    }

    private static String orderId(long id) {
        StringBuilder sb = new StringBuilder(16).append("order-");
        pad(sb, id, 10);
        return sb.toString();
    }

    private static void pad(StringBuilder sb, long n, int width) {
        String digits = Long.toString(n);
        for (int i = digits.length(); i < width; i++) {
            sb.append('0');
        }
        sb.append(digits);
    }

    /** A SplitMix64-style hash of the seed and three values. */
    static long mix(long seed, long a, long b, long c) {
        long z = seed;
        z = splitMix(z ^ splitMix(a + 0x9E3779B97F4A7C15L));
        z = splitMix(z ^ splitMix(b + 0xBF58476D1CE4E5B9L));
        z = splitMix(z ^ splitMix(c + 0x94D049BB133111EBL));
        return z;
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * What the first events up to {@code targetUpdates} updates amount to, replayed in plain Java:
     * the stream's length and counts, and the final state the collection must hold.
     *
     * @param events how many events the job writes
     * @param updates the updates they make (at least the target; an update event adds two)
     * @param inserts insert events
     * @param changes update events
     * @param deletes delete events
     * @param finalState each live order's key and its last value
     * @param lastTime the largest event time
     */
    public record Plan(
            long events,
            long updates,
            long inserts,
            long changes,
            long deletes,
            Map<String, String> finalState,
            long lastTime) {}

    /** Replays the stream until it has made {@code targetUpdates} updates. */
    public Plan plan(long targetUpdates) {
        if (targetUpdates < 1) {
            throw new IllegalArgumentException(
                    "Invalid number of updates " + targetUpdates + ": must be >= 1");
        }
        Map<String, String> state = new HashMap<>();
        long updates = 0;
        long inserts = 0;
        long changes = 0;
        long deletes = 0;
        long lastTime = START;
        long i = 0;
        while (updates < targetUpdates) {
            OrderEvent e = event(i++);
            switch (e.kind()) {
                case INSERT -> {
                    inserts++;
                    expect(state.put(e.orderId(), e.newValue()) == null, e);
                }
                case UPDATE -> {
                    changes++;
                    expect(e.oldValue().equals(state.put(e.orderId(), e.newValue())), e);
                }
                case DELETE -> {
                    deletes++;
                    expect(e.oldValue().equals(state.remove(e.orderId())), e);
                }
            }
            updates += e.updateCount();
            lastTime = Math.max(lastTime, e.time());
        }
        return new Plan(i, updates, inserts, changes, deletes, state, lastTime);
    }

    private static void expect(boolean consistent, OrderEvent e) {
        if (!consistent) {
            throw new IllegalStateException("The order stream contradicts itself at event " + e);
        }
    }
}
