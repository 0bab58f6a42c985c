package dev.driftless.model;

import java.util.List;

/** One thing a service manages on a host; the closed set of kinds Driftless knows. */
public sealed interface Resource {

    /** Absolute, normalised destination path on the host. */
    String path();

    Location where();

    /** A regular file with managed content. */
    record File(String path, Content content, Ownership ownership, List<String> onChange, Location where)
            implements Resource {
        public File {
            onChange = List.copyOf(onChange);
        }
    }

    /** A directory. */
    record Directory(String path, Ownership ownership, Location where) implements Resource {
    }

    /** A symbolic link pointing at {@code target} (taken literally, never resolved by Driftless). */
    record Symlink(String path, String target, List<String> onChange, Location where) implements Resource {
        public Symlink {
            onChange = List.copyOf(onChange);
        }
    }
}
