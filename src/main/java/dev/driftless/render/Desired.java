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
     * A regular file with its rendered content; {@code secretLines} says which of it came from secrets: a
     * {@link #sensitive} file never has an unsalted hash stored, and its diffs show those lines masked.
     */
    record File(String path, String service, byte[] content, Ownership ownership, List<String> onChange,
            Location where, SecretLines secretLines) implements Desired {
        public File {
            onChange = List.copyOf(onChange);
        }

        /** A file all of whose content is secret ({@code sensitive}) or none of it. */
        public File(String path, String service, byte[] content, Ownership ownership, List<String> onChange,
                Location where, boolean sensitive) {
            this(path, service, content, ownership, onChange, where,
                    sensitive ? SecretLines.WHOLE_FILE : SecretLines.NONE);
        }

        /** Whether any of the content came from a secret. */
        public boolean sensitive() {
            return secretLines.sensitive();
        }
    }

    /** A directory. */
    record Directory(String path, String service, Ownership ownership, Location where) implements Desired {
    }

    /**
     * A package to install (at {@code version}, when given) or, unless {@code present}, to remove. Not a path:
     * {@link #path()} is its key in plans and host state ({@code package:NAME}).
     */
    record Package(String name, java.util.Optional<String> version, boolean present, String service, Location where)
            implements Desired {
        public static final String PREFIX = "package:";

        @Override
        public String path() {
            return PREFIX + name;
        }
    }

    /**
     * A systemd unit's enablement and run state (its files are {@link File}s of the same service). Not a path:
     * {@link #path()} is its key in plans and host state ({@code unit:NAME}).
     */
    record Unit(String name, boolean enabled, boolean running, List<String> files, List<String> restartOn,
            boolean reload, String service, Location where) implements Desired {
        public static final String PREFIX = "unit:";

        public Unit {
            files = List.copyOf(files);
            restartOn = List.copyOf(restartOn);
        }

        @Override
        public String path() {
            return PREFIX + name;
        }
    }

    /**
     * A compose stack (its compose file and the file of labels beside it are {@link File}s of the same service). Not
     * a path: {@link #path()} is its key in plans and host state ({@code stack:PROJECT}).
     *
     * @param services the compose services, each with the hash its containers must be labelled with
     */
    record Stack(String project, String directory, String file, String override, boolean pullAlways,
            boolean removeVolumes, List<StackService> services, String service, Location where) implements Desired {
        public static final String PREFIX = "stack:";

        public Stack {
            services = List.copyOf(services);
        }

        @Override
        public String path() {
            return PREFIX + project;
        }
    }

    /**
     * One service of a compose stack: the image it names, the hash Driftless labels its containers with, the files
     * of the repository it mounts, and the signal that reloads it when one of them changes (instead of recreating it).
     *
     * @param pin the image (by digest, else ID) a rollback runs instead of {@code image}: the one it ran when the
     *     host was last healthy
     */
    record StackService(String name, java.util.Optional<String> image, String hash, List<String> mounts,
            java.util.Optional<String> signal, java.util.Optional<String> pin) {
        public StackService {
            mounts = List.copyOf(mounts);
        }

        /** A service as its compose file says, pinned to no image. */
        public StackService(String name, java.util.Optional<String> image, String hash, List<String> mounts,
                java.util.Optional<String> signal) {
            this(name, image, hash, mounts, signal, java.util.Optional.empty());
        }
    }

    /** Whether a key of a plan or host state is a path on the host (not a package:NAME or unit:NAME). */
    static boolean isPath(String key) {
        return key.startsWith("/");
    }

    /** A symbolic link. */
    record Symlink(String path, String service, String target, List<String> onChange, Location where)
            implements Desired {
        public Symlink {
            onChange = List.copyOf(onChange);
        }
    }
}
