package io.flinkpersist.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.BlockElement;
import org.apache.flink.configuration.description.TextElement;
import org.apache.flink.util.TimeUtils;
import org.junit.jupiter.api.Test;

/**
 * The README's {@code ## SQL} section documents exactly the connector's options: one table row per
 * option of {@link PersistOptions} (which are exactly the factory's options), with its default,
 * type and description as the code has them. On a mismatch the expected table is printed, ready to
 * paste.
 */
class ReadmeTest {

    static final Path README = Paths.get(System.getProperty("basedir", "."), "..", "README.md");
    static final String HEADER = "| Option | Default | Type | Description |";

    /** The text of the README's {@code ## SQL} section. */
    static String sqlSection() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int start = readme.indexOf("\n## SQL\n");
        assertThat(start).as("README has a '## SQL' section").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start + 1, end < 0 ? readme.length() : end);
    }

    /** Every option constant of {@link PersistOptions}, in declaration order. */
    static List<ConfigOption<?>> declaredOptions() throws IllegalAccessException {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Field f : PersistOptions.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                options.add((ConfigOption<?>) f.get(null));
            }
        }
        return options;
    }

    static String row(ConfigOption<?> option) throws ReflectiveOperationException {
        return "| `"
                + option.key()
                + "` | "
                + defaultText(option)
                + " | "
                + typeText(option)
                + " | "
                + descriptionText(option)
                + " |";
    }

    private static String defaultText(ConfigOption<?> option) {
        if (!option.hasDefaultValue()) {
            return "(none)";
        }
        Object d = option.defaultValue();
        String text =
                d instanceof Duration duration
                        ? TimeUtils.formatWithHighestUnit(duration)
                        : String.valueOf(d);
        return "`" + text + "`";
    }

    /**
     * The option's value type; Flink keeps it package-private, as its own documentation generator
     * reads it.
     */
    private static String typeText(ConfigOption<?> option) throws ReflectiveOperationException {
        Method getClazz = ConfigOption.class.getDeclaredMethod("getClazz");
        getClazz.setAccessible(true);
        Class<?> type = (Class<?>) getClazz.invoke(option);
        return type.isEnum() ? "Enum" : type.getSimpleName();
    }

    private static String descriptionText(ConfigOption<?> option) {
        List<BlockElement> blocks = option.description().getBlocks();
        assertThat(blocks)
                .as("description of %s", option.key())
                .hasSize(1)
                .first()
                .isInstanceOf(TextElement.class);
        TextElement text = (TextElement) blocks.get(0);
        assertThat(text.getElements())
                .as("description of %s has no placeholders", option.key())
                .isEmpty();
        assertThat(text.getFormat())
                .as("description of %s", option.key())
                .isNotBlank()
                .doesNotContain("|");
        return text.getFormat();
    }

    @Test
    void theOptionsClassHoldsExactlyTheFactorysOptions() throws IllegalAccessException {
        PersistDynamicTableFactory factory = new PersistDynamicTableFactory();
        Set<ConfigOption<?>> factoryOptions = new HashSet<>(factory.requiredOptions());
        factoryOptions.addAll(factory.optionalOptions());
        assertThat(new HashSet<>(declaredOptions())).isEqualTo(factoryOptions);
    }

    @Test
    void theReadmeOptionTableMatchesTheCode() throws Exception {
        String section = sqlSection();
        List<String> lines = section.lines().collect(Collectors.toList());
        int header = lines.indexOf(HEADER);
        assertThat(header)
                .as("the SQL section has an options table headed %s", HEADER)
                .isNotNegative();
        Map<String, String> documented = new LinkedHashMap<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String line = lines.get(i);
            String key =
                    line.substring(line.indexOf('`') + 1, line.indexOf('`', line.indexOf('`') + 1));
            assertThat(documented.put(key, line)).as("option %s documented once", key).isNull();
        }
        Map<String, String> expected = new LinkedHashMap<>();
        for (ConfigOption<?> option : declaredOptions()) {
            expected.put(option.key(), row(option));
        }
        if (!documented.equals(expected)) {
            System.out.println(
                    "The README's option table should read:\n"
                            + HEADER
                            + "\n| --- | --- | --- | --- |\n"
                            + String.join("\n", expected.values()));
        }
        assertThat(documented).isEqualTo(expected);
    }
}
