package dev.driftless.web;

import dev.driftless.agent.AgentMetrics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.cli.HistoryCommand;
import dev.driftless.report.HealthState;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ResourceChange;
import dev.driftless.store.ServiceImage;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.store.StoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code GET /api/history} on a real history database: diffs only when asked, streamed, and a bounded number at once. */
class HistoryApiTest {

    private static final String TOKEN = "history-token-0123456789";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-23T14:00:01.250Z");

    @TempDir
    Path temp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    /** A store with {@code count} applies of {@code files} files each, every change with a diff of ~4 KiB. */
    private HistoryStore storeWithBigDiffs(int count, int files) {
        HistoryStore store = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(temp.resolve("state")));
        opened.add(store);
        for (int r = 0; r < count; r++) {
            List<ResourceChange> changes = new ArrayList<>();
            for (int f = 0; f < files; f++) {
                String path = "/etc/bench/svc-" + f / 10 + "/file-" + f % 10 + ".conf";
                changes.add(new ResourceChange(path, "update", "pending", diff(path, r)));
            }
            store.record(new Reconcile(0, Reconcile.Kind.APPLY, "webhook:generic", "c" + r, "Alice <alice@example.org>",
                    "change " + r, T0.plusSeconds(r), T0.plusSeconds(r).plusMillis(800), Reconcile.Result.SUCCEEDED,
                    null, List.of(new ServiceOutcome("bench", "svc", ServiceOutcome.Status.APPLIED, null, changes))));
        }
        return store;
    }

    private static String diff(String path, int round) {
        return "--- " + path + "\n+++ " + path + "\n@@ -1,64 +1,64 @@\n"
                + ("-worker_processes " + round + "; # the old line of round " + round + "\n").repeat(64);
    }

    private AgentServer serve(HistorySource history) {
        AgentServer server = AgentServer.start("127.0.0.1:0", WebTestAgent.inSync(), new AgentMetrics(), history,
                Optional.empty(), Optional.of(TOKEN));
        opened.add(server);
        return server;
    }

    @Test
    void withoutDiffsEveryChangeHasItsPathActionAndCauseButNoDiffText() throws Exception {
        AgentServer server = serve(HistorySource.of(storeWithBigDiffs(3, 50)));

        HttpResponse<String> response = get(server, "/api/history?limit=1000");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).doesNotContain("worker_processes", "\"diff\"");
        JsonNode page = JSON.readTree(response.body());
        assertThat(page.get("formatVersion").asInt()).isEqualTo(1);
        assertThat(page.get("reconciles")).hasSize(3);
        assertThat(page.get("next").isNull()).isTrue();
        assertThat(page.at("/reconciles/0/commit").asText()).isEqualTo("c2");
        assertThat(page.at("/reconciles/0/services/0/changes")).hasSize(50);
        assertThat(page.at("/reconciles/0/services/0/changes/7").toString())
                .isEqualTo("{\"path\":\"/etc/bench/svc-0/file-7.conf\",\"action\":\"update\",\"cause\":\"pending\"}");
    }

    @Test
    void withDiffsTrueEveryDiffIsThere() throws Exception {
        AgentServer server = serve(HistorySource.of(storeWithBigDiffs(3, 50)));

        HttpResponse<String> response = get(server, "/api/history?diffs=true&limit=2");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode page = JSON.readTree(response.body());
        assertThat(page.at("/reconciles/1/services/0/changes/49/diff").asText())
                .isEqualTo(diff("/etc/bench/svc-4/file-9.conf", 1));
    }

    @Test
    void theApiServesExactlyWhatHistoryOutputJsonPrintsForTheSameQuery() throws Exception {
        HistoryStore store = storeWithBigDiffs(3, 2);
        Reconcile drift = new Reconcile(0, Reconcile.Kind.DRIFT_CHECK, "drift", "c2", "", "", T0.plusSeconds(60),
                T0.plusSeconds(61), Reconcile.Result.DRIFT_FOUND, null, List.of(new ServiceOutcome("bench", "svc",
                        ServiceOutcome.Status.DRIFTED, null, List.of(new ResourceChange("/etc/x", "update", "drift",
                                "-a\n+b\n")))));
        store.record(drift);
        store.record(new Reconcile(0, drift.kind(), drift.trigger(), drift.commit(), "", "", T0.plusSeconds(360),
                T0.plusSeconds(361), drift.result(), null, drift.services()));
        // a verified commit, older than the drift: both must show its signer alike
        store.record(new Reconcile(0, Reconcile.Kind.APPLY, "poll", "c-signed", "Alice", "signed", T0.plusSeconds(30),
                T0.plusSeconds(31), Reconcile.Result.NO_CHANGES, null, List.of(new ServiceOutcome("bench", "svc",
                        ServiceOutcome.Status.UNCHANGED, null, List.of()))).withSigner("alice@example.org (ssh SHA256:x)"));
        AgentServer server = serve(HistorySource.of(store));

        for (List<String> query : List.of(List.<String>of(), List.of("diffs=true"), List.of("limit=2"),
                List.of("limit=1", "cursor=2", "host=bench", "service=svc", "diffs=true"), List.of("agent=nobody"))) {
            List<String> args = new ArrayList<>(List.of("--state-dir", temp.resolve("state").toString(),
                    "--output", "json"));
            for (String parameter : query) {
                String[] pair = parameter.split("=");
                args.add(pair[0].equals("diffs") ? "--diffs" : "--" + pair[0] + "=" + pair[1]);
            }
            StringWriter out = new StringWriter();
            CommandLine cli = new CommandLine(new HistoryCommand()).setOut(new PrintWriter(out));
            assertThat(cli.execute(args.toArray(String[]::new))).isZero();

            HttpResponse<String> response = get(server, "/api/history?" + String.join("&", query));

            assertThat(response.body()).as(String.join("&", query)).isEqualTo(out.toString());
        }
        JsonNode collapsed = JSON.readTree(get(server, "/api/history?limit=1").body());
        assertThat(collapsed.at("/reconciles/0/seen").asInt()).isEqualTo(2);
        assertThat(collapsed.at("/reconciles/0/startedAt").asText()).isEqualTo("2026-11-23T14:01:01.250Z");
        assertThat(collapsed.at("/reconciles/0/lastSeenAt").asText()).isEqualTo("2026-11-23T14:06:01.250Z");
        assertThat(collapsed.at("/next").asText()).as("the cursor is the last id of the page").isEqualTo("4");
        JsonNode signed = JSON.readTree(get(server, "/api/history?limit=2").body());
        assertThat(signed.at("/reconciles/1/commit").asText()).isEqualTo("c-signed");
        assertThat(signed.at("/reconciles/1/signer").asText()).isEqualTo("alice@example.org (ssh SHA256:x)");
        assertThat(signed.at("/reconciles/0/signer").isNull()).isTrue();
    }

    @Test
    void theImagesOfAServicesStackAreServedAsHistoryOutputJsonPrintsThem() throws Exception {
        HistoryStore store = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(temp.resolve("state")));
        opened.add(store);
        String digest = "127.0.0.1:5000/app@sha256:" + "9f".repeat(32);
        store.record(new Reconcile(0, Reconcile.Kind.APPLY, "poll", "c1", null, null, T0, T0.plusSeconds(4),
                Reconcile.Result.SUCCEEDED, null, List.of(new ServiceOutcome("box", "app",
                        ServiceOutcome.Status.APPLIED, null, List.of(), List.of(), HealthState.HEALTHY, List.of(
                                new ServiceImage("app", "web", "127.0.0.1:5000/app:latest", "sha256:" + "01".repeat(32),
                                        Optional.of(digest)))))));
        AgentServer server = serve(HistorySource.of(store));
        StringWriter out = new StringWriter();
        assertThat(new CommandLine(new HistoryCommand()).setOut(new PrintWriter(out))
                .execute("--state-dir", temp.resolve("state").toString(), "--output", "json")).isZero();

        HttpResponse<String> response = get(server, "/api/history");

        assertThat(response.body()).isEqualTo(out.toString());
        assertThat(JSON.readTree(response.body()).at("/reconciles/0/services/0/images/0/digest").asText())
                .isEqualTo(digest);
    }

    @Test
    void aCursorGivesTheNextPageAndTheAgentFilterKeepsOneAgentsReconciles() throws Exception {
        String url = JdbcHistoryStore.defaultUrl(temp.resolve("state"));
        HistoryStore a = JdbcHistoryStore.open(url, "agent-a");
        HistoryStore b = JdbcHistoryStore.open(url, "agent-b");
        opened.add(a);
        opened.add(b);
        for (int i = 0; i < 5; i++) {
            (i % 2 == 0 ? a : b).record(new Reconcile(0, Reconcile.Kind.APPLY, "poll", "c" + i, null, null,
                    T0.plusSeconds(i), T0.plusSeconds(i), Reconcile.Result.SUCCEEDED, null, List.of()));
        }
        AgentServer server = serve(HistorySource.of(a));
        List<String> commits = new ArrayList<>();

        JsonNode page = JSON.readTree(get(server, "/api/history?agent=agent-a&limit=2").body());
        page.get("reconciles").forEach(r -> commits.add(r.get("commit").asText() + "@" + r.get("agent").asText()));
        JsonNode last = JSON.readTree(get(server, "/api/history?agent=agent-a&limit=2&cursor="
                + page.get("next").asText()).body());
        last.get("reconciles").forEach(r -> commits.add(r.get("commit").asText() + "@" + r.get("agent").asText()));

        assertThat(commits).containsExactly("c4@agent-a", "c2@agent-a", "c0@agent-a");
        assertThat(last.get("next").isNull()).isTrue();
        assertThat(get(server, "/api/history?cursor=abc").statusCode()).isEqualTo(400);
    }

    @Test
    void onePageMoreThanTheLimitAtOnceIs503AndTheOthersComplete() throws Exception {
        int pages = HttpLimits.DEFAULTS.historyPages();
        CountDownLatch inside = new CountDownLatch(pages);
        CountDownLatch goOn = new CountDownLatch(1);
        AgentServer server = serve((query, rows) -> {
            inside.countDown();
            try {
                assertThat(goOn.await(30, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            rows.reconcile(new Reconcile(1, Reconcile.Kind.APPLY, null, "c1", null, null, T0, T0,
                    Reconcile.Result.SUCCEEDED, null, List.of()));
        });
        List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
        for (int i = 0; i < pages; i++) {
            slow.add(http.sendAsync(request(server, "/api/history"), HttpResponse.BodyHandlers.ofString()));
        }
        assertThat(inside.await(20, TimeUnit.SECONDS)).isTrue();

        HttpResponse<String> oneMore = get(server, "/api/history");
        goOn.countDown();

        assertThat(oneMore.statusCode()).isEqualTo(503);
        assertThat(oneMore.headers().firstValue("Retry-After")).contains("5");
        assertThat(oneMore.body()).contains("sending " + pages + " history pages already");
        for (CompletableFuture<HttpResponse<String>> page : slow) {
            assertThat(page.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(get(server, "/api/history").statusCode()).isEqualTo(200);
    }

    @Test
    void aStoreThatCannotBeReadIs503AndOneThatFailsPartWayCutsTheConnection() throws Exception {
        AgentServer unreadable = serve((query, rows) -> {
            throw new StoreException("history database jdbc:sqlite:/x: cannot read the history: disk I/O error");
        });
        AgentServer failing = serve((query, rows) -> {
            rows.reconcile(new Reconcile(1, Reconcile.Kind.APPLY, null, "c1", null, null, T0, T0,
                    Reconcile.Result.SUCCEEDED, null, List.of()));
            throw new StoreException("history database jdbc:sqlite:/x: cannot read the history: disk I/O error");
        });

        HttpResponse<String> refused = get(unreadable, "/api/history");

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("disk I/O error");
        // a page cut short must not look complete
        assertThatThrownBy(() -> get(failing, "/api/history")).isInstanceOf(IOException.class);
    }

    private HttpRequest request(AgentServer server, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(20)).build();
    }

    private HttpResponse<String> get(AgentServer server, String path) throws Exception {
        return http.send(request(server, path), HttpResponse.BodyHandlers.ofString());
    }
}
