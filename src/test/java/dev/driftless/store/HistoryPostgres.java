package dev.driftless.store;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the tests: a fresh cluster in a temporary folder (initdb), listening
 * on 127.0.0.1 only at a free port, with password (SCRAM) authentication over TCP. Debian's
 * postgresql package provides the binaries (scripts/test.sh installs it). PostgreSQL refuses to run
 * as root, so under root the cluster belongs to and runs as the user nobody.
 */
public final class HistoryPostgres implements AutoCloseable {

    static final String USER = "driftless";
    static final String PASSWORD = "Hist0ry-Test-Pa55";

    private static final Path INSTALLATIONS = Path.of("/usr/lib/postgresql");

    private final Path folder;
    private final Path bin;
    private final Path data;
    private final boolean asNobody;
    private final int port;
    private final AtomicInteger databases = new AtomicInteger();
    private final Thread stopAtExit;

    private HistoryPostgres(Path folder, Path bin, boolean asNobody, int port) {
        this.folder = folder;
        this.bin = bin;
        this.data = folder.resolve("data");
        this.asNobody = asNobody;
        this.port = port;
        this.stopAtExit = new Thread(() -> stop("immediate"), "stop-test-postgresql");
    }

    /** Starts a new cluster; fails (never skips) when the PostgreSQL binaries are missing. */
    public static HistoryPostgres start() throws IOException, InterruptedException {
        Path bin = binaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path tmp = Files.isDirectory(Path.of("/tmp")) ? Path.of("/tmp") : Path.of(System.getProperty("java.io.tmpdir"));
        Path folder = Files.createTempDirectory(tmp, "driftless-pg-");
        // nobody must reach the cluster's folders inside
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path data = Files.createDirectory(folder.resolve("data"));
        Path sockets = Files.createDirectory(folder.resolve("sockets"));
        Path passwordFile = folder.resolve("password");
        Files.writeString(passwordFile, PASSWORD + "\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-r--r--"));
        if (root) {
            UserPrincipal nobody = folder.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(data, nobody);
            Files.setOwner(sockets, nobody);
        }
        new HistoryPostgres(folder, bin, root, 0).run(60, bin.resolve("initdb").toString(), "-D", data.toString(),
                "-U", USER, "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=" + passwordFile,
                "-E", "UTF8", "--locale=C", "--no-sync");
        Files.delete(passwordFile);
        IOException lastFailure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            HistoryPostgres server = new HistoryPostgres(folder, bin, root, freePort());
            try {
                server.startServer();
                Runtime.getRuntime().addShutdownHook(server.stopAtExit);
                return server;
            } catch (IOException e) {
                // most likely the port was taken between finding it and binding it: try another
                lastFailure = e;
            }
        }
        throw lastFailure;
    }

    private void startServer() throws IOException, InterruptedException {
        run(60, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", data.resolve("server.log").toString(),
                "-w", "-t", "30", "-o", "-c listen_addresses=127.0.0.1 -p " + port + " -k " + folder.resolve("sockets")
                        + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start");
    }

    /** Stops the server at once, as a crash or a cut network would look to its clients; {@link #restart} brings it back. */
    public void halt() {
        stop("immediate");
    }

    /** Starts the server again on the same port, with the same databases. */
    public void restart() throws IOException, InterruptedException {
        startServer();
    }

    private static Path binaries() {
        Path preferred = INSTALLATIONS.resolve("15/bin");
        if (Files.isExecutable(preferred.resolve("initdb"))) {
            return preferred;
        }
        if (Files.isDirectory(INSTALLATIONS)) {
            try (Stream<Path> versions = Files.list(INSTALLATIONS)) {
                Path newest = versions.filter(v -> v.getFileName().toString().matches("\\d+"))
                        .filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                        .max(Comparator.comparing(v -> Integer.parseInt(v.getFileName().toString())))
                        .orElse(null);
                if (newest != null) {
                    return newest.resolve("bin");
                }
            } catch (IOException e) {
                // fall through to the failure below
            }
        }
        throw new AssertionError("the PostgreSQL server binaries (initdb, pg_ctl) are missing under " + INSTALLATIONS
                + "/15/bin: the history store is tested on a real PostgreSQL. Run scripts/test.sh, which installs"
                + " Debian's postgresql package, or: apt-get install postgresql");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** A port on 127.0.0.1 that nothing listens on. */
    static int closedPort() throws IOException {
        return freePort();
    }

    public int port() {
        return port;
    }

    /** The URL of a database, with the test user and password. */
    String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + USER + "&password=" + PASSWORD;
    }

    /** Creates an empty database and returns its URL. */
    public String newDatabase() {
        String name = "history_" + databases.incrementAndGet();
        try (Connection admin = DriverManager.getConnection(url("postgres"));
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the test database " + name + ": " + e.getMessage(), e);
        }
        return url(name);
    }

    private void run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>();
        if (asNobody) {
            line.addAll(List.of("runuser", "-u", "nobody", "--"));
        }
        line.addAll(List.of(command));
        Path output = Files.createTempFile(folder, "command-", ".log");
        Files.setPosixFilePermissions(output, PosixFilePermissions.fromString("rw-rw-rw-"));
        Process process = new ProcessBuilder(line).directory(folder.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", line) + " did not finish in " + timeoutSeconds + " s");
        }
        if (process.exitValue() != 0) {
            String log = Files.readString(output, StandardCharsets.UTF_8);
            Path serverLog = data.resolve("server.log");
            if (Files.isReadable(serverLog)) {
                log += "\n--- server.log\n" + Files.readString(serverLog, StandardCharsets.UTF_8);
            }
            throw new IOException(String.join(" ", line) + " failed with exit code " + process.exitValue() + ":\n" + log);
        }
    }

    private void stop(String mode) {
        try {
            run(30, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", mode, "-w", "stop");
        } catch (IOException | InterruptedException e) {
            // already stopped, or never started
        }
    }

    @Override
    public void close() throws IOException {
        stop("fast");
        try {
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
        } catch (IllegalStateException e) {
            // the JVM is shutting down already
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
