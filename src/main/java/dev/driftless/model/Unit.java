package dev.driftless.model;

import java.util.List;

/**
 * A systemd unit a service manages: its unit file and drop-ins (ordinary {@link Resource.File}s of the service
 * under {@link #DIRECTORY}), whether it is enabled and running, and the files whose change restarts it.
 *
 * @param files the unit file's path (when the service writes it) and its drop-ins' paths
 * @param restartOn paths of managed files (of any service) whose change restarts the unit (reloads, with
 *     {@code reload})
 */
public record Unit(String name, List<String> files, boolean enabled, boolean running, List<String> restartOn,
        boolean reload, Location where) {

    /** Where unit files and their drop-in folders are written, under the host's root. */
    public static final String DIRECTORY = "/etc/systemd/system";

    public Unit {
        files = List.copyOf(files);
        restartOn = List.copyOf(restartOn);
    }

    /**
     * Whether this is a template ({@code worker@.service}): only its file is managed, as systemd neither enables nor
     * starts a template itself, but its instances ({@code worker@1.service}), which are units of their own.
     */
    public boolean template() {
        return name.contains("@.");
    }

    /** Whether {@code path} is a unit file or drop-in, whose change needs a {@code daemon-reload}. */
    public static boolean isUnitFile(String path) {
        return path.startsWith(DIRECTORY + "/") || path.startsWith("/usr/lib/systemd/system/")
                || path.startsWith("/lib/systemd/system/");
    }
}
