package io.flinkpersist.e2e.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinkpersist.Update;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChangelogTest {

    private final Changelog changelog = new Changelog(100, 7);

    @Test
    void theUpdatesOfAllEventsConsolidateToTheReplayedState() {
        long events = 5_000;
        StateCheck check = new StateCheck();
        for (long i = 0; i < events; i++) {
            changelog.updates(i, check::add);
        }
        Map<String, String> state = changelog.replay().advanceTo(events).state();

        assertThat(check.problems(state)).isEmpty();
        assertThat(state).hasSizeBetween(60, 99);
    }

    @Test
    void eventsInsertUpdateAndDelete() {
        List<Update<String, String>> updates = new ArrayList<>();
        long retractions = 0;
        long deletes = 0;
        for (long i = 0; i < 2_000; i++) {
            int before = updates.size();
            changelog.updates(i, updates::add);
            List<Update<String, String>> made = updates.subList(before, updates.size());
            retractions += made.stream().filter(u -> u.diff() < 0).count();
            if (made.size() == 1 && made.get(0).diff() < 0) {
                deletes++;
            }
            assertThat(made).extracting(Update::time).containsOnly(Changelog.time(i));
        }
        assertThat(retractions).isGreaterThan(1_000);
        assertThat(deletes).isGreaterThan(50);
    }

    @Test
    void aReplayGoesOnFromWhereItStands() {
        Changelog.Replay stepwise = changelog.replay();
        for (long end = 0; end <= 3_000; end += 250) {
            stepwise.advanceTo(end);
        }
        assertThat(stepwise.events()).isEqualTo(3_000);
        assertThat(stepwise.state()).isEqualTo(changelog.replay().advanceTo(3_000).state());
    }

    @Test
    void aStateThatDiffersIsReported() {
        StateCheck check = new StateCheck();
        check.add(Update.insert("a", "1", 0));
        check.add(Update.insert("b", "2", 0));
        check.add(Update.insert("b", "2", 1));
        check.add(Update.insert("c", "3", 0));

        assertThat(check.problems(Map.of("a", "1", "b", "2", "d", "4")))
                .containsExactly(
                        "key b: expected {2=1}, read {2=2}",
                        "key c: expected nothing, read {3=1}",
                        "key d: expected {4=1}, read {}");
    }
}
