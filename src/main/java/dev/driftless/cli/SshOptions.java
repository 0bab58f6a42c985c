package dev.driftless.cli;

import dev.driftless.host.SshSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/** How SSH hosts (address: ssh://user@host[:port]) are reached. */
final class SshOptions {

    @Option(names = "--identity", paramLabel = "FILE",
            description = "Private key for SSH hosts without their own 'identity:'. Default: ~/.ssh/id_ed25519,"
                    + " id_ecdsa, id_rsa (those that exist).")
    Path identity;

    @Option(names = "--known-hosts", paramLabel = "FILE",
            description = "The known_hosts file SSH host keys are verified against. Default: ~/.ssh/known_hosts."
                    + " An unknown key is refused (its fingerprint is printed); a changed key always is.")
    Path knownHosts;

    @Option(names = "--accept-new-host-keys",
            description = "Record the key of an SSH host not yet in known_hosts instead of refusing it (as ssh's"
                    + " StrictHostKeyChecking=accept-new). A changed key is still refused.")
    boolean acceptNewHostKeys;

    @Option(names = "--ssh-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "Limit for connecting, authenticating and each remote command; a host that stops answering"
                    + " keepalives is given up after about as long. Default: ${DEFAULT-VALUE}.")
    Duration timeout = Duration.ofSeconds(30);

    @Option(names = "--ssh-agent", paramLabel = "SOCKET",
            description = "The Unix socket of an ssh-agent whose keys are offered too. Default: $SSH_AUTH_SOCK.")
    Path agent;

    SshSettings settings() {
        String fromEnvironment = System.getenv("SSH_AUTH_SOCK");
        Optional<Path> socket = Optional.ofNullable(agent)
                .or(() -> fromEnvironment == null || fromEnvironment.isBlank() ? Optional.empty()
                        : Optional.of(Path.of(fromEnvironment)));
        return new SshSettings(Optional.ofNullable(identity),
                knownHosts != null ? knownHosts : SshSettings.defaultKnownHosts(), acceptNewHostKeys, timeout, socket);
    }
}
