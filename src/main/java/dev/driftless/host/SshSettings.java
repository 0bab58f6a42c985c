package dev.driftless.host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How a command reaches SSH hosts.
 *
 * @param identity a private key for every host without its own {@code identity:} (else ~/.ssh/id_*)
 * @param knownHosts the known_hosts file host keys are verified against
 * @param acceptNewHostKeys record the key of a host not yet known instead of refusing it
 * @param timeout the limit for connecting, authenticating and each remote command
 * @param agent the Unix socket of a running ssh-agent whose keys are offered too
 */
public record SshSettings(Optional<Path> identity, Path knownHosts, boolean acceptNewHostKeys, Duration timeout,
        Optional<Path> agent) {

    /** The files of this machine these settings read: a repository must never manage them. */
    public java.util.List<Path> files() {
        java.util.List<Path> files = new java.util.ArrayList<>();
        identity.ifPresent(files::add);
        files.add(knownHosts);
        return files;
    }

    public static Path defaultKnownHosts() {
        return Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
    }
}
