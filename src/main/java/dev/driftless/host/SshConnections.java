package dev.driftless.host;

import dev.driftless.model.Address;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;

/**
 * The SSH client of one command (Apache MINA sshd): opens one session per host, authenticated with a
 * key and verified against known_hosts, and closes them all at the end.
 */
public final class SshConnections implements AutoCloseable {

    /** Keepalives a host may leave unanswered in a row before its connection is given up. */
    static final int KEEPALIVE_UNANSWERED = 3;

    /** How long closing waits for a connection's socket to be closed (immediately, not by a round trip). */
    private static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(2);

    private final SshSettings settings;
    private SshClient client;
    private HostKeys hostKeys;
    /** The connections made, closed before the client is. */
    private final List<ClientSession> sessions = new ArrayList<>();

    public SshConnections(SshSettings settings) {
        this.settings = settings;
    }

    private synchronized SshClient client() {
        if (client == null) {
            if (settings.acceptNewHostKeys() && !Files.exists(settings.knownHosts())) {
                try {
                    // a first run on a new machine: there is no known_hosts yet to record the keys in
                    Files.createDirectories(settings.knownHosts().toAbsolutePath().getParent());
                    Files.createFile(settings.knownHosts());
                } catch (IOException e) {
                    throw new HostException("cannot create " + settings.knownHosts() + ": " + e.getMessage(), e);
                }
            }
            hostKeys = new HostKeys(settings.knownHosts(), settings.acceptNewHostKeys());
            client = SshClient.setUpDefaultClient();
            // every operation is a short request and answer: send small packets at once
            org.apache.sshd.core.CoreModuleProperties.TCP_NODELAY.set(client, true);
            // a host that stops answering (powered off, cable pulled, a firewall dropping the flow) sends no FIN: ask
            // it for a reply every quarter of the timeout and give up after three unanswered, as OpenSSH's
            // ServerAliveInterval and ServerAliveCountMax do, so that a stream followed for hours ends in about the
            // timeout instead of when TCP gives up (hours later)
            org.apache.sshd.core.CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, keepAlive(settings.timeout()));
            org.apache.sshd.core.CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, KEEPALIVE_UNANSWERED);
            client.setServerKeyVerifier(hostKeys);
            // ask for the host key OpenSSH asks for first (ed25519), so that a known_hosts written by ssh matches:
            // offered another type, the host's line for ed25519 would read as a changed key
            List<org.apache.sshd.common.NamedFactory<org.apache.sshd.common.signature.Signature>> signatures =
                    new java.util.ArrayList<>(client.getSignatureFactories());
            signatures.sort(java.util.Comparator.comparing(f -> !f.getName().startsWith("ssh-ed25519")));
            client.setSignatureFactories(signatures);
            // and, per host, the types its known_hosts lines hold before all others (a host known by its ecdsa key)
            HostKeys verifier = hostKeys;
            client.addSessionListener(new SessionListener() {
                @Override
                public void sessionCreated(Session session) {
                    if (session instanceof ClientSession clientSession) {
                        verifier.preferKnownKeyTypes(clientSession);
                    }
                }
            });
            settings.agent().ifPresent(socket -> client.setAgentFactory(SshAgentSocket.factory(socket)));
            PostQuantumKex.install(client);
            // OpenSSH announces all its host keys after the login (UpdateHostKeys); MINA would decode each, which
            // for an RSA key costs a primality test of its modulus (0.1 s and more), and Driftless keeps no use
            // for them: known_hosts is the user's to change. Taken and dropped unread (an unhandled request would be
            // logged as a warning on every connection)
            List<org.apache.sshd.common.channel.RequestHandler<org.apache.sshd.common.session.ConnectionService>> handlers =
                    new ArrayList<>();
            handlers.add(new org.apache.sshd.common.session.helpers.AbstractConnectionServiceRequestHandler() {
                @Override
                public org.apache.sshd.common.channel.RequestHandler.Result process(
                        org.apache.sshd.common.session.ConnectionService service, String request, boolean wantReply,
                        org.apache.sshd.common.util.buffer.Buffer buffer) {
                    return org.apache.sshd.client.global.OpenSshHostKeysHandler.REQUEST.equals(request)
                            ? org.apache.sshd.common.channel.RequestHandler.Result.Replied
                            : org.apache.sshd.common.channel.RequestHandler.Result.Unsupported;
                }
            });
            client.getGlobalRequestHandlers().stream()
                    .filter(h -> !(h instanceof org.apache.sshd.client.global.OpenSshHostKeysHandler))
                    .forEach(handlers::add);
            client.setGlobalRequestHandlers(handlers);
            client.start();
        }
        return client;
    }

    /**
     * Starts, in the background, what the next connection's key exchange needs and takes long to make (the
     * post-quantum key pair, {@link PostQuantumKex}), so that it is ready when a host is connected.
     */
    public static void prepare() {
        PostQuantumKex.prepare();
    }

    /** Connects and authenticates; every failure is a HostException naming the host and what to do. */
    public SshHost connect(String name, Address.Ssh address, Optional<String> root, Optional<String> identity,
            Optional<String> become) {
        ClientSession session = null;
        try {
            // ~/.ssh/config may say HostName, Port, User and IdentityFile for this name
            HostConfigEntry entry = client().getHostConfigEntryResolver().resolveEffectiveHost(address.hostname(),
                    address.port(), null, address.user().isEmpty() ? null : address.user(), null, null);
            if (entry == null) {
                entry = new HostConfigEntry("", address.hostname(), address.port() == 0 ? 22 : address.port(),
                        address.user().isEmpty() ? System.getProperty("user.name") : address.user());
            }
            session = client().connect(entry, null, null).verify(settings.timeout()).getSession();
            opened(session);
            for (KeyPair key : keys(identity, session)) {
                session.addPublicKeyIdentity(key);
            }
            session.auth().verify(settings.timeout());
            return new SshHost(name, address, session, root, become.isPresent(), settings.timeout());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            Optional<String> refusal = session == null ? Optional.empty() : hostKeys.refusal(session);
            if (session != null) {
                session.close(true);
            }
            if (e instanceof HostException host) {
                throw host;
            }
            // a refused host key stays refused; a host that does not answer may answer later
            String message = name + ": cannot connect to " + address + ": " + refusal.orElseGet(() -> describe(e));
            throw refusal.isPresent() ? new HostException(message, e) : HostException.transientFailure(message, e);
        }
    }

    private synchronized void opened(ClientSession session) {
        sessions.removeIf(ClientSession::isClosed); // a long-lived instance keeps only the open ones
        sessions.add(session);
    }

    private List<KeyPair> keys(Optional<String> identity, ClientSession session)
            throws IOException, GeneralSecurityException {
        List<Path> files = new ArrayList<>();
        Optional<Path> chosen = identity.map(SshConnections::expandHome).or(settings::identity);
        if (chosen.isPresent()) {
            if (!Files.isReadable(chosen.get())) {
                throw new HostException("the identity file " + chosen.get() + " cannot be read");
            }
            files.add(chosen.get());
        } else {
            Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
            for (String name : List.of("id_ed25519", "id_ecdsa", "id_rsa")) {
                if (Files.isReadable(ssh.resolve(name))) {
                    files.add(ssh.resolve(name));
                }
            }
        }
        List<KeyPair> keys = new ArrayList<>();
        for (KeyPair key : new FileKeyPairProvider(files).loadKeys(session)) {
            keys.add(key);
        }
        return keys;
    }

    /** How often a connection asks the host for a sign of life: a quarter of {@code timeout}, 1 to 15 seconds. */
    static java.time.Duration keepAlive(java.time.Duration timeout) {
        java.time.Duration quarter = timeout.dividedBy(4);
        return quarter.compareTo(java.time.Duration.ofSeconds(1)) < 0 ? java.time.Duration.ofSeconds(1)
                : quarter.compareTo(java.time.Duration.ofSeconds(15)) > 0 ? java.time.Duration.ofSeconds(15) : quarter;
    }

    private static Path expandHome(String path) {
        return path.startsWith("~/") ? Path.of(System.getProperty("user.home"), path.substring(2)) : Path.of(path);
    }

    private static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (message.contains("No more authentication methods")) {
            return "the key was refused (check the user, the identity file and the host's authorized_keys)";
        }
        if (message.contains("Connection refused")) {
            return "connection refused (is sshd running on that port?)";
        }
        if (message.contains("timeout") || message.contains("Timeout")) {
            return "timed out (is the host reachable?)";
        }
        return message;
    }

    /**
     * Closes the connections, then the client. MINA's {@code stop()} closes both at once, and a read still pending on
     * a connection could then complete after the client's executor was shut down: the JDK's thread that hands it over
     * died with "Executor has been shut down" printed on stderr after the command's last line (apache/mina-sshd#409;
     * 2 of about 60 commands of a bench run).
     */
    @Override
    public synchronized void close() {
        if (client != null) {
            List<org.apache.sshd.common.future.CloseFuture> closing = sessions.stream()
                    .map(session -> session.close(true)).toList();
            for (org.apache.sshd.common.future.CloseFuture future : closing) {
                try {
                    future.await(CLOSE_WAIT);
                } catch (IOException e) {
                    // the client's stop below closes what is left
                }
            }
            client.stop();
        }
    }
}
