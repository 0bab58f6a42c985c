package dev.driftless.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * A real image registry on 127.0.0.1 (Debian's docker-registry 2.8, the CNCF distribution) with its storage in
 * a test's folder, so that pushes, pulls, digests and a moving tag are real. Docker trusts 127.0.0.0/8 over
 * plain HTTP without any daemon flag; Podman is told so by {@link PodmanService}. Started with a {@link Login}, it
 * serves only those who give it (its htpasswd authentication, the hash made here with BouncyCastle's bcrypt).
 */
public final class Registry implements AutoCloseable {

    /** The one user a registry started with it knows. */
    public record Login(String username, String password) {

        /** {@code Basic base64(user:password)}. */
        String header() {
            return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    private static final String PROGRAM = "/usr/bin/docker-registry";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final String MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";

    private final Daemon daemon;
    private final int port;
    private final HttpClient http;
    private final Optional<Login> login;

    private Registry(Daemon daemon, int port, HttpClient http, Optional<Login> login) {
        this.daemon = daemon;
        this.port = port;
        this.http = http;
        this.login = login;
    }

    /** Starts the registry on a free port, its config and blobs under {@code dir}, once it answers {@code /v2/}. */
    public static Registry start(Path dir) throws IOException, InterruptedException {
        return start(dir, Optional.empty());
    }

    /** Starts a registry as {@link #start(Path)} does that serves only those who log in as {@code login}. */
    public static Registry start(Path dir, Login login) throws IOException, InterruptedException {
        return start(dir, Optional.of(login));
    }

    private static Registry start(Path dir, Optional<Login> login) throws IOException, InterruptedException {
        Daemon.requireProgram(PROGRAM, "docker-registry");
        Files.createDirectories(dir);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path config = Files.writeString(dir.resolve("config.yml"), String.join("\n",
                "version: 0.1",
                "log:",
                "  level: warn",
                "  accesslog:",
                "    disabled: true",
                "storage:",
                "  filesystem:",
                "    rootdirectory: " + dir.resolve("data"),
                "  delete:",
                "    enabled: true",
                "http:",
                "  addr: 127.0.0.1:" + port,
                login.isEmpty() ? "" : String.join("\n",
                        "auth:",
                        "  htpasswd:",
                        "    realm: driftless-test",
                        "    path: " + htpasswd(dir, login.get()),
                        "")));
        Daemon daemon = Daemon.start("docker-registry", List.of(PROGRAM, "serve", config.toString()), Map.of(),
                dir.resolve("registry.log"), STOP_GRACE);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Registry registry = new Registry(daemon, port, http, login);
        daemon.awaitReadyOrSkip(START_TIMEOUT, registry::answers);
        return registry;
    }

    /** The registry's htpasswd file: one line, {@code user:bcrypt(password)}. */
    private static Path htpasswd(Path dir, Login login) throws IOException {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        // cost 4, the least bcrypt takes: the registry checks it at every request of a test
        String hash = OpenBSDBCrypt.generate("2y", login.password().toCharArray(), salt, 4);
        return Files.writeString(dir.resolve("htpasswd"), login.username() + ":" + hash + "\n");
    }

    /** The one login this registry takes, if it takes only one. */
    public Optional<Login> login() {
        return login;
    }

    private boolean answers() {
        try {
            return send(HttpRequest.newBuilder(uri("/v2/")).GET()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code 127.0.0.1:PORT}, the first part of the image references it serves. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /**
     * The digest the registry gives {@code repository:tag} now (its schema 2 manifest's, as {@code docker pull}
     * prints it), or null when it holds no such tag.
     */
    public String manifestDigest(String repository, String tag) throws IOException {
        HttpResponse<Void> head = send(HttpRequest.newBuilder(uri("/v2/" + repository + "/manifests/" + tag))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Accept", MANIFEST_V2));
        if (head.statusCode() == 404) {
            return null;
        }
        if (head.statusCode() != 200) {
            throw new IOException("registry answered " + head.statusCode() + " for " + repository + ":" + tag);
        }
        return head.headers().firstValue("Docker-Content-Digest").orElseThrow(
                () -> new IOException("registry sent no Docker-Content-Digest for " + repository + ":" + tag));
    }

    private URI uri(String path) {
        return URI.create("http://" + address() + path);
    }

    private HttpResponse<Void> send(HttpRequest.Builder request) throws IOException {
        login.ifPresent(l -> request.header("Authorization", l.header()));
        try {
            return http.send(request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        daemon.stop();
    }
}
