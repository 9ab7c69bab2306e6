package io.flinkpersist.e2e.jobs;

import java.time.Duration;
import org.apache.flink.util.ParameterTool;

/** The arguments every job takes: where the collection is and which changelog it holds. */
record JobArgs(
        String location, String collection, long events, Changelog changelog, ParameterTool all) {

    static JobArgs parse(String[] args) {
        ParameterTool p = ParameterTool.fromArgs(args);
        return new JobArgs(
                p.getRequired("location"),
                p.getRequired("collection"),
                p.getLong("events"),
                new Changelog(p.getInt("keys", 1_000), p.getLong("seed", 1L)),
                p);
    }

    Duration duration(String name, Duration defaultValue) {
        return all.has(name) ? Duration.ofMillis(all.getLong(name)) : defaultValue;
    }

    /** One line naming the job's input, for its output. */
    String describe() {
        return "location="
                + location
                + " collection="
                + collection
                + " events="
                + events
                + " keys="
                + changelog.keys()
                + " seed="
                + changelog.seed();
    }
}
