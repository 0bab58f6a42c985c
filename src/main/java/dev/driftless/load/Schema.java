package dev.driftless.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The JSON Schemas (draft 2020-12) of the two files a user writes, for editors: what the loader accepts, as far as one
 * file read alone can tell (see docs/schema.md for what only {@code driftless validate} finds).
 */
public enum Schema {
    INVENTORY(RepositoryLoader.INVENTORY_FILE, "driftless.schema.json"),
    SERVICE(RepositoryLoader.SERVICE_FILE, "service.schema.json");

    private final String describes;
    private final String fileName;

    Schema(String describes, String fileName) {
        this.describes = describes;
        this.fileName = fileName;
    }

    /** The file of the repository this schema describes: driftless.yaml or service.yaml. */
    public String describes() {
        return describes;
    }

    /** The name the schema is saved under: driftless.schema.json or service.schema.json. */
    public String fileName() {
        return fileName;
    }

    /** The schema as JSON text. */
    public String text() {
        try (InputStream in = Schema.class.getResourceAsStream(fileName)) {
            if (in == null) {
                throw new IllegalStateException(fileName + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema of {@code file} (driftless.yaml or service.yaml, also as a path ending in one). */
    public static Optional<Schema> of(String file) {
        for (Schema schema : values()) {
            if (file.equals(schema.describes) || file.endsWith("/" + schema.describes)) {
                return Optional.of(schema);
            }
        }
        return Optional.empty();
    }
}
