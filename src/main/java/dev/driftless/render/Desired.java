package dev.driftless.render;

import dev.driftless.model.Location;
import dev.driftless.model.Ownership;
import java.util.List;

/** A resource as it must be on one host: concrete bytes, attributes and the service that owns it. */
public sealed interface Desired {

    String path();

    String service();

    Location where();

    /**
     * A regular file with its rendered content; {@code sensitive} when any of it came from a secret, so
     * no diff, log line or unsalted hash of it is ever shown or stored.
     */
    record File(String path, String service, byte[] content, Ownership ownership, List<String> onChange,
            Location where, boolean sensitive) implements Desired {
        public File {
            onChange = List.copyOf(onChange);
        }
    }

    /** A directory. */
    record Directory(String path, String service, Ownership ownership, Location where) implements Desired {
    }

    /** A symbolic link. */
    record Symlink(String path, String service, String target, List<String> onChange, Location where)
            implements Desired {
        public Symlink {
            onChange = List.copyOf(onChange);
        }
    }
}
