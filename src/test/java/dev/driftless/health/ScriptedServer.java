package dev.driftless.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import javax.net.ssl.SSLContext;

/**
 * An HTTP server on 127.0.0.1 whose n-th answer (from 0) a script gives, for health checks to sample. It
 * records the Host header of each request.
 */
final class ScriptedServer implements AutoCloseable {

    /** One answer: a status and a body, sent with a length or, when {@code chunked}, in chunks. */
    record Reply(int status, String body, boolean chunked) {

        static Reply status(int status) {
            return new Reply(status, "", false);
        }

        static Reply body(String body) {
            return new Reply(200, body, false);
        }

        static Reply chunked(String body) {
            return new Reply(200, body, true);
        }
    }

    /** Answers to a request, being given its number; may block (as a slow service would). */
    interface Script {
        Reply reply(int request) throws InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> hostHeaders = new CopyOnWriteArrayList<>();

    private ScriptedServer(HttpServer server, Script script) {
        this.server = server;
        server.createContext("/", exchange -> answer(exchange, script));
        server.setExecutor(threads); // several requests at once, as concurrent checks send them
        server.start();
    }

    static ScriptedServer start(Script script) throws IOException {
        return new ScriptedServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0),
                script);
    }

    /** The same answers in the order of a list, the last one repeated. */
    static ScriptedServer inOrder(int... statuses) throws IOException {
        return start(n -> Reply.status(statuses[Math.min(n, statuses.length - 1)]));
    }

    /** Serves https on {@code address} (a loopback address: 127.0.0.2 is one too). */
    static ScriptedServer https(SSLContext tls, String address, IntFunction<Reply> script) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new ScriptedServer(server, script::apply);
    }

    private void answer(HttpExchange exchange, Script script) throws IOException {
        try (exchange) {
            hostHeaders.add(exchange.getRequestHeaders().getFirst("Host"));
            Reply reply = script.reply(requests.getAndIncrement());
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            if (reply.status() == 301 || reply.status() == 302) {
                exchange.getResponseHeaders().add("Location", "/elsewhere");
            }
            exchange.sendResponseHeaders(reply.status(), reply.chunked() ? 0 : body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url(String path) {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return scheme + "://" + server.getAddress().getAddress().getHostAddress() + ":" + port() + path;
    }

    int requests() {
        return requests.get();
    }

    List<String> hostHeaders() {
        return List.copyOf(hostHeaders);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
