package dev.driftless.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.agent.AgentMetrics;
import dev.driftless.agent.AgentStatus;
import dev.driftless.testing.SelfSigned;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Who may read and control the agent over HTTP: every /api/* call needs a token; health checks stay open. */
class ApiAccessTest {

    private static final String TOKEN = "control-token-0123456789";
    private static final String READ = "read-token-abcdef0123456789";
    private static final String CONTROL = "control-token-fedcba9876543210";
    private static final String METRICS = "metrics-token-00112233445566";

    @TempDir
    Path tmp;

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

    @Test
    void aReadTokenReadsButCannotSuspend() throws Exception {
        try (AgentServer named = AgentServer.start(Listeners.on("127.0.0.1:0"), agent, new AgentMetrics(),
                (query, rows) -> { }, Optional.empty(), tokens(tmp, "dash read " + READ, "ops control " + CONTROL))) {
            assertThat(get(named, "/api/status", Optional.of(READ)).statusCode()).isEqualTo(200);
            assertThat(get(named, "/api/history", Optional.of(READ)).statusCode()).isEqualTo(200);

            HttpResponse<String> refused = post(named, "/api/suspend?host=web-1", Optional.of(READ));
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.body()).contains("'dash'", "read", "control").doesNotContain(READ);
            assertThat(post(named, "/api/resume", Optional.of(READ)).statusCode()).isEqualTo(403);
            assertThat(agent.status().hosts()).noneMatch(AgentStatus.HostStatus::suspended);
        }
    }

    @Test
    void aControlTokenSuspendsAndStatusNamesIt() throws Exception {
        try (AgentServer named = AgentServer.start(Listeners.on("127.0.0.1:0"), agent, new AgentMetrics(),
                (query, rows) -> { }, Optional.empty(), tokens(tmp, "dash read " + READ, "ops control " + CONTROL))) {
            assertThat(post(named, "/api/suspend?host=web-1", Optional.of(CONTROL)).statusCode()).isEqualTo(200);

            HttpResponse<String> status = get(named, "/api/status", Optional.of(READ));
            JsonNode web1 = new ObjectMapper().readTree(status.body()).at("/hosts/0");
            assertThat(web1.get("host").asText()).isEqualTo("web-1");
            assertThat(web1.get("suspended").asBoolean()).isTrue();
            assertThat(web1.get("suspendedBy").asText()).isEqualTo("ops");
            assertThat(post(named, "/api/resume?host=web-1", Optional.of(CONTROL)).statusCode()).isEqualTo(200);
            assertThat(agent.resumedBy()).as("history and the log say who resumed").contains("ops");
        }
    }

    @Test
    void metricsNeedATokenOnlyWhenOneIsSetForThem() throws Exception {
        try (AgentServer guarded = AgentServer.start(Listeners.on("127.0.0.1:0"), agent, new AgentMetrics(),
                (query, rows) -> { }, Optional.empty(), tokens(tmp, "prom metrics " + METRICS, "dash read " + READ))) {
            assertThat(get(guarded, "/metrics", Optional.empty()).statusCode()).isEqualTo(401);
            assertThat(get(guarded, "/metrics", Optional.of("wrong-token-0123456789")).statusCode()).isEqualTo(401);
            assertThat(get(guarded, "/metrics", Optional.of(METRICS)).statusCode()).isEqualTo(200);
            assertThat(get(guarded, "/metrics", Optional.of(READ)).statusCode()).isEqualTo(200);
            assertThat(get(guarded, "/api/status", Optional.of(METRICS)).statusCode()).isEqualTo(403);
            assertThat(get(guarded, "/healthz", Optional.empty()).statusCode()).isEqualTo(200);
            assertThat(get(guarded, "/readyz", Optional.empty()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void webhooksOnTheirOwnListenerOnly() throws Exception {
        byte[] secret = "hook-secret-42".getBytes(StandardCharsets.UTF_8);
        try (AgentServer split = AgentServer.start(new Listeners("127.0.0.1:0", Optional.of("127.0.0.1:0"),
                Optional.empty()), agent, new AgentMetrics(), (query, rows) -> { }, Optional.of(secret),
                ApiTokens.single(TOKEN))) {
            int hooks = split.hooksPort().orElseThrow();
            assertThat(hooks).isNotEqualTo(split.port());
            String signature = "sha256=" + HexFormat.of().formatHex(hmac(secret, "{}"));

            assertThat(hook(split.port(), signature).statusCode()).as("hook on the API listener").isEqualTo(404);
            assertThat(agent.triggers).isEmpty();
            assertThat(hook(hooks, signature).statusCode()).as("hook on the hooks listener").isEqualTo(202);
            assertThat(agent.triggers).containsExactly("webhook:generic");

            for (String path : new String[] {"/api/status", "/api/history", "/healthz", "/metrics"}) {
                assertThat(get(hooks, path, Optional.of(TOKEN)).statusCode()).as(path + " on the hooks listener")
                        .isEqualTo(404);
            }
            assertThat(post(hooks, "/api/suspend", Optional.of(TOKEN)).statusCode()).isEqualTo(404);
            assertThat(agent.status().hosts()).noneMatch(AgentStatus.HostStatus::suspended);
            assertThat(get(split.port(), "/api/status", Optional.of(TOKEN)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aTokensFileReadableByOthersIsRefused() throws Exception {
        Path file = Files.writeString(tmp.resolve("tokens"), "dash read " + READ + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> ApiTokens.read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("readable by other users")
                .hasMessageContaining("chmod 600");
    }

    @Test
    void aMalformedTokensLineNamesItsLineAndNeverTheToken() throws Exception {
        assertThatThrownBy(() -> tokens(tmp, "# comment", "", "dash reader " + READ))
                .hasMessageContaining("tokens:3").hasMessageContaining("'reader'").hasMessageNotContaining(READ);
        assertThatThrownBy(() -> tokens(tmp, "dash " + READ)).hasMessageContaining("tokens:1")
                .hasMessageContaining("NAME ROLE TOKEN").hasMessageNotContaining(READ);
        assertThatThrownBy(() -> tokens(tmp, "dash read short")).hasMessageContaining("shorter than 16");
        assertThatThrownBy(() -> tokens(tmp, "dash read " + READ, "dash control " + CONTROL))
                .hasMessageContaining("tokens:2").hasMessageContaining("second token named 'dash'");
        assertThatThrownBy(() -> ApiTokens.single(TOKEN).and(tokens(tmp, "default read " + READ)))
                .hasMessageContaining("two API tokens are named 'default'");
    }

    @ParameterizedTest
    @EnumSource(SelfSigned.KeyForm.class)
    void theApiAnswersOverTlsWithAPemCertificateAndKey(SelfSigned.KeyForm form) throws Exception {
        SelfSigned pem = SelfSigned.in(tmp, form);
        try (AgentServer tls = AgentServer.start(new Listeners("127.0.0.1:0", Optional.empty(),
                Optional.of(new TlsFiles(pem.certificate(), pem.key()))), agent, new AgentMetrics(),
                (query, rows) -> { }, Optional.empty(), ApiTokens.single(TOKEN))) {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            try (var in = Files.newInputStream(pem.certificate())) {
                trusted.setCertificateEntry("agent", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            HttpClient https = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();

            HttpResponse<String> status = https.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + tls.port() + "/api/status"))
                    .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(status.body()).contains("web-1");
            assertThatThrownBy(() -> get(tls, "/healthz", Optional.empty())).as("plain HTTP to the TLS port")
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void unreadableTlsFilesAreAClearError() throws Exception {
        Path cert = Files.writeString(tmp.resolve("cert.pem"), "not a certificate\n");
        assertThatThrownBy(() -> AgentServer.start(new Listeners("127.0.0.1:0", Optional.empty(),
                Optional.of(new TlsFiles(cert, tmp.resolve("key.pem")))), agent, new AgentMetrics(),
                (query, rows) -> { }, Optional.empty(), ApiTokens.single(TOKEN)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(cert.toString());
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /** A tokens file of these lines, mode 0600, read. */
    static ApiTokens tokens(Path dir, String... lines) throws Exception {
        Path file = dir.resolve("tokens");
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, String.join("\n", lines) + "\n");
        return ApiTokens.read(file);
    }

    private static byte[] hmac(byte[] secret, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        return mac.doFinal(body.getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> hook(int port, String signature) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hooks/generic"))
                .header("X-Signature", signature).POST(HttpRequest.BodyPublishers.ofString("{}"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(AgentServer on, String path, Optional<String> token) throws Exception {
        return get(on.port(), path, token);
    }

    private HttpResponse<String> post(AgentServer on, String path, Optional<String> token) throws Exception {
        return post(on.port(), path, token);
    }

    private HttpResponse<String> get(int port, String path, Optional<String> token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(int port, String path, Optional<String> token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofString("{}"));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
