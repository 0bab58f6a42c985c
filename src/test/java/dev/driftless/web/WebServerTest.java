package dev.driftless.web;

import dev.driftless.agent.AgentMetrics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.agent.AgentStatus;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.Reconcile;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent's HTTP side over real HTTP on loopback: webhooks, API, health and metrics. */
class WebServerTest {

    private static final byte[] SECRET = "hook-secret-42".getBytes(StandardCharsets.UTF_8);
    private static final String TOKEN = "api-token-0123456789";
    private static final String PUSH = "{\"ref\":\"refs/heads/main\",\"after\":\"" + WebTestAgent.COMMIT + "\"}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final WebTestAgent agent = WebTestAgent.inSync();
    private final AgentMetrics metrics = new AgentMetrics();
    private final List<HistoryQuery> historyQueries = new CopyOnWriteArrayList<>();
    private AgentServer server;

    @BeforeEach
    void start() {
        HistorySource history = (query, rows) -> {
            historyQueries.add(query);
            rows.reconcile(new Reconcile(7, Reconcile.Kind.APPLY, "webhook:github", WebTestAgent.COMMIT, null, null,
                    Instant.parse("2025-05-01T10:15:00Z"), Instant.parse("2025-05-01T10:15:01.5Z"),
                    Reconcile.Result.SUCCEEDED, null, List.of()));
        };
        server = AgentServer.start("127.0.0.1:0", agent, metrics, history, Optional.of(SECRET), Optional.of(TOKEN));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    // ---- webhooks ---------------------------------------------------------------------------------------

    @Test
    void aSignedGithubPushTriggersOneReconcile() throws Exception {
        HttpResponse<String> response = post("/hooks/github", PUSH,
                "X-Hub-Signature-256", "sha256=" + hmac(PUSH), "X-GitHub-Event", "push");

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(agent.triggers).containsExactly("webhook:github");
    }

    @Test
    void aGithubPingAnswersButTriggersNothing() throws Exception {
        String ping = "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}";
        HttpResponse<String> response = post("/hooks/github", ping,
                "X-Hub-Signature-256", "sha256=" + hmac(ping), "X-GitHub-Event", "ping");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("pong");
        assertThat(agent.reconcileRequests()).isZero();
    }

    @Test
    void githubsFormEncodedDeliveriesAreUnderstood() throws Exception {
        String form = "payload=" + java.net.URLEncoder.encode(PUSH, StandardCharsets.UTF_8);
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/hooks/github"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Hub-Signature-256", "sha256=" + hmac(form))
                .POST(HttpRequest.BodyPublishers.ofString(form)));

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(agent.reconcileRequests()).isEqualTo(1);
    }

    @Test
    void giteaAndForgejoSignWithTheBareHexDigest() throws Exception {
        assertThat(post("/hooks/gitea", PUSH, "X-Gitea-Signature", hmac(PUSH)).statusCode()).isEqualTo(202);
        assertThat(post("/hooks/gitea", PUSH, "X-Forgejo-Signature", hmac(PUSH)).statusCode()).isEqualTo(202);
        assertThat(post("/hooks/gitea", PUSH, "X-Gitea-Signature", "sha256=" + hmac(PUSH)).statusCode()).isEqualTo(401);

        assertThat(agent.triggers).containsExactly("webhook:gitea", "webhook:gitea");
    }

    @Test
    void gitlabSendsTheSecretAsItsToken() throws Exception {
        assertThat(post("/hooks/gitlab", PUSH, "X-Gitlab-Token", "hook-secret-42").statusCode()).isEqualTo(202);
        assertThat(post("/hooks/gitlab", PUSH, "X-Gitlab-Token", "hook-secret-43").statusCode()).isEqualTo(401);

        assertThat(agent.triggers).containsExactly("webhook:gitlab");
    }

    @Test
    void theGenericHookTakesAPrefixedSignatureAndAnEmptyBody() throws Exception {
        assertThat(post("/hooks/generic", PUSH, "X-Signature", "sha256=" + hmac(PUSH)).statusCode()).isEqualTo(202);
        assertThat(post("/hooks/generic", "", "X-Signature", "sha256=" + hmac("")).statusCode()).isEqualTo(202);

        assertThat(agent.triggers).containsExactly("webhook:generic", "webhook:generic");
    }

    @Test
    void aWrongOrMissingSignatureIs401AndTriggersNothing() throws Exception {
        String wrong = hmac(PUSH + " ");
        List<HttpResponse<String>> responses = List.of(
                post("/hooks/github", PUSH, "X-Hub-Signature-256", "sha256=" + wrong),
                post("/hooks/github", PUSH),
                post("/hooks/gitea", PUSH, "X-Gitea-Signature", wrong),
                post("/hooks/gitea", PUSH),
                post("/hooks/gitlab", PUSH),
                post("/hooks/generic", PUSH, "X-Signature", "sha256=" + wrong),
                post("/hooks/generic", PUSH, "X-Signature", hmac(PUSH)),
                post("/hooks/generic", PUSH));

        assertThat(responses).allSatisfy(response -> {
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.body()).contains("signature");
        });
        assertThat(agent.reconcileRequests()).isZero();
    }

    @Test
    void malformedJsonWithAValidSignatureIs400AndTriggersNothing() throws Exception {
        for (String body : List.of("{\"ref\": ", "not json", "{\"a\":1} trailing", "42")) {
            assertThat(post("/hooks/github", body, "X-Hub-Signature-256", "sha256=" + hmac(body)).statusCode())
                    .as(body).isEqualTo(400);
            assertThat(post("/hooks/gitea", body, "X-Gitea-Signature", hmac(body)).statusCode()).as(body).isEqualTo(400);
        }
        assertThat(post("/hooks/gitlab", "{", "X-Gitlab-Token", "hook-secret-42").statusCode()).isEqualTo(400);

        assertThat(agent.reconcileRequests()).isZero();
    }

    @Test
    void aBodyOverOneMebibyteIs413AndTriggersNothingEvenWhenSigned() throws Exception {
        byte[] big = jsonOfSize(AgentServer.MAX_BODY_BYTES + 1);

        HttpResponse<String> declared = send(HttpRequest.newBuilder(uri("/hooks/github"))
                .header("X-Hub-Signature-256", "sha256=" + hmac(big))
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)));
        // no Content-Length (chunked): the limit holds on what is actually read
        HttpResponse<String> chunked = send(HttpRequest.newBuilder(uri("/hooks/generic"))
                .header("X-Signature", "sha256=" + hmac(big))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));

        assertThat(declared.statusCode()).isEqualTo(413);
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(agent.reconcileRequests()).isZero();
    }

    @Test
    void aBodyOfExactlyOneMebibyteIsAccepted() throws Exception {
        byte[] body = jsonOfSize(AgentServer.MAX_BODY_BYTES);

        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/hooks/generic"))
                .header("X-Signature", "sha256=" + hmac(body))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(agent.reconcileRequests()).isEqualTo(1);
    }

    @Test
    void withoutASecretWebhooksAre503AndNeverAcceptedUnsigned() throws Exception {
        try (AgentServer open = AgentServer.start("127.0.0.1:0", agent, metrics, null, Optional.empty(),
                Optional.of(TOKEN))) {
            for (String provider : List.of("github", "gitea", "gitlab", "generic")) {
                HttpResponse<String> response = send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + open.port() + "/hooks/" + provider))
                        .POST(HttpRequest.BodyPublishers.ofString(PUSH)));
                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.body()).contains("no webhook secret");
            }
        }
        assertThat(agent.reconcileRequests()).isZero();
    }

    @Test
    void aBurstOfHooksAsksForAReconcileEachTheLoopCoalescesThem() throws Exception {
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> burst = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            burst.add(http.sendAsync(HttpRequest.newBuilder(uri("/hooks/generic"))
                    .header("X-Signature", "sha256=" + hmac(PUSH))
                    .POST(HttpRequest.BodyPublishers.ofString(PUSH)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (var response : burst) {
            assertThat(response.get().statusCode()).isEqualTo(202);
        }
        assertThat(agent.reconcileRequests()).isEqualTo(10);
    }

    // ---- health and metrics ---------------------------------------------------------------------------

    @Test
    void healthzIs503WithTheReasonWhileTheAgentIsUnhealthy() throws Exception {
        agent.setUnhealthy(Optional.of("the reconcile of 3f2a9c1d0e4b has run for 31 min, past its budget of 30 min"));

        HttpResponse<String> sick = get("/healthz");
        agent.setUnhealthy(Optional.empty());
        HttpResponse<String> well = get("/healthz");

        assertThat(sick.statusCode()).isEqualTo(503);
        assertThat(sick.body()).isEqualTo("unhealthy: the reconcile of 3f2a9c1d0e4b has run for 31 min, past its"
                + " budget of 30 min\n");
        assertThat(well.statusCode()).isEqualTo(200);
        assertThat(well.body()).isEqualTo("ok\n");
    }

    @Test
    void healthzIsOkWhileTheAgentIsHealthyAndReadyzFollowsTheAgent() throws Exception {
        agent.setReady(false);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        assertThat(get("/healthz").body()).isEqualTo("ok\n");
        assertThat(get("/readyz").statusCode()).isEqualTo(503);

        agent.setReady(true);
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void metricsAreServedInThePrometheusFormat() throws Exception {
        metrics.reconcileFinished(Duration.ofMillis(800), "success");
        metrics.driftedResources("web-1", "notes", 2);
        metrics.applied(Instant.parse("2025-05-01T10:15:30Z"));
        metrics.fetchFailed();

        HttpResponse<String> response = get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("text/plain").contains("version=0.0.4"));
        assertThat(response.body()).contains(
                "driftless_reconcile_duration_seconds_bucket{le=\"1.0\"} 1",
                "driftless_reconcile_total{result=\"success\"} 1.0",
                "driftless_drifted_resources{host=\"web-1\",service=\"notes\"} 2.0",
                "driftless_last_applied_timestamp_seconds 1.74609453E9",
                "driftless_source_fetch_errors_total 1.0",
                "driftless_suspended 0.0");
    }

    @Test
    void aSuspendShowsInTheMetricsAtOnce() throws Exception {
        assertThat(post("/api/suspend?host=web-1", "", "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(200);

        assertThat(get("/metrics").body()).contains("driftless_suspended 1.0",
                "driftless_host_suspended{host=\"web-1\"} 1.0", "driftless_host_suspended{host=\"db-1\"} 0.0");

        assertThat(post("/api/resume", "{}", "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(get("/metrics").body()).contains("driftless_suspended 0.0");
    }

    // ---- API --------------------------------------------------------------------------------------------

    @Test
    void statusIsTheAgentStatusAsJsonWithIsoTimesAndNulls() throws Exception {
        HttpResponse<String> response = get("/api/status");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/json"));
        JsonNode status = JSON.readTree(response.body());
        assertThat(status.get("repo").asText()).isEqualTo("https://git.example.org/infra.git");
        assertThat(status.get("appliedCommit").asText()).isEqualTo(WebTestAgent.COMMIT);
        assertThat(status.get("appliedAt").asText()).isEqualTo("2025-05-01T10:15:30Z");
        assertThat(status.get("failedCommit").isNull()).isTrue();
        assertThat(status.get("sourceError").isNull()).isTrue();
        assertThat(status.get("suspended").asBoolean()).isFalse();
        assertThat(status.at("/hosts/0/host").asText()).isEqualTo("web-1");
        assertThat(status.at("/hosts/0/services/1").toString())
                .isEqualTo("{\"service\":\"notes\",\"sync\":\"in-sync\",\"health\":\"unknown\",\"driftedResources\":0}");
    }

    @Test
    void historyPassesItsFiltersAndLimit() throws Exception {
        HttpResponse<String> response = get("/api/history?host=web-1&service=nginx&limit=5");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).toString()).isEqualTo("{\"formatVersion\":1,\"reconciles\":[{\"id\":7,"
                + "\"agent\":null,\"kind\":\"apply\",\"trigger\":\"webhook:github\",\"commit\":\"" + WebTestAgent.COMMIT
                + "\",\"author\":null,\"message\":null,\"signer\":null,\"startedAt\":\"2025-05-01T10:15:00Z\","
                + "\"finishedAt\":\"2025-05-01T10:15:01.500Z\",\"durationSeconds\":1.5,\"result\":\"succeeded\","
                + "\"error\":null,\"seen\":1,\"lastSeenAt\":\"2025-05-01T10:15:00Z\",\"services\":[]}],\"next\":null}");
        assertThat(get("/api/history").statusCode()).isEqualTo(200);
        assertThat(get("/api/history?diffs=true&limit=1000").statusCode()).isEqualTo(200);
        assertThat(get("/api/history?agent=agent-b&cursor=41&limit=3").statusCode()).isEqualTo(200);
        assertThat(historyQueries).containsExactly(
                new HistoryQuery(Optional.of("web-1"), Optional.of("nginx"), 5).withoutDiffs(),
                HistoryQuery.latest(50).withoutDiffs(),
                HistoryQuery.latest(1000),
                HistoryQuery.latest(3).withoutDiffs().ofAgent("agent-b").before(41));
        for (String query : List.of("limit=0", "limit=1001", "limit=ten", "diffs=yes", "cursor=x", "cursor=-3")) {
            assertThat(get("/api/history?" + query).statusCode()).as(query).isEqualTo(400);
        }
    }

    @Test
    void suspendAndResumeNeedTheBearerToken() throws Exception {
        List<HttpResponse<String>> refused = List.of(
                post("/api/suspend", "{}"),
                post("/api/suspend", "{}", "Authorization", "Bearer wrong-token"),
                post("/api/suspend", "{}", "Authorization", TOKEN),
                post("/api/suspend", "{}", "Authorization", "Basic " + TOKEN),
                post("/api/resume", "{}", "Authorization", "Bearer "));

        assertThat(refused).allSatisfy(response -> {
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(value ->
                    assertThat(value).startsWith("Bearer"));
        });
        assertThat(agent.status().suspended()).isFalse();
        assertThat(agent.status().hosts()).noneMatch(AgentStatus.HostStatus::suspended);
    }

    @Test
    void suspendAndResumeOneHostOrEveryHost() throws Exception {
        String auth = "Bearer " + TOKEN;

        HttpResponse<String> one = post("/api/suspend", "{\"host\":\"web-1\"}", "Authorization", auth);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(one.body()).toString()).isEqualTo("{\"host\":\"web-1\",\"suspended\":true}");
        assertThat(hostSuspended()).isEqualTo(Map.of("web-1", true, "db-1", false));

        assertThat(post("/api/resume?host=web-1", "", "Authorization", auth).statusCode()).isEqualTo(200);
        assertThat(hostSuspended()).isEqualTo(Map.of("web-1", false, "db-1", false));

        assertThat(post("/api/suspend", "", "Authorization", auth).statusCode()).isEqualTo(200);
        assertThat(agent.status().suspended()).isTrue();
        assertThat(hostSuspended()).isEqualTo(Map.of("web-1", true, "db-1", true));

        assertThat(post("/api/resume", "{}", "Authorization", auth).statusCode()).isEqualTo(200);
        assertThat(agent.status().suspended()).isFalse();

        HttpResponse<String> unknown = post("/api/suspend", "{\"host\":\"nope\"}", "Authorization", auth);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("unknown host 'nope'");
        HttpResponse<String> unknownResume = post("/api/resume?host=nope", "", "Authorization", auth);
        assertThat(unknownResume.statusCode()).isEqualTo(400);
        assertThat(unknownResume.body()).contains("unknown host 'nope'");
        assertThat(post("/api/suspend", "{\"host\":", "Authorization", auth).statusCode()).isEqualTo(400);
        assertThat(post("/api/suspend", "[\"web-1\"]", "Authorization", auth).statusCode()).isEqualTo(400);
        assertThat(agent.reconcileRequests()).isZero();
    }

    @Test
    void withoutATokenFileSuspendIs503() throws Exception {
        try (AgentServer tokenless = AgentServer.start("127.0.0.1:0", agent, metrics, null, Optional.of(SECRET),
                Optional.empty())) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + tokenless.port() + "/api/suspend"))
                    .header("Authorization", "Bearer anything")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")));

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("no token configured");
            HttpResponse<String> history = send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + tokenless.port() + "/api/history")));
            assertThat(history.statusCode()).isEqualTo(503);
        }
        assertThat(agent.status().suspended()).isFalse();
    }

    @Test
    void listenAddressesAreParsedAndABusyPortIsAClearError() {
        assertThat(AgentServer.Listen.parse("127.0.0.1:9090")).isEqualTo(new AgentServer.Listen("127.0.0.1", 9090));
        assertThat(AgentServer.Listen.parse(":9090")).isEqualTo(new AgentServer.Listen("0.0.0.0", 9090));
        assertThat(AgentServer.Listen.parse("9090")).isEqualTo(new AgentServer.Listen("0.0.0.0", 9090));
        assertThat(AgentServer.Listen.parse("[::1]:0")).isEqualTo(new AgentServer.Listen("::1", 0));
        assertThatThrownBy(() -> AgentServer.Listen.parse("::1:9090")).hasMessageContaining("brackets");
        assertThatThrownBy(() -> AgentServer.Listen.parse("localhost:http")).hasMessageContaining("0 to 65535");
        assertThatThrownBy(() -> AgentServer.Listen.parse("localhost:65536")).hasMessageContaining("0 to 65535");

        assertThatThrownBy(() -> AgentServer.start("127.0.0.1:" + server.port(), agent, metrics, null,
                Optional.of(SECRET), Optional.of(TOKEN)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot listen on 127.0.0.1:" + server.port());
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private Map<String, Boolean> hostSuspended() {
        Map<String, Boolean> map = new java.util.HashMap<>();
        agent.status().hosts().forEach(host -> map.put(host.host(), host.suspended()));
        return map;
    }

    private static byte[] jsonOfSize(int size) {
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) 'x');
        byte[] start = "{\"pad\":\"".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(start, 0, body, 0, start.length);
        body[size - 2] = '"';
        body[size - 1] = '}';
        return body;
    }

    private static String hmac(String body) throws Exception {
        return hmac(body.getBytes(StandardCharsets.UTF_8));
    }

    private static String hmac(byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + TOKEN));
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
