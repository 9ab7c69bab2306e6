package io.flinkpersist.table;

import static org.apache.flink.configuration.description.TextElement.text;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.DescribedEnum;
import org.apache.flink.configuration.description.InlineElement;

/** How a scan reads a persist table (option {@code scan.mode}). */
@PublicEvolving
public enum ScanMode implements DescribedEnum {
    /**
     * A consolidated snapshot: each row once per unit of its net multiplicity, insert-only,
     * bounded.
     */
    SNAPSHOT("snapshot", "A consolidated snapshot: insert-only and bounded (works in batch mode)."),
    /**
     * The snapshot, then every newly sealed interval as a changelog, with watermarks at the seal;
     * unbounded until the collection's seal closes.
     */
    CONTINUOUS(
            "continuous",
            "The snapshot, then each newly sealed interval as a changelog of inserts and deletes, unbounded.");

    private final String value;
    private final String description;

    ScanMode(String value, String description) {
        this.value = value;
        this.description = description;
    }

    @Override
    public String toString() {
        return value;
    }

    @Override
    public InlineElement getDescription() {
        return text(description);
    }
}
