package io.flinkpersist.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a client process (flink run, the SQL client, bin/persist) did: exit code and output. */
record ClientRun(String name, int exitCode, String output, Duration elapsed) {

    /** Asserts it exited with 0, showing its output if not. */
    ClientRun assertSucceeded() {
        assertThat(exitCode)
                .as("%s exit code (%s); its output:%n%s", name, elapsed, output)
                .isZero();
        return this;
    }

    /** The lines that start with {@code prefix}. */
    List<String> lines(String prefix) {
        return Arrays.stream(output.split("\n")).filter(l -> l.startsWith(prefix)).toList();
    }

    /** The one line that starts with {@code prefix}. */
    String line(String prefix) {
        List<String> lines = lines(prefix);
        assertThat(lines)
                .as("%s lines starting with %s; output:%n%s", name, prefix, output)
                .hasSize(1);
        return lines.get(0);
    }

    /** The first group of the first match of {@code regex}. */
    String find(String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        assertThat(m.find()).as("%s output has %s:%n%s", name, regex, output).isTrue();
        return m.group(1);
    }
}
