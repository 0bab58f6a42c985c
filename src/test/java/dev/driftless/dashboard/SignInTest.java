package dev.driftless.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.agent.AgentMetrics;
import dev.driftless.testing.CapturedLogs;
import dev.driftless.testing.TestClock;
import dev.driftless.testing.TestRepo;
import dev.driftless.web.AgentServer;
import dev.driftless.web.HttpLimits;
import dev.driftless.web.Listeners;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sign-in, sessions, CSRF and the live stream's bounds over plain HTTP, against a real agent. */
class SignInTest {

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final TestClock clock = new TestClock(Instant.parse("2026-11-30T09:00:00Z"));
    private DashboardFixture dashboard;

    @BeforeEach
    void start() {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n"
                + "    content: \"port 80\\n\"\n");
        repo.commit("web on port 80");
        dashboard = DashboardFixture.start(tmp, repo, clock);
    }

    @AfterEach
    void stop() throws Exception {
        dashboard.close();
    }

    @Test
    void aPageWithoutASessionRedirectsToTheSignInForm() throws Exception {
        HttpResponse<String> page = get("/", null);

        assertThat(page.statusCode()).isEqualTo(303);
        assertThat(page.headers().firstValue("Location")).hasValue("/login");
        assertThat(get("/login", null).body()).contains("<form method=\"post\" action=\"/login\">");
    }

    @Test
    void aReadTokenSignsInWithAnHttpOnlyStrictCookieAndSeesTheOverview() throws Exception {
        HttpResponse<String> login = login(DashboardFixture.READ);

        assertThat(login.statusCode()).isEqualTo(303);
        assertThat(login.headers().firstValue("Location")).hasValue("/");
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith(Dashboard.COOKIE + "=").contains("; Path=/", "; HttpOnly", "; SameSite=Strict")
                .doesNotContain("Secure"); // plain HTTP: a Secure cookie would never be sent back
        assertThat(cookie.substring(Dashboard.COOKIE.length() + 1, cookie.indexOf(';')))
                .as("256 random bits, base64url").matches("[A-Za-z0-9_-]{43}");
        HttpResponse<String> overview = get("/", cookie(login));
        assertThat(overview.statusCode()).isEqualTo(200);
        assertThat(overview.body()).contains("viewer (read only)", "box", "web", "in sync", "web on port 80");
        assertThat(overview.headers().firstValue("Content-Security-Policy")).get().asString()
                .contains("script-src 'self'");
    }

    @Test
    void aWrongTokenIsRefusedAndTheLogNeverShowsIt() throws Exception {
        try (CapturedLogs logs = CapturedLogs.start()) {
            HttpResponse<String> login = login("not-a-token-of-this-agent");

            assertThat(login.statusCode()).isEqualTo(401);
            assertThat(login.headers().firstValue("Set-Cookie")).isEmpty();
            assertThat(login.body()).contains("not one of this agent's API tokens");
            assertThat(String.join("\n", logs.lines())).contains("failed sign-in from 127.0.0.1 (1 in a row)")
                    .doesNotContain("not-a-token-of-this-agent");
        }
    }

    @Test
    void aMetricsTokenCannotSignIn() throws Exception {
        HttpResponse<String> login = login(DashboardFixture.METRICS);

        assertThat(login.statusCode()).isEqualTo(403);
        assertThat(login.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(login.body()).contains("metrics token");
    }

    @Test
    void afterFiveFailuresSignInAnswers429WithAGrowingWait() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(login("wrong-token-" + i).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> throttled = login(DashboardFixture.READ); // even the right token waits
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After")).hasValue("1");

        clock.advance(Duration.ofSeconds(1));
        assertThat(login("wrong-token-5").statusCode()).isEqualTo(401);
        assertThat(login(DashboardFixture.READ).headers().firstValue("Retry-After")).hasValue("2");

        clock.advance(Duration.ofSeconds(2));
        assertThat(login(DashboardFixture.READ).statusCode()).isEqualTo(303);
    }

    @Test
    void aPostWithoutTheSessionsCsrfTokenIsRefused() throws Exception {
        String cookie = cookie(login(DashboardFixture.CONTROL));

        HttpResponse<String> none = post("/logout", "", cookie);
        HttpResponse<String> forged = post("/logout", "csrf=" + "A".repeat(43), cookie);

        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(get("/", cookie).statusCode()).as("the session goes on").isEqualTo(200);
    }

    @Test
    void signingOutEndsTheSessionAndItsLiveStreams() throws Exception {
        String cookie = cookie(login(DashboardFixture.READ));
        HttpResponse<InputStream> stream = events(cookie);
        assertThat(stream.statusCode()).isEqualTo(200);
        BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
        assertThat(events.readLine()).isEqualTo("event: board");

        HttpResponse<String> logout = post("/logout", "csrf=" + csrf(get("/", cookie).body()), cookie);

        assertThat(logout.statusCode()).isEqualTo(303);
        assertThat(logout.headers().firstValue("Location")).hasValue("/login");
        assertThat(logout.headers().firstValue("Set-Cookie")).get().asString().contains("Max-Age=0");
        assertThat(get("/", cookie).statusCode()).isEqualTo(303);
        String line;
        do {
            line = events.readLine(); // the rest of the board, then the end of the stream
        } while (line != null);
    }

    @Test
    void aSessionEndsAfterTwelveIdleHoursAndAForgedOneOpensNothing() throws Exception {
        String cookie = cookie(login(DashboardFixture.READ));
        clock.advance(Duration.ofHours(11));
        assertThat(get("/", cookie).statusCode()).isEqualTo(200);
        clock.advance(Duration.ofHours(11));
        assertThat(get("/", cookie).statusCode()).as("11 h idle again: still on").isEqualTo(200);
        clock.advance(Duration.ofHours(12));
        assertThat(get("/", cookie).statusCode()).isEqualTo(303);

        assertThat(get("/", Dashboard.COOKIE + "=" + "x".repeat(43)).statusCode()).isEqualTo(303);
    }

    @Test
    void liveStreamsAreBoundedPerSession() throws Exception {
        String cookie = cookie(login(DashboardFixture.READ));
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        try {
            for (int i = 0; i < LiveBoard.MAX_PER_SESSION; i++) {
                open.add(events(cookie));
                assertThat(open.get(i).statusCode()).isEqualTo(200);
            }
            HttpResponse<InputStream> oneMore = events(cookie);
            assertThat(oneMore.statusCode()).isEqualTo(429);
            oneMore.body().close();
            assertThat(events(null).statusCode()).as("no session, no stream").isEqualTo(401);
        } finally {
            for (HttpResponse<InputStream> response : open) {
                response.body().close();
            }
        }
    }

    @Test
    void theServicePageOfAnUnknownServiceIs404() throws Exception {
        String cookie = cookie(login(DashboardFixture.READ));

        assertThat(get("/hosts/box/services/web", cookie).statusCode()).isEqualTo(200);
        assertThat(get("/hosts/box/services/nope", cookie).statusCode()).isEqualTo(404);
        assertThat(get("/hosts/nope/services/web", cookie).statusCode()).isEqualTo(404);
    }

    @Test
    void apiStatusNamesTheAppliedCommitsMessageAuthorAndTheFetchTime() throws Exception {
        HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(dashboard.url("/api/status")))
                .header("Authorization", "Bearer " + DashboardFixture.READ).build(), HttpResponse.BodyHandlers.ofString());

        JsonNode json = new ObjectMapper().readTree(status.body());
        assertThat(json.get("formatVersion").asInt()).isEqualTo(1);
        assertThat(json.get("fetchedAt").asText()).isNotEmpty();
        assertThat(json.get("unavailableSince").isNull()).isTrue();
        JsonNode commit = json.get("commits").get(0);
        assertThat(commit.get("id").asText()).isEqualTo(json.get("hosts").get(0).get("appliedCommit").asText());
        assertThat(commit.get("message").asText()).isEqualTo("web on port 80");
        assertThat(commit.get("author").asText()).isEqualTo("Test");
        assertThat(commit.get("committedAt").asText()).endsWith("Z");
    }

    @Test
    void withTheDashboardOffThereAreNoPages() throws Exception {
        try (AgentServer off = AgentServer.start(Listeners.on("127.0.0.1:0"), dashboard.agent, new AgentMetrics(),
                null, Optional.empty(), DashboardFixture.tokens(tmp), HttpLimits.DEFAULTS,
                Optional.empty())) {
            for (String path : List.of("/", "/login", "/assets/dashboard.css")) {
                HttpResponse<String> page = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + off.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(page.statusCode()).as(path).isEqualTo(404);
            }
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private HttpResponse<String> login(String token) throws Exception {
        return post("/login", "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8), null);
    }

    private static String cookie(HttpResponse<?> login) {
        String header = login.headers().firstValue("Set-Cookie").orElseThrow();
        return header.substring(0, header.indexOf(';'));
    }

    private static String csrf(String page) {
        Matcher m = Pattern.compile("name=\"csrf\" value=\"([A-Za-z0-9_-]+)\"").matcher(page);
        assertThat(m.find()).as("the page has a form with its CSRF token").isTrue();
        return m.group(1);
    }

    private HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(dashboard.url(path)));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String form, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(dashboard.url(path)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<InputStream> events(String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(dashboard.url("/events")))
                .header("Accept", "text/event-stream");
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }
}
