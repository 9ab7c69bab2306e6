package io.flinkpersist.e2e;

import java.util.ArrayList;
import java.util.List;

/** The command lines of {@code flink run} for the jobs of the job jar (flink-persist-e2e-jobs). */
final class Jobs {

    static final String WRITE = "io.flinkpersist.e2e.jobs.WriteJob";
    static final String READ = "io.flinkpersist.e2e.jobs.ReadJob";
    static final String FOLLOW = "io.flinkpersist.e2e.jobs.FollowJob";

    private Jobs() {}

    /** {@code run [options] -c <main class> <job jar> <job arguments>}. */
    static String[] run(Distribution dist, List<String> options, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add("run");
        command.addAll(options);
        command.add("-c");
        command.add(mainClass);
        command.add(dist.jobJar().toString());
        command.addAll(List.of(args));
        return command.toArray(String[]::new);
    }

    /** The job arguments naming a collection and how much of the changelog it holds. */
    static String[] data(String location, String collection, long events, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--location",
                                location,
                                "--collection",
                                collection,
                                "--events",
                                Long.toString(events)));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }
}
