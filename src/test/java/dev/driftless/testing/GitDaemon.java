package dev.driftless.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real {@code git daemon} on 127.0.0.1 serving every bare repository in one folder over git://. */
public final class GitDaemon implements AutoCloseable {

    private final Process process;
    private final int port;

    private GitDaemon(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the daemon on a free port and returns once it says it is ready. */
    public static GitDaemon serve(Path base) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process process = new ProcessBuilder("git", "daemon", "--verbose", "--reuseaddr", "--export-all",
                "--listen=127.0.0.1", "--port=" + port, "--base-path=" + base, base.toString())
                .redirectErrorStream(true).start();
        GitDaemon daemon = new GitDaemon(process, port);
        BufferedReader log = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        do {
            line = log.readLine();
        } while (line != null && !line.contains("Ready to rumble"));
        if (line == null) {
            daemon.close();
            throw new IllegalStateException("git daemon ended before it was ready");
        }
        // the daemon logs each connection; drain it so a full pipe never blocks it
        Thread drain = new Thread(() -> {
            try {
                while (log.readLine() != null) {
                    // discarded
                }
            } catch (IOException e) {
                // the daemon ended
            }
        }, "git-daemon-log");
        drain.setDaemon(true);
        drain.start();
        return daemon;
    }

    /** The git:// URL of a repository under the base folder, e.g. {@code infra.git}. */
    public String url(String name) {
        return "git://127.0.0.1:" + port + "/" + name;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
