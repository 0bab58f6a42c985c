package dev.driftless.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.noContent;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every HTTP notifier against a real HTTP server (WireMock) on 127.0.0.1. */
class NotifierHttpTest {

    static final String COMMIT = "3f2a9c1d0e4b5a6978877665544332211ffeeddc";
    static final Instant AT = Instant.parse("2026-03-01T10:15:30Z");
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final ObjectMapper JSON = new ObjectMapper();

    static WireMockServer server;

    @BeforeAll
    static void start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @BeforeEach
    void reset() {
        server.resetAll();
    }

    static URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    static Event drift() {
        return new Event(Event.Kind.DRIFT_FOUND, "web-1", "nginx", COMMIT, "~ /etc/nginx/nginx.conf", AT);
    }

    static LoggedRequest only(String path) {
        List<LoggedRequest> requests = server.findAll(postRequestedFor(urlEqualTo(path)));
        assertThat(requests).hasSize(1);
        return requests.get(0);
    }

    static JsonNode body(LoggedRequest request) throws Exception {
        return JSON.readTree(request.getBodyAsString());
    }

    @Test
    void slackPostsTheMessageAsText() throws Exception {
        String path = "/services/T000/B000/XXXXtoken";
        server.stubFor(post(urlEqualTo(path)).willReturn(ok("ok")));

        new SlackNotifier("ops-slack", url(path), TIMEOUT).send(drift());

        LoggedRequest request = only(path);
        assertThat(request.getHeader("Content-Type")).startsWith("application/json");
        assertThat(body(request).get("text").asText())
                .isEqualTo("[driftless] drift found on web-1/nginx at 3f2a9c1d0e4b: ~ /etc/nginx/nginx.conf");
    }

    @Test
    void aSummaryOfSeveralLinesGoesUnderTheTitle() throws Exception {
        String path = "/slack";
        server.stubFor(post(urlEqualTo(path)).willReturn(ok()));
        Event event = new Event(Event.Kind.APPLIED, "web-1", "nginx", COMMIT,
                "~ /etc/nginx/nginx.conf\n+ /etc/nginx/sites-enabled/site.conf\nran nginx/reload", AT);

        new SlackNotifier("s", url(path), TIMEOUT).send(event);

        assertThat(body(only(path)).get("text").asText()).isEqualTo("""
                [driftless] applied on web-1/nginx at 3f2a9c1d0e4b
                ~ /etc/nginx/nginx.conf
                + /etc/nginx/sites-enabled/site.conf
                ran nginx/reload""");
    }

    @Test
    void aRepositoryWideEventNamesNoHost() throws Exception {
        String path = "/slack";
        server.stubFor(post(urlEqualTo(path)).willReturn(ok()));

        new SlackNotifier("s", url(path), TIMEOUT).send(new Event(Event.Kind.SOURCE_UNAVAILABLE, "", "", "",
                "cannot fetch https://git.example.org/infra.git: connection refused", AT));

        assertThat(body(only(path)).get("text").asText()).isEqualTo(
                "[driftless] source unavailable: cannot fetch https://git.example.org/infra.git: connection refused");
    }

    @Test
    void discordPostsContentWithoutMentions() throws Exception {
        String path = "/api/webhooks/123/secrettoken";
        server.stubFor(post(urlEqualTo(path)).willReturn(noContent()));
        Event event = new Event(Event.Kind.FAILED, "db-1", "postgres", COMMIT,
                "handler postgres/restart exited with 1 @everyone", AT);

        new DiscordNotifier("chat", url(path), TIMEOUT).send(event);

        JsonNode body = body(only(path));
        assertThat(body.get("content").asText()).isEqualTo(
                "[driftless] failed on db-1/postgres at 3f2a9c1d0e4b: handler postgres/restart exited with 1 @everyone");
        assertThat(body.get("username").asText()).isEqualTo("driftless");
        assertThat(body.get("allowed_mentions").get("parse")).isEmpty();
    }

