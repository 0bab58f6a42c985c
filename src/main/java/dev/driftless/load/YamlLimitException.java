package dev.driftless.load;

import dev.driftless.model.Location;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * A YAML file goes beyond {@link YamlLimits}: too deep, too large, or an alias inside its own anchor.
 * Says where (file, line, key path) and what to do; it never quotes a value of the file.
 */
public final class YamlLimitException extends YamlEngineException {

    private final transient Location where;
    private final String reason;

    public YamlLimitException(Location where, String reason) {
        super(where + ": " + reason);
        this.where = where;
        this.reason = reason;
    }

    public Location where() {
        return where;
    }

    /** What is wrong and what to do, without the place. */
    public String reason() {
        return reason;
    }
}
