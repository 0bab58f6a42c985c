package dev.driftless.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Who may read and control the agent over HTTP: every /api/* call needs a token; health checks stay open. */
class ApiAccessTest {

    private static final String TOKEN = "control-token-0123456789";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final WebTestAgent agent = WebTestAgent.inSync();
    private AgentServer server;

    @BeforeEach
    void start() {
        server = AgentServer.start("127.0.0.1:0", agent, new AgentMetrics(), (query, rows) -> { }, Optional.empty(),
                Optional.of(TOKEN));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void statusAndHistoryWithoutATokenAre401() throws Exception {
        for (String path : new String[] {"/api/status", "/api/history"}) {
            HttpResponse<String> response = get(server, path, Optional.empty());
            assertThat(response.statusCode()).as(path).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).as(path).hasValueSatisfying(value ->
                    assertThat(value).startsWith("Bearer"));
            assertThat(response.body()).as(path).doesNotContain("web-1");
            assertThat(get(server, path, Optional.of("wrong")).statusCode()).as(path).isEqualTo(401);
        }
    }

    @Test
    void theSingleApiTokenStillReadsAndControls() throws Exception {
        assertThat(get(server, "/api/status", Optional.of(TOKEN)).statusCode()).isEqualTo(200);
        assertThat(get(server, "/api/history", Optional.of(TOKEN)).statusCode()).isEqualTo(200);
        assertThat(post(server, "/api/suspend?host=web-1", Optional.of(TOKEN)).statusCode()).isEqualTo(200);
        assertThat(agent.status().hosts().get(0).suspendedBy()).contains("default");
    }

    @Test
    void healthAndReadinessStayOpen() throws Exception {
        assertThat(get(server, "/healthz", Optional.empty()).statusCode()).isEqualTo(200);
        assertThat(get(server, "/readyz", Optional.empty()).statusCode()).isEqualTo(200);
        assertThat(get(server, "/metrics", Optional.empty()).statusCode()).isEqualTo(200);
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private HttpResponse<String> get(AgentServer on, String path, Optional<String> token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on.port() + path));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(AgentServer on, String path, Optional<String> token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString("{}"));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
