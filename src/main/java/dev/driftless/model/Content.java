package dev.driftless.model;

/** Where the bytes of a managed file come from. Paths are relative to the repository root. */
public sealed interface Content {

    /** A file of the service's directory, copied byte for byte. */
    record Source(String repoPath) implements Content {
    }

    /** A Pebble template of the service's directory, rendered per host. */
    record Template(String repoPath) implements Content {
    }

    /**
     * An encrypted file of the service's directory (SOPS, or age when it ends in {@code .age}), decrypted
     * in memory on the machine running Driftless; the host receives only the plaintext.
     */
    record Secret(String repoPath) implements Content {
    }

    /** Text written in service.yaml itself. */
    record Inline(String text) implements Content {
    }
}
