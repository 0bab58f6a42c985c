package dev.driftless.model;

import java.util.Objects;

/**
 * A text setting under {@code notifications:} as written: the text itself, or a {@link Reference} to a secret or
 * an environment variable that the agent reads when it builds the destination. A credential may only be a
 * reference (driftless.yaml is committed); any other text setting may be either.
 */
public sealed interface Setting permits Setting.Text, Reference {

    /** Text written in driftless.yaml, already checked for its form (a URL, an address...). */
    record Text(String value) implements Setting {
        public Text {
            Objects.requireNonNull(value, "value");
        }
    }
}