    @Test
    void discordContentIsCutToTwoThousandCharacters() throws Exception {
        String path = "/discord";
        server.stubFor(post(urlEqualTo(path)).willReturn(noContent()));
        String summary = "~ /etc/a-very-long-path-name-for-a-file.conf\n".repeat(200);

        new DiscordNotifier("chat", url(path), TIMEOUT).send(
                new Event(Event.Kind.DRIFT_FOUND, "web-1", "nginx", COMMIT, summary, AT));

        String content = body(only(path)).get("content").asText();
        assertThat(content).hasSizeLessThanOrEqualTo(2000).endsWith("… (truncated)")
                .startsWith("[driftless] drift found on web-1/nginx at 3f2a9c1d0e4b\n~ /etc/");
    }

    @Test
    void ntfyPublishesJsonToTheServerRootWithTheToken() throws Exception {
        server.stubFor(post(urlEqualTo("/")).willReturn(ok()));

        new NtfyNotifier("phone", url(""), "driftless-alerts", "tk_abc", TIMEOUT).send(drift());

        LoggedRequest request = only("/");
        assertThat(request.getHeader("Authorization")).isEqualTo("Bearer tk_abc");
        JsonNode body = body(request);
        assertThat(body.get("topic").asText()).isEqualTo("driftless-alerts");
        assertThat(body.get("title").asText()).isEqualTo("[driftless] drift found on web-1/nginx at 3f2a9c1d0e4b");
        assertThat(body.get("message").asText()).isEqualTo("~ /etc/nginx/nginx.conf");
        assertThat(body.get("priority").asInt()).isEqualTo(4);
        assertThat(body.get("tags").toString()).isEqualTo("[\"warning\",\"driftless\"]");
    }

    @Test
    void ntfyWithoutTokenSendsNoAuthorization() throws Exception {
        server.stubFor(post(urlEqualTo("/")).willReturn(ok()));

        new NtfyNotifier("phone", url("/"), "t", null, TIMEOUT).send(new Event(Event.Kind.RECOVERED, "", "", "", "", AT));

        LoggedRequest request = only("/");
        assertThat(request.containsHeader("Authorization")).isFalse();
        assertThat(body(request).get("message").asText()).isEqualTo("recovered");
        assertThat(body(request).get("priority").asInt()).isEqualTo(3);
    }

    @Test
    void theWebhookIsSignedWithHmacSha256OfTheExactBody() throws Exception {
        String path = "/hooks/driftless";
        server.stubFor(post(urlEqualTo(path)).willReturn(ok()));
        String secret = "shared hmac secret";

        new WebhookNotifier("audit", url(path), secret, TIMEOUT).send(drift());

        LoggedRequest request = only(path);
        byte[] raw = request.getBody();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "sha256=" + HexFormat.of().formatHex(mac.doFinal(raw));
        assertThat(request.getHeader("X-Signature")).isEqualTo(expected);
        assertThat(request.getHeader("X-Driftless-Event")).isEqualTo("drift-found");
        JsonNode body = JSON.readTree(raw);
        assertThat(body.get("kind").asText()).isEqualTo("drift-found");
        assertThat(body.get("host").asText()).isEqualTo("web-1");
        assertThat(body.get("service").asText()).isEqualTo("nginx");
        assertThat(body.get("commit").asText()).isEqualTo(COMMIT);
        assertThat(body.get("signer").asText()).as("not verified").isEmpty();
        assertThat(body.get("summary").asText()).isEqualTo("~ /etc/nginx/nginx.conf");
        assertThat(body.get("at").asText()).isEqualTo("2026-03-01T10:15:30Z");
        assertThat(body.get("text").asText()).startsWith("[driftless] drift found on web-1/nginx");

        mac.init(new SecretKeySpec("another secret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        assertThat(request.getHeader("X-Signature"))
                .isNotEqualTo("sha256=" + HexFormat.of().formatHex(mac.doFinal(raw)));
    }

    @Test
    void gitHubStatusesGoToTheCommitWithTheToken() throws Exception {
        String path = "/repos/acme/infra/statuses/" + COMMIT;
        server.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(201)));
        Notifier github = new GitHubStatusNotifier("commits", url(""), "acme", "infra", "ghp_token", null, TIMEOUT);

        github.send(drift());

        LoggedRequest request = only(path);
        assertThat(request.getHeader("Authorization")).isEqualTo("Bearer ghp_token");
        assertThat(request.getHeader("Accept")).isEqualTo("application/vnd.github+json");
        assertThat(request.getHeader("X-GitHub-Api-Version")).isEqualTo("2022-11-28");
        JsonNode body = body(request);
        assertThat(body.get("state").asText()).isEqualTo("failure");
        assertThat(body.get("context").asText()).isEqualTo("driftless/web-1");
        assertThat(body.get("description").asText())
                .isEqualTo("drift found on web-1/nginx at 3f2a9c1d0e4b: ~ /etc/nginx/nginx.conf");
        assertThat(body.has("target_url")).isFalse();
    }

