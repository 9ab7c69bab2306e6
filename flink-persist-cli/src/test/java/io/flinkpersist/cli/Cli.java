package io.flinkpersist.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs one {@code persist} command line in-process and keeps its exit code and output. */
record Cli(int exitCode, String out, String err) {

    static Cli run(Object... args) {
        List<String> strings = new ArrayList<>();
        for (Object a : args) {
            strings.add(String.valueOf(a));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                Main.run(
                        strings.toArray(new String[0]),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        Cli result =
                new Cli(
                        code,
                        out.toString(StandardCharsets.UTF_8),
                        err.toString(StandardCharsets.UTF_8));
        System.out.println(
                "$ persist "
                        + String.join(" ", strings)
                        + "\n"
                        + result.out
                        + result.err
                        + "exit "
                        + code);
        return result;
    }

    /** The lines of stdout. */
    List<String> lines() {
        return Arrays.asList(out.split("\n"));
    }
}
