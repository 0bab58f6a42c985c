package dev.driftless.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.shell.ProcessShellFactory;
import org.eclipse.jgit.api.Git;

/**
 * The run {@code bin/driftless} records its class-data archive on (with {@code -XX:ArchiveClassesAtExit}): the
 * commands a user runs most, each once, in one JVM, so that the archive holds the classes they load. On the
 * bundled example: an apply and a drift check on this machine, under a sandbox folder; then the same example
 * over SSH, to a server of MINA's on 127.0.0.1 inside this JVM (its commands run by {@code /bin/sh} as the
 * current user, under the sandbox too): a first apply, a no-op apply and a check; last the agent, started on the
 * example, its pages asked for, and stopped (see {@link #agent}). Without the SSH part, a
 * command that reaches hosts over SSH would read MINA's and BouncyCastle's classes from the jar every time
 * (about 0.3 s of a no-op, bench/README.md).
 *
 * <pre>java -XX:ArchiveClassesAtExit=ARCHIVE -cp driftless.jar dev.driftless.cli.Training EXAMPLE AGE_KEY</pre>
 *
 * Exits 0 when every command ran as expected, 1 (saying which did not) otherwise; the archive is written
 * either way, and is only as complete as the commands that ran.
 */
public final class Training {

    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    private Training() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Training EXAMPLE_REPOSITORY AGE_KEY_FILE");
            System.exit(1);
        }
        Main.setUpJvm();
        List<String> failures = train(Path.of(args[0]).toAbsolutePath(), Path.of(args[1]).toAbsolutePath());
        if (!failures.isEmpty()) {
            System.err.println("driftless training: " + String.join("; ", failures));
            System.exit(1);
        }
    }

    /** Runs the commands in a sandbox folder it removes again; returns what did not run as expected. */
    static List<String> train(Path example, Path ageKey) throws Exception {
        Path work = Files.createTempDirectory("driftless-training");
        List<String> failures = new ArrayList<>();
        try {
            train(example, ageKey, work, failures);
        } finally {
            delete(work);
        }
        return failures;
    }

    private static void train(Path example, Path ageKey, Path work, List<String> failures) throws Exception {
        Path local = work.resolve("local");
        run(failures, 0, "apply", "--repo", example.toString(), "--root", local.toString(), "--age-key", ageKey.toString());
        Path motd = local.resolve("web-1/etc/motd");
        if (Files.exists(motd)) {
            Files.writeString(motd, "# hand edit\n", java.nio.file.StandardOpenOption.APPEND);
        }
        run(failures, 2, "check", "--repo", example.toString(), "--root", local.toString(), "--age-key",
                ageKey.toString(), "--output", "json");

        KeyPair hostKey = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        KeyPair userKey = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        SshServer server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, userKey.getPublic()));
        server.setCommandFactory((channel, command) ->
                new ProcessShellFactory(command, "/bin/sh", "-c", command).createShell(channel));
        server.start();
        try {
            Path identity = work.resolve("id_ed25519");
            try (OutputStream out = Files.newOutputStream(Files.createFile(identity,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))))) {
                OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(userKey, "driftless-training", null, out);
            }
            Path knownHosts = Files.writeString(work.resolve("known_hosts"), "[127.0.0.1]:" + server.getPort() + " "
                    + PublicKeyEntry.toString(hostKey.getPublic()) + "\n");
            Path repo = overSsh(example, work.resolve("repo"),
                    "ssh://" + System.getProperty("user.name") + "@127.0.0.1:" + server.getPort());
            String[] apply = {"apply", "--repo", repo.toString(), "--root", work.resolve("remote").toString(),
                "--age-key", ageKey.toString(), "--known-hosts", knownHosts.toString(), "--identity",
                identity.toString()};
            run(failures, 0, apply);
            run(failures, 0, apply);
            run(failures, 0, "check", "--repo", repo.toString(), "--root", work.resolve("remote").toString(),
                    "--age-key", ageKey.toString(), "--known-hosts", knownHosts.toString(), "--identity",
                    identity.toString());
        } finally {
            server.stop(true);
        }
        agent(example, ageKey, work, failures);
    }

    /**
     * The agent as the package's unit runs it, on the example applied under the sandbox: its history database
     * created (Flyway, SQLite, Hikari), its first apply, its HTTP server answering /healthz, the dashboard's
     * sign-in page and /metrics' refusal; then stopped as SIGTERM stops it. Without this part an agent's start
     * (after an install, an upgrade, a bootstrap) read its web server's and database's classes from the jar.
     */
    private static void agent(Path example, Path ageKey, Path work, List<String> failures) throws Exception {
        Path repo = overSsh(example, work.resolve("agent-repo"), "local");
        StringWriter said = new StringWriter();
        PrintWriter err = new PrintWriter(said, true);
        Thread agent = new Thread(() -> Main.run(new String[] {"agent", "--repo", repo.toString(), "--root",
            work.resolve("agent-root").toString(), "--state-dir", work.resolve("agent-state").toString(), "--listen",
            "127.0.0.1:0", "--age-key", ageKey.toString()}, new PrintWriter(new StringWriter()), err), "training-agent");
        agent.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String port = null;
            while (port == null && agent.isAlive() && System.nanoTime() < deadline) {
                Matcher listening = LISTENING.matcher(said.toString());
                if (listening.find()) {
                    port = listening.group(1);
                } else {
                    Thread.sleep(50);
                }
            }
            if (port == null) {
                failures.add("agent did not start listening: " + said.toString().strip());
                return;
            }
            HttpClient http = HttpClient.newHttpClient();
            int healthz = 0;
            while (healthz != 200 && System.nanoTime() < deadline) {
                healthz = get(http, port, "/healthz");
                if (healthz != 200) {
                    Thread.sleep(100);
                }
            }
            if (healthz != 200) {
                failures.add("agent's /healthz answered " + healthz);
            }
            for (String page : List.of("/", "/login", "/metrics", "/api/status")) {
                get(http, port, page);
            }
        } finally {
            AgentCommand.stopRunning();
            agent.join(TimeUnit.MINUTES.toMillis(1));
        }
    }

    private static int get(HttpClient http, String port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** A copy of the example as a repository of its own, its hosts reached at {@code address}. */
    private static Path overSsh(Path example, Path repo, String address) throws Exception {
        try (Stream<Path> files = Files.walk(example)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path copy = repo.resolve(example.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(file, copy);
                }
            }
        }
        Path inventory = repo.resolve("driftless.yaml");
        Files.writeString(inventory, Files.readString(inventory).replace("address: local", "address: " + address));
        try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("training").setAuthor("driftless", "driftless@localhost")
                    .setCommitter("driftless", "driftless@localhost").setSign(false).call();
        }
        return repo;
    }

    private static void run(List<String> failures, int expected, String... args) {
        StringWriter out = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(out));
        if (code != expected) {
            String said = out.toString().strip();
            failures.add(args[0] + " exited " + code + " (expected " + expected + "): "
                    + said.substring(Math.max(0, said.length() - 400)));
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> {
                try {
                    Files.delete(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("driftless training: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
