package dev.driftless.host;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;

/**
 * Verifies host keys against a known_hosts file, never trusting all: an unknown key is refused
 * (or recorded, when new keys are accepted), a changed key is always refused. Remembers why it
 * refused a session, with the key's fingerprint, so the error can say it.
 */
final class HostKeys implements ServerKeyVerifier {

    private final KnownHostsServerKeyVerifier knownHosts;
    private final Map<ClientSession, String> refusals = new ConcurrentHashMap<>();

    HostKeys(Path file, boolean acceptNew) {
        ServerKeyVerifier unknown = (session, address, key) -> {
            if (acceptNew) {
                return true; // the known_hosts verifier then appends it to the file
            }
            refusals.put(session, "the host key of " + address + " is not in " + file + " (fingerprint "
                    + KeyUtils.getFingerPrint(key) + "); check it, then add it with ssh-keyscan or run once with"
                    + " --accept-new-host-keys");
            return false;
        };
        this.knownHosts = new KnownHostsServerKeyVerifier(unknown, file);
        this.knownHosts.setModifiedServerKeyAcceptor((session, address, entry, expected, actual) -> {
            refusals.put(session, "the host key of " + address + " CHANGED: " + file + " has "
                    + KeyUtils.getFingerPrint(expected) + ", the host offers " + KeyUtils.getFingerPrint(actual)
                    + "; refusing to connect (if the host was rebuilt, remove its old line from " + file + ")");
            return false;
        });
    }

    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress address, PublicKey key) {
        return knownHosts.verifyServerKey(session, address, key);
    }

    Optional<String> refusal(ClientSession session) {
        return Optional.ofNullable(refusals.remove(session));
    }
}
