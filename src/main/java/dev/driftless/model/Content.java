package dev.driftless.model;

/** Where the bytes of a managed file come from. Paths are relative to the repository root. */
public sealed interface Content {

    /** A file of the service's directory, copied byte for byte. */
    record Source(String repoPath) implements Content {
    }

    /** A Pebble template of the service's directory, rendered per host. */
    record Template(String repoPath) implements Content {
    }

    /** Text written in service.yaml itself. */
    record Inline(String text) implements Content {
    }
}
