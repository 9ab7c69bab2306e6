package io.flinkpersist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrderGeneratorTest {

    private static final long SEED = Long.getLong("test.seed", System.nanoTime());

    static {
        System.out.println(
                "OrderGeneratorTest seed " + SEED + " (replay with -Dtest.seed=" + SEED + ")");
    }

    @Test
    void theStreamIsAFunctionOfTheSeed() {
        OrderGenerator a = new OrderGenerator(SEED, 5_000);
        OrderGenerator b = new OrderGenerator(SEED, 5_000);
        OrderGenerator other = new OrderGenerator(SEED + 1, 5_000);
        int differ = 0;
        for (long i = 0; i < 20_000; i += 7) {
            assertThat(a.event(i)).isEqualTo(b.event(i));
            if (!a.event(i).equals(other.event(i))) {
                differ++;
            }
        }
        assertThat(differ).isGreaterThan(2_500);
    }

    /**
     * Replaying the changelog rows (not the events) gives the plan's final state with every order
     * once at +1; every order's events keep their order in event time; times are never later than
     * the position allows nor more than the bound earlier, so bounded-out-of-orderness watermarks
     * see no late event.
     */
    @Test
    void theChangelogIsConsistentAndBoundedOutOfOrder() {
        OrderGenerator g = new OrderGenerator(SEED, 5_000);
        OrderGenerator.Plan plan = g.plan(100_000);
        assertThat(plan.updates()).isBetween(100_000L, 100_001L);
        assertThat(plan.inserts() + plan.changes() + plan.deletes()).isEqualTo(plan.events());
        assertThat(plan.inserts()).isPositive();
        assertThat(plan.changes()).isPositive();
        assertThat(plan.deletes()).isPositive();

        Map<String, Map<String, Long>> multiset = new HashMap<>();
        Map<String, Long> lastTime = new HashMap<>();
        long maxSeen = 0;
        long updates = 0;
        for (long i = 0; i < plan.events(); i++) {
            OrderEvent e = g.event(i);
            assertThat(e.index()).isEqualTo(i);
            assertThat(e.time())
                    .isBetween(
                            OrderGenerator.START + i - OrderGenerator.MAX_DELAY_MILLIS,
                            OrderGenerator.START + i);
            // Not late for a watermark of (max seen - bound - 1).
            assertThat(e.time()).isGreaterThan(maxSeen - OrderGenerator.MAX_DELAY_MILLIS - 1);
            maxSeen = Math.max(maxSeen, e.time());
            Long previous = lastTime.put(e.orderId(), e.time());
            if (previous != null) {
                assertThat(e.time()).isGreaterThan(previous);
            }
            if (e.oldValue() != null) {
                multiset.computeIfAbsent(e.orderId(), k -> new HashMap<>())
                        .merge(e.oldValue(), -1L, Long::sum);
                updates++;
            }
            if (e.newValue() != null) {
                multiset.computeIfAbsent(e.orderId(), k -> new HashMap<>())
                        .merge(e.newValue(), 1L, Long::sum);
                updates++;
            }
        }
        assertThat(updates).isEqualTo(plan.updates());
        Map<String, String> live = new HashMap<>();
        multiset.forEach(
                (order, values) ->
                        values.forEach(
                                (value, diff) -> {
                                    assertThat(diff).as("%s -> %s", order, value).isIn(0L, 1L);
                                    if (diff == 1) {
                                        assertThat(live.put(order, value))
                                                .as("one live version of %s", order)
                                                .isNull();
                                    }
                                }));
        assertThat(live).isEqualTo(plan.finalState());
        assertThat(plan.lastTime()).isEqualTo(maxSeen);
    }

    @Test
    void valuesLookLikeOrders() {
        OrderEvent e = new OrderGenerator(SEED, 5_000).event(0);
        assertThat(e.kind()).isEqualTo(OrderEvent.Kind.INSERT);
        assertThat(e.orderId()).isEqualTo("order-0000000000");
        assertThat(e.newValue()).matches("account=acct-\\d{4} status=NEW amount=\\d+\\.\\d{2}");
    }
}
