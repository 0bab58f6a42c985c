package dev.driftless.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Asks a container engine's HTTP API on its Unix socket directly (dockerd, or Podman's Docker-compatible
 * service), as Driftless will: one GET, one answer. Tests use it to poll {@code /_ping} and to compare what the
 * API says with what the CLI prints.
 */
public final class EngineApi {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** One answer: its status, its headers (names in lower case) and its body. */
    public record Response(int status, Map<String, String> headers, String body) {

        public Response orThrow() {
            if (status != 200) {
                throw new IllegalStateException("engine API answered " + status + ": " + body);
            }
            return this;
        }
    }

    private final Path socket;

    public EngineApi(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** True when the engine answers {@code GET /_ping} with 200 now; false while it is not listening yet. */
    public boolean pings() {
        try {
            return get("/_ping").status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code GET path} (e.g. {@code /version}, {@code /containers/ID/json}); the engine picks its own API version. */
    public Response get(String path) throws IOException {
        // HTTP/1.0: the engine closes the connection after the answer and sends no chunked body
        byte[] request = ("GET " + path + " HTTP/1.0\r\nHost: engine\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                Selector selector = Selector.open()) {
            channel.write(ByteBuffer.wrap(request));
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            ByteBuffer buffer = ByteBuffer.allocate(16384);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("no complete answer to GET " + path + " on " + socket + " within " + TIMEOUT.toSeconds() + " s");
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                int read = channel.read(buffer);
                if (read < 0) {
                    break;
                }
                answer.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
        }
        return parse(path, answer.toString(StandardCharsets.UTF_8));
    }

    private Response parse(String path, String raw) throws IOException {
        int end = raw.indexOf("\r\n\r\n");
        if (!raw.startsWith("HTTP/") || end < 0) {
            throw new IOException("not an HTTP answer to GET " + path + " on " + socket + ": " + raw);
        }
        String[] lines = raw.substring(0, end).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
            }
        }
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        return new Response(status, headers, raw.substring(end + 4));
    }
}
