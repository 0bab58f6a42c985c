package dev.driftless.web;

import dev.driftless.agent.AgentMetrics;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's HTTP side stays available to health checks and forges while slow or greedy clients hold it. */
class SlowClientsTest {

    private static final byte[] SECRET = "hook-secret-42".getBytes(StandardCharsets.UTF_8);
    private static final String PUSH = "{\"ref\":\"refs/heads/main\",\"after\":\"" + WebTestAgent.COMMIT + "\"}";
    private static final Duration PATIENCE = Duration.ofSeconds(5);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(PATIENCE).build();
    private final WebTestAgent agent = WebTestAgent.inSync();
    private final List<SlowClient> slow = new ArrayList<>();
    private AgentServer server;

    private void start(HttpLimits limits) {
        server = AgentServer.start("127.0.0.1:0", agent, new AgentMetrics(), null, Optional.of(SECRET),
                Optional.empty(), limits);
    }

    @AfterEach
    void stop() throws Exception {
        for (SlowClient client : slow) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void healthAndSignedWebhooksAnswerWhileSixtySlowHeadersAndSixtySlowBodiesAreOpen() throws Exception {
        start(HttpLimits.DEFAULTS);
        for (int i = 0; i < 60; i++) {
            slow.add(SlowClient.slowHeaders(server.port()));
        }
        int bodiesBeingRead = 0;
        for (int i = 0; i < 60; i++) {
            SlowClient body = SlowClient.slowBody(server.port(), "/hooks/generic", 100_000);
            slow.add(body);
            // "100 Continue" says the server has begun reading this body; once one does not come, the server reads
            // no more bodies at once, so waiting for the others would only take time
            if (bodiesBeingRead == i && body.awaitContinue(Duration.ofSeconds(2))) {
                body.send("{\"pad\":\"");
                bodiesBeingRead++;
            }
        }

        HttpResponse<String> health = send(HttpRequest.newBuilder(uri("/healthz")));
        HttpResponse<String> hook = send(HttpRequest.newBuilder(uri("/hooks/generic"))
                .header("X-Signature", "sha256=" + hmac(PUSH))
                .POST(HttpRequest.BodyPublishers.ofString(PUSH)));

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(hook.statusCode()).isEqualTo(202);
        assertThat(agent.triggers).containsExactly("webhook:generic");
        assertThat(bodiesBeingRead).as("slow bodies read at once").isEqualTo(60);
    }

    @Test
    void aBodyThatDoesNotArriveInTimeIs408AndItsConnectionIsClosed() throws Exception {
        start(HttpLimits.DEFAULTS.withBodyDeadline(Duration.ofSeconds(1)));
        SlowClient body = SlowClient.slowBody(server.port(), "/hooks/generic", 100_000);
        slow.add(body);
        assertThat(body.awaitContinue(PATIENCE)).isTrue();
        body.send("{\"pad\":\"");

        assertThat(body.statusLine(PATIENCE)).isEqualTo("HTTP/1.1 408 Request Timeout");
        assertThat(body.rest(PATIENCE)).contains("Connection: close", "did not arrive within 1 s");
        assertThat(agent.reconcileRequests()).isZero();
    }

    @Test
    void aBodyThatWouldTakeTheBodiesInFlightOverTheirMemoryIs503AndTheOthersGoOn() throws Exception {
        start(new HttpLimits(48 * 1024, Duration.ofSeconds(30), 64 * 1024, Duration.ofSeconds(60), 4));
        String push = "{\"pad\":\"" + "x".repeat(44 * 1024) + "\"}";
        SlowClient first = SlowClient.slowBody(server.port(), "/hooks/generic", push.length(), hmac(push));
        SlowClient second = SlowClient.slowBody(server.port(), "/hooks/generic", push.length(), hmac(push));
        slow.addAll(List.of(first, second));
        assertThat(first.awaitContinue(PATIENCE)).isTrue();
        assertThat(second.awaitContinue(PATIENCE)).isTrue();
        // together more than the 64 KiB that bodies on their way in may hold, each within the 48 KiB limit
        first.send(push.substring(0, 40 * 1024));
        second.send(push.substring(0, 30 * 1024));

        ExecutorService readers = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture<String> firstAnswer = answer(first, readers);
            CompletableFuture<String> secondAnswer = answer(second, readers);
            CompletableFuture.anyOf(firstAnswer, secondAnswer).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            boolean firstRefused = firstAnswer.isDone();
            SlowClient other = firstRefused ? second : first;

            assertThat((firstRefused ? firstAnswer : secondAnswer).get()).isEqualTo("HTTP/1.1 503 Service Unavailable");
            other.send(push.substring(firstRefused ? 30 * 1024 : 40 * 1024));
            assertThat((firstRefused ? secondAnswer : firstAnswer).get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                    .isEqualTo("HTTP/1.1 202 Accepted");
            HttpResponse<String> small = send(HttpRequest.newBuilder(uri("/hooks/generic"))
                    .header("X-Signature", "sha256=" + hmac(PUSH))
                    .POST(HttpRequest.BodyPublishers.ofString(PUSH)));
            assertThat(small.statusCode()).isEqualTo(202);
            assertThat(agent.triggers).containsExactly("webhook:generic", "webhook:generic");
        } finally {
            readers.shutdownNow();
        }
    }

    private static CompletableFuture<String> answer(SlowClient client, ExecutorService readers) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return client.statusLine(PATIENCE);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, readers);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(PATIENCE).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String hmac(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }
}
