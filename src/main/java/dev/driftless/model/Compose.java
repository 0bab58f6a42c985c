package dev.driftless.model;

import java.util.Map;

/**
 * A service's container stack: a compose file the service writes to {@code directory} (with the service's other
 * files there: env files, config files the containers mount) and brings up as compose project {@code project}
 * with the host's own compose ({@code docker compose}, {@code docker-compose} or {@code podman-compose}).
 *
 * @param file the compose file's path on the host ({@code directory/compose.yaml}), an ordinary file of the service
 * @param pullAlways pull the images on every apply ({@code pull: always}); otherwise only missing ones
 * @param removeVolumes when the stack leaves the repository, remove its volumes with it
 * @param reload compose services that are sent a signal (the value) instead of being recreated when a file of
 *     the repository they mount changes
 */
public record Compose(String directory, String project, String file, boolean pullAlways, boolean removeVolumes,
        Map<String, String> reload, Location where) {

    /** Where a stack's files go unless the service says {@code directory:}. */
    public static final String DEFAULT_PARENT = "/srv/driftless";
    /** The compose file's name in the stack's directory. */
    public static final String FILE_NAME = "compose.yaml";
    /** What Driftless adds to the compose file (the labels that say what it applied), beside it. */
    public static final String OVERRIDE_NAME = "compose.driftless.yaml";

    public Compose {
        reload = Map.copyOf(reload);
    }

    /** The path of the file Driftless writes beside the compose file. */
    public String overrideFile() {
        return directory + "/" + OVERRIDE_NAME;
    }
}
