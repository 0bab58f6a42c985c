package dev.driftless.host;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier.HostEntryPair;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ModifiedServerKeyAcceptor;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * Verifies host keys against a known_hosts file, never trusting all: an unknown key is refused
 * (or recorded, when new keys are accepted), a changed key is always refused. Remembers why it
 * refused a session, with the key's fingerprint, so the error can say it.
 */
final class HostKeys implements ServerKeyVerifier {

    /** Held while a line is added to a known_hosts file: hosts are connected to at once, each session's check apart. */
    private static final Object APPENDING = new Object();

    private final Path file;
    private final ServerKeyVerifier unknown;
    private final ModifiedServerKeyAcceptor changed;
    private final Map<ClientSession, String> refusals = new ConcurrentHashMap<>();

    HostKeys(Path file, boolean acceptNew) {
        this.file = file;
        this.unknown = (session, address, key) -> {
            if (acceptNew) {
                return true; // the known_hosts verifier then appends it to the file
            }
            refusals.put(session, "the host key of " + address + " is not in " + file + " (fingerprint "
                    + KeyUtils.getFingerPrint(key) + "); check it, then add it with ssh-keyscan or run once with"
                    + " --accept-new-host-keys");
            return false;
        };
        this.changed = (session, address, entry, expected, actual) -> {
            refusals.put(session, "the host key of " + address + " CHANGED: " + file + " has "
                    + KeyUtils.getFingerPrint(expected) + ", the host offers " + KeyUtils.getFingerPrint(actual)
                    + "; refusing to connect (if the host was rebuilt, remove its old line from " + file + ")");
            return false;
        };
    }

    /**
     * Verifies with MINA's known_hosts verifier, made for this one key: it decodes only the lines that name
     * this host and hold a key of the offered type (and any marked line), as OpenSSH compares. Decoding every
     * line costs a command dearly: BouncyCastle tests an RSA key's modulus for primality as it reads it (about
     * 0.1 s a key without the optimising compiler), and a known_hosts written by ssh-keyscan holds one per host.
     */
    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress address, PublicKey key) {
        String type = KeyUtils.getKeyType(key);
        KnownHostsServerKeyVerifier knownHosts = new KnownHostsServerKeyVerifier(unknown, file) {
            @Override
            protected PublicKey resolveHostKey(ClientSession s, KnownHostEntry entry, PublicKeyEntryResolver resolver)
                    throws IOException, GeneralSecurityException {
                boolean relevant = entry.getMarker() != null || entry.getKeyEntry() == null
                        || type == null || (type.equals(entry.getKeyEntry().getKeyType())
                                && resolveHostNetworkIdentities(s, address).stream()
                                        .anyMatch(id -> matches(entry, id.getHostName(), id.getPort())));
                return relevant ? super.resolveHostKey(s, entry, resolver) : null;
            }

            @Override
            protected KnownHostEntry updateKnownHostsFile(ClientSession s, SocketAddress a, PublicKey k, Path f,
                    Collection<HostEntryPair> known) throws Exception {
                KnownHostEntry entry = prepareKnownHostEntry(s, a, k);
                if (entry != null) {
                    appendLine(f, entry.getConfigLine());
                    resetReloadAttributes();
                }
                return entry;
            }
        };
        knownHosts.setModifiedServerKeyAcceptor(changed);
        return knownHosts.verifyServerKey(session, address, key);
    }

    /**
     * Adds a line at the end of a known_hosts file in one write, on a line of its own. MINA's verifier writes the line
     * and its line feeds in separate writes, truncating a file that is still empty, under a lock of its own instance:
     * and Driftless makes one instance per check, so the keys of hosts connected to at once ran into one line or
     * overwrote each other.
     */
    static void appendLine(Path file, String line) throws IOException {
        synchronized (APPENDING) {
            boolean unterminated = false;
            if (Files.exists(file) && Files.size(file) > 0) {
                try (SeekableByteChannel channel = Files.newByteChannel(file)) {
                    ByteBuffer last = ByteBuffer.allocate(1);
                    channel.position(channel.size() - 1).read(last);
                    unterminated = last.get(0) != '\n';
                }
            }
            Files.write(file, ((unterminated ? "\n" : "") + line + "\n").getBytes(StandardCharsets.UTF_8),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    private static boolean matches(KnownHostEntry entry, String host, int port) {
        return entry.getHashedEntry() != null ? entry.getHashedEntry().isHostMatch(host, port)
                : entry.isHostMatch(host, port);
    }

    /**
     * Offers the host the algorithms of the keys known_hosts holds for it first, as OpenSSH does: a host with
     * several host keys (ed25519, ecdsa, rsa) then shows the one recorded for it, not another one that would
     * look like a changed key. Called before the session's key exchange starts.
     */
    void preferKnownKeyTypes(ClientSession session) {
        SshdSocketAddress target = SshdSocketAddress.toSshdSocketAddress(session.getConnectAddress());
        Set<String> known = knownKeyTypes(target.getHostName(), target.getPort());
        if (known.isEmpty()) {
            return;
        }
        List<NamedFactory<Signature>> offered = new ArrayList<>(session.getSignatureFactories());
        // a stable sort: the known types first, each group in the client's own order of preference
        offered.sort(Comparator.comparing(f -> !known.contains(KeyUtils.getCanonicalKeyType(f.getName()))));
        session.setSignatureFactories(offered);
    }

    private Set<String> knownKeyTypes(String host, int port) {
        Set<String> types = new TreeSet<>();
        if (!Files.isReadable(file)) {
            return types;
        }
        try {
            for (KnownHostEntry entry : KnownHostEntry.readKnownHostEntries(file)) {
                if (matches(entry, host, port) && entry.getMarker() == null && entry.getKeyEntry() != null) {
                    types.add(KeyUtils.getCanonicalKeyType(entry.getKeyEntry().getKeyType()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable line is the verifier's to report; the offer stays the client's default
        }
        return types;
    }

    Optional<String> refusal(ClientSession session) {
        return Optional.ofNullable(refusals.remove(session));
    }
}