    @Test
    void gitHubStatesFollowTheEvent() throws Exception {
        String path = "/api/v3/repos/acme/infra/statuses/" + COMMIT;
        server.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(201)));
        Notifier github = new GitHubStatusNotifier("commits", url("/api/v3/"), "acme", "infra", "t",
                "https://dash.example.org/", TIMEOUT);

        github.send(new Event(Event.Kind.APPLIED, "web-1", "nginx", COMMIT, "", AT));
        github.send(new Event(Event.Kind.FAILED, "", "", COMMIT, "driftless.yaml:3: hosts: ...", AT));
        github.send(new Event(Event.Kind.DRIFT_HEALED, "web-1", "nginx", COMMIT, "", AT));

        List<LoggedRequest> requests = server.findAll(postRequestedFor(urlEqualTo(path)));
        assertThat(requests).hasSize(3);
        assertThat(body(requests.get(0)).get("state").asText()).isEqualTo("success");
        assertThat(body(requests.get(0)).get("target_url").asText()).isEqualTo("https://dash.example.org/");
        assertThat(body(requests.get(1)).get("state").asText()).isEqualTo("failure");
        assertThat(body(requests.get(1)).get("context").asText()).isEqualTo("driftless");
        assertThat(body(requests.get(2)).get("state").asText()).isEqualTo("success");
    }

    @Test
    void aStatusDescriptionIsAtMost140Characters() throws Exception {
        String path = "/repos/acme/infra/statuses/" + COMMIT;
        server.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(201)));

        new GitHubStatusNotifier("c", url(""), "acme", "infra", "t", null, TIMEOUT).send(new Event(
                Event.Kind.DRIFT_FOUND, "web-1", "nginx", COMMIT, "~ /etc/x.conf\n".repeat(50), AT));

        assertThat(body(only(path)).get("description").asText()).hasSizeLessThanOrEqualTo(140);
    }

    @Test
    void theSourceBeingUnavailableOrAnEventWithoutCommitGetsNoStatus() throws Exception {
        Notifier github = new GitHubStatusNotifier("c", url(""), "acme", "infra", "t", null, TIMEOUT);
        Notifier gitea = new GiteaStatusNotifier("g", url(""), "acme", "infra", "t", null, TIMEOUT);
        github.send(new Event(Event.Kind.SOURCE_UNAVAILABLE, "", "", COMMIT, "fetch failed", AT));
        gitea.send(new Event(Event.Kind.RECOVERED, "", "", COMMIT, "", AT));
        github.send(new Event(Event.Kind.FAILED, "", "", "", "no commit", AT));
        gitea.send(new Event(Event.Kind.APPLIED, "web-1", "", "", "", AT));

        assertThat(server.getAllServeEvents()).isEmpty();
    }

    @Test
    void aShortCommitIdIsRefused() {
        assertThatThrownBy(() -> new GitHubStatusNotifier("c", url(""), "acme", "infra", "t", null, TIMEOUT)
                .send(new Event(Event.Kind.APPLIED, "web-1", "", "3f2a9c1", "", AT)))
                .isInstanceOf(NotifyException.class).hasMessage("c: '3f2a9c1' is not a full commit id");
    }

    @Test
    void giteaStatusesUseTheApiV1PathAndATokenHeader() throws Exception {
        String path = "/forgejo/api/v1/repos/acme/infra/statuses/" + COMMIT;
        server.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(201)));

        new GiteaStatusNotifier("forge", url("/forgejo"), "acme", "infra", "gitea_token",
                "https://dash.example.org/web-1", TIMEOUT)
                .send(new Event(Event.Kind.DRIFT_HEALED, "web-1", "nginx", COMMIT, "~ /etc/nginx/nginx.conf", AT));

        LoggedRequest request = only(path);
        assertThat(request.getHeader("Authorization")).isEqualTo("token gitea_token");
        JsonNode body = body(request);
        assertThat(body.get("state").asText()).isEqualTo("success");
        assertThat(body.get("context").asText()).isEqualTo("driftless/web-1");
        assertThat(body.get("description").asText())
                .isEqualTo("drift healed on web-1/nginx at 3f2a9c1d0e4b: ~ /etc/nginx/nginx.conf");
        assertThat(body.get("target_url").asText()).isEqualTo("https://dash.example.org/web-1");
    }

    @Test
    void anErrorStatusNamesTheDestinationButNotTheWebhookUrl() {
        String path = "/services/T000/B000/VERYSECRETTOKEN";
        server.stubFor(post(urlEqualTo(path)).willReturn(aResponse().withStatus(500).withBody("oops " + path)));

        assertThatThrownBy(() -> new SlackNotifier("ops-slack", url(path), TIMEOUT).send(drift()))
                .isInstanceOf(NotifyException.class)
                .hasMessage("ops-slack: HTTP 500");
    }

    @Test
    void aRedirectIsNotFollowed() {
        server.stubFor(post(urlEqualTo("/moved")).willReturn(aResponse().withStatus(302)
                .withHeader("Location", "http://127.0.0.1:" + server.port() + "/elsewhere")));

        assertThatThrownBy(() -> new SlackNotifier("s", url("/moved"), TIMEOUT).send(drift()))
                .isInstanceOf(NotifyException.class).hasMessage("s: HTTP 302");
        assertThat(server.findAll(postRequestedFor(urlEqualTo("/elsewhere")))).isEmpty();
    }

    @Test
    void aClosedPortIsAnErrorWithoutTheUrlPath() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        URI closed = URI.create("http://127.0.0.1:" + port + "/hook/SECRETPATH");

        assertThatThrownBy(() -> new WebhookNotifier("audit", closed, "k", TIMEOUT).send(drift()))
                .isInstanceOf(NotifyException.class)
                .hasMessageStartingWith("audit: ")
                .hasMessageNotContaining("SECRETPATH");
    }

    static final String PAGER_KEY = "R0UT1NGKEY0123456789abcdefABCDEF";
    static final String PAGER_PATH = "/v2/enqueue";

    /** PagerDuty's Events API v2, answering as PagerDuty does. */
    PagerDutyNotifier pager(String agent) {
        server.stubFor(post(urlEqualTo(PAGER_PATH)).willReturn(aResponse().withStatus(202)
                .withBody("{\"status\":\"success\",\"message\":\"Event processed\"}")));
        return new PagerDutyNotifier("pager", url(PAGER_PATH), PAGER_KEY, agent, TIMEOUT);
    }

    static List<JsonNode> pagerBodies() throws Exception {
        List<JsonNode> bodies = new ArrayList<>();
        for (var request : server.findAll(postRequestedFor(urlEqualTo(PAGER_PATH)))) {
            bodies.add(JSON.readTree(request.getBodyAsString()));
        }
        return bodies;
    }

    @Test
    void pagerDutyTriggersAnErrorForAFailureWithTheRoutingKeyAndWhatFailedWhere() throws Exception {
        pager("agent-1").send(new Event(Event.Kind.FAILED, "web-1", "nginx", COMMIT,
                "handler nginx/reload exited with 1", AT));

        JsonNode body = pagerBodies().get(0);
        assertThat(body.get("routing_key").asText()).isEqualTo(PAGER_KEY);
        assertThat(body.get("event_action").asText()).isEqualTo("trigger");
        assertThat(body.get("dedup_key").asText()).isEqualTo("driftless/agent-1/failed/web-1/nginx");
        JsonNode payload = body.get("payload");
        assertThat(payload.get("summary").asText())
                .isEqualTo("[driftless] failed on web-1/nginx at 3f2a9c1d0e4b: handler nginx/reload exited with 1");
        assertThat(payload.get("severity").asText()).isEqualTo("error");
        assertThat(payload.get("source").asText()).isEqualTo("web-1");
        assertThat(payload.get("component").asText()).isEqualTo("nginx");
        assertThat(payload.get("group").asText()).isEqualTo("agent-1");
        assertThat(payload.get("class").asText()).isEqualTo("failed");
        assertThat(payload.get("timestamp").asText()).isEqualTo("2026-03-01T10:15:30Z");
        assertThat(payload.get("custom_details").get("commit").asText()).isEqualTo(COMMIT);
    }

    @Test
    void pagerDutyDriftIsAWarningAndTheSourceDownAnErrorFromTheAgent() throws Exception {
        pager("agent-1").send(new Event(Event.Kind.DRIFT_FOUND, "web-1", "nginx", COMMIT, "~ /etc/nginx.conf", AT));
        pager("agent-1").send(new Event(Event.Kind.SOURCE_UNAVAILABLE, "", "", "", "connection refused", AT));

        List<JsonNode> bodies = pagerBodies();
        assertThat(bodies.get(0).get("payload").get("severity").asText()).isEqualTo("warning");
        assertThat(bodies.get(1).get("payload").get("severity").asText()).isEqualTo("error");
        assertThat(bodies.get(1).get("payload").get("source").asText()).as("no host: the agent").isEqualTo("agent-1");
        assertThat(bodies.get(1).get("dedup_key").asText()).isEqualTo("driftless/agent-1/source-unavailable//");
    }

    @Test
    void eachResolutionResolvesThePagerDutyIncidentOfItsProblemWithTheSameDedupKey() throws Exception {
        PagerDutyNotifier pager = pager("agent-1");
        pager.send(new Event(Event.Kind.FAILED, "web-1", "nginx", COMMIT, "exit 1", AT));
        pager.send(new Event(Event.Kind.APPLIED, "web-1", "nginx", COMMIT, "~ /etc/nginx.conf", AT));
        pager.send(new Event(Event.Kind.DRIFT_FOUND, "web-1", "nginx", COMMIT, "~ /etc/nginx.conf", AT));
        pager.send(new Event(Event.Kind.DRIFT_HEALED, "web-1", "nginx", COMMIT, "~ /etc/nginx.conf", AT));
        pager.send(new Event(Event.Kind.SOURCE_UNAVAILABLE, "", "", "", "down", AT));
        pager.send(new Event(Event.Kind.RECOVERED, "", "", "", "up", AT));

        List<JsonNode> bodies = pagerBodies();
        assertThat(bodies).extracting(b -> b.get("event_action").asText())
                .containsExactly("trigger", "resolve", "trigger", "resolve", "trigger", "resolve");
        for (int i = 0; i < bodies.size(); i += 2) {
            assertThat(bodies.get(i + 1).get("dedup_key")).isEqualTo(bodies.get(i).get("dedup_key"));
            assertThat(bodies.get(i + 1).get("routing_key").asText()).isEqualTo(PAGER_KEY);
        }
        assertThat(bodies.stream().map(b -> b.get("dedup_key").asText()).distinct()).as("one per problem").hasSize(3);
    }

    @Test
    void twoAgentsGetTwoPagerDutyIncidentsForTheSameProblem() throws Exception {
        pager("agent-1").send(new Event(Event.Kind.FAILED, "web-1", "nginx", COMMIT, "exit 1", AT));
        pager("agent-2").send(new Event(Event.Kind.FAILED, "web-1", "nginx", COMMIT, "exit 1", AT));

        assertThat(pagerBodies()).extracting(b -> b.get("dedup_key").asText()).doesNotHaveDuplicates();
    }

    @Test
    void aPagerDutyRefusalSaysWhyButNeverShowsTheRoutingKey() {
        PagerDutyNotifier pager = pager("agent-1");
        server.stubFor(post(urlEqualTo(PAGER_PATH)).willReturn(aResponse().withStatus(400).withBody(
                "{\"status\":\"invalid event\",\"message\":\"Event object is invalid\",\"errors\":"
                        + "[\"'routing_key' " + PAGER_KEY + " is not a valid integration key\"]}")));

        assertThatThrownBy(() -> pager.send(new Event(Event.Kind.FAILED, "web-1", "nginx", COMMIT,
                "exit 1", AT)))
                .isInstanceOfSatisfying(NotifyException.class, e -> {
                    assertThat(e.retryable()).as("a refusal is not tried again").isFalse();
                    assertThat(e.getMessage()).isEqualTo("pager: HTTP 400: Event object is invalid ('routing_key'"
                            + " <routing key> is not a valid integration key)");
                    assertThat(e.getMessage()).doesNotContain(PAGER_KEY);
                });
    }

    static final String ALICE = "Alice <alice@example.org> (openpgp 0123456789ABCDEF)";

    @Test
    void everyMessageAboutAVerifiedCommitSaysWhoSignedIt() throws Exception {
        server.stubFor(post(urlEqualTo("/slack")).willReturn(ok()));
        server.stubFor(post(urlEqualTo("/discord")).willReturn(noContent()));
        server.stubFor(post(urlEqualTo("/hook")).willReturn(ok()));
        server.stubFor(post(urlEqualTo("/")).willReturn(ok()));
        server.stubFor(post(urlEqualTo("/repos/acme/infra/statuses/" + COMMIT)).willReturn(aResponse().withStatus(201)));
        Event applied = new Event(Event.Kind.APPLIED, "web-1", "nginx", COMMIT, "~ /etc/nginx/nginx.conf", AT)
                .withSigner(ALICE);

        new SlackNotifier("s", url("/slack"), TIMEOUT).send(applied);
        new DiscordNotifier("d", url("/discord"), TIMEOUT).send(applied);
        new WebhookNotifier("w", url("/hook"), "secret", TIMEOUT).send(applied);
        new NtfyNotifier("n", url(""), "t", null, TIMEOUT).send(applied);
        new GitHubStatusNotifier("g", url(""), "acme", "infra", "t", null, TIMEOUT).send(applied);

        String headline = "applied on web-1/nginx at 3f2a9c1d0e4b, signed by " + ALICE;
        assertThat(body(only("/slack")).get("text").asText()).as("escaped as Slack asks")
                .isEqualTo("[driftless] applied on web-1/nginx at 3f2a9c1d0e4b, signed by Alice &lt;alice@example.org&gt;"
                        + " (openpgp 0123456789ABCDEF): ~ /etc/nginx/nginx.conf");
        assertThat(body(only("/discord")).get("content").asText())
                .isEqualTo("[driftless] " + headline + ": ~ /etc/nginx/nginx.conf");
        JsonNode hook = body(only("/hook"));
        assertThat(hook.get("signer").asText()).isEqualTo(ALICE);
        assertThat(hook.get("text").asText()).startsWith("[driftless] " + headline);
        assertThat(body(only("/")).get("title").asText()).isEqualTo("[driftless] " + headline);
        assertThat(body(only("/repos/acme/infra/statuses/" + COMMIT)).get("description").asText())
                .isEqualTo(headline + ": ~ /etc/nginx/nginx.conf");
    }

    @Test
    void anUntrustedCommitAndARefusedRewindReadAsProblemsInEveryNotifier() throws Exception {
        server.stubFor(post(urlEqualTo("/slack")).willReturn(ok()));
        server.stubFor(post(urlEqualTo("/")).willReturn(ok()));
        server.stubFor(post(urlEqualTo("/repos/acme/infra/statuses/" + COMMIT)).willReturn(aResponse().withStatus(201)));
        Event untrusted = new Event(Event.Kind.UNTRUSTED_COMMIT, "", "", COMMIT,
                "the key SHA256:x is not allowed for mallory@example.org in /etc/driftless/allowed_signers", AT)
                .withSigner("mallory@example.org (ssh SHA256:x)");
        Event rewind = new Event(Event.Kind.REWIND_REFUSED, "web-1", "", COMMIT,
                "3f2a9c1d0e4b does not descend from 9c1d0e4b5a69, the newest commit web-1 ran", AT)
                .withSigner(ALICE);
        Notifier slack = new SlackNotifier("s", url("/slack"), TIMEOUT);
        Notifier ntfy = new NtfyNotifier("n", url(""), "t", null, TIMEOUT);
        Notifier github = new GitHubStatusNotifier("g", url(""), "acme", "infra", "t", null, TIMEOUT);
        PagerDutyNotifier pager = pager("agent-1");
        for (Event event : List.of(untrusted, rewind)) {
            for (Notifier notifier : List.of(slack, ntfy, github, pager)) {
                notifier.send(event);
            }
        }
        pager.send(new Event(Event.Kind.APPLIED, "", "", "9c1d0e4b5a6978877665544332211ffeeddc3f2a", "", AT));

        List<LoggedRequest> slacks = server.findAll(postRequestedFor(urlEqualTo("/slack")));
        assertThat(JSON.readTree(slacks.get(0).getBodyAsString()).get("text").asText()).isEqualTo("[driftless]"
                + " untrusted commit at 3f2a9c1d0e4b, key of mallory@example.org (ssh SHA256:x): the key SHA256:x is not"
                + " allowed for mallory@example.org in /etc/driftless/allowed_signers");
        assertThat(JSON.readTree(slacks.get(1).getBodyAsString()).get("text").asText()).isEqualTo("[driftless]"
                + " rewind refused on web-1 at 3f2a9c1d0e4b, signed by Alice &lt;alice@example.org&gt; (openpgp"
                + " 0123456789ABCDEF): 3f2a9c1d0e4b does not descend from 9c1d0e4b5a69, the newest commit web-1 ran");
        List<LoggedRequest> ntfys = server.findAll(postRequestedFor(urlEqualTo("/")));
        assertThat(JSON.readTree(ntfys.get(0).getBodyAsString()).get("tags").toString())
                .isEqualTo("[\"lock\",\"driftless\"]");
        assertThat(JSON.readTree(ntfys.get(1).getBodyAsString()).get("tags").toString())
                .isEqualTo("[\"rewind\",\"driftless\"]");
        assertThat(ntfys).allSatisfy(n -> assertThat(JSON.readTree(n.getBodyAsString()).get("priority").asInt())
                .as("a problem").isEqualTo(4));
        assertThat(server.findAll(postRequestedFor(urlEqualTo("/repos/acme/infra/statuses/" + COMMIT))))
                .hasSize(2).allSatisfy(status -> assertThat(JSON.readTree(status.getBodyAsString()).get("state")
                        .asText()).isEqualTo("failure"));
        List<JsonNode> pages = pagerBodies();
        assertThat(pages.get(0).get("event_action").asText()).isEqualTo("trigger");
        assertThat(pages.get(0).at("/payload/severity").asText()).isEqualTo("error");
        assertThat(pages.get(0).at("/payload/class").asText()).isEqualTo("untrusted-commit");
        assertThat(pages.get(0).at("/payload/custom_details/signer").asText())
                .isEqualTo("mallory@example.org (ssh SHA256:x)");
        assertThat(pages.get(1).at("/payload/class").asText()).isEqualTo("rewind-refused");
        assertThat(pages.get(1).get("dedup_key").asText()).as("a commit that cannot be applied, as failed")
                .isEqualTo("driftless/agent-1/failed/web-1/");
        assertThat(pages.get(2).get("event_action").asText()).as("the next commit applied resolves it")
                .isEqualTo("resolve");
        assertThat(pages.get(2).get("dedup_key").asText()).isEqualTo(pages.get(0).get("dedup_key").asText());
    }
}
