package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.report.HealthState;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.Reconcile.Kind;
import dev.driftless.store.Reconcile.Result;
import dev.driftless.store.ResourceChange;
import dev.driftless.store.ServiceImage;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.store.ServiceOutcome.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `driftless history` on a history the test records itself. */
class HistoryCommandTest {

    static final Instant T0 = Instant.parse("2026-11-23T14:00:01.250Z");

    record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @TempDir
    Path temp;

    Path stateDir;

    @BeforeEach
    void recordSomeHistory() {
        stateDir = temp.resolve("agent");
        try (HistoryStore store = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(stateDir))) {
            store.record(new Reconcile(0, Kind.APPLY, "webhook", "3f2a9c1d0e4b5a6978877665544332211aabbccd",
                    "Alice Example <alice@example.org>", "Raise worker_processes\n\nThe new box has 8 cores.",
                    T0, T0.plusMillis(800), Result.SUCCEEDED, null, List.of(
                            new ServiceOutcome("web-1", "nginx", Status.APPLIED, null, List.of(
                                    new ResourceChange("/etc/nginx/nginx.conf", "update", "pending",
                                            "--- /etc/nginx/nginx.conf\n+++ /etc/nginx/nginx.conf\n@@ -1 +1 @@\n"
                                                    + "-worker_processes 2;\n+worker_processes 8;\n"),
                                    new ResourceChange("/etc/nginx/conf.d/site.conf", "create", "pending", null))),
                            new ServiceOutcome("web-1", "notes", Status.APPLIED, null, List.of(
                                    new ResourceChange("/etc/notes/notes.env", "update", "pending",
                                            "(sensitive content changed)"))),
                            new ServiceOutcome("web-2", "nginx", Status.UNCHANGED, null, List.of()))));
            store.record(new Reconcile(0, Kind.DRIFT_CHECK, "schedule", "3f2a9c1d0e4b5a6978877665544332211aabbccd",
                    null, null, T0.plusSeconds(3600), T0.plusSeconds(3600).plusMillis(420), Result.DRIFT_HEALED, null,
                    List.of(new ServiceOutcome("web-2", "nginx", Status.HEALED, null, List.of(
                            new ResourceChange("/etc/nginx/nginx.conf", "update", "drift", "-a\n+b\n"))))));
            store.record(new Reconcile(0, Kind.APPLY, "webhook", "9c1d0e4b5a69", "bob", "Break things",
                    T0.plusSeconds(7200), T0.plusSeconds(7200).plus(Duration.ofSeconds(125)), Result.FAILED,
                    "web-2: handler 'reload nginx' exited 1", List.of(
                            new ServiceOutcome("web-2", "nginx", Status.FAILED, "handler 'reload nginx' exited 1",
                                    List.of(new ResourceChange("/etc/nginx/old.conf", "delete", "pending", null))),
                            new ServiceOutcome("db-1", null, Status.FAILED, "cannot connect to db-1:22", null))));
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new HistoryCommand());
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        commandLine.getCommandSpec().exitCodeOnInvalidInput(1).exitCodeOnExecutionException(1);
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    Run history(String... more) {
        List<String> args = new ArrayList<>(List.of("--state-dir", stateDir.toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    @Test
    void theTextShowsOneBlockPerReconcileNewestFirst() {
        Run run = history();

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).isEqualTo("""
                #3 apply 9c1d0e4b5a69 "Break things" (bob) 2026-11-23 16:00:01Z  failed in 2 min 05 s
                  error: web-2: handler 'reload nginx' exited 1
                  web-2/nginx: failed: handler 'reload nginx' exited 1
                    - /etc/nginx/old.conf  # pending
                  db-1: failed: cannot connect to db-1:22

                #2 drift check 3f2a9c1d0e4b 2026-11-23 15:00:01Z  drift healed in 0.4 s
                  web-2/nginx: healed
                    ~ /etc/nginx/nginx.conf  # drift

                #1 apply 3f2a9c1d0e4b "Raise worker_processes" (Alice Example) 2026-11-23 14:00:01Z  succeeded in 0.8 s
                  web-1/nginx: applied
                    ~ /etc/nginx/nginx.conf  # pending
                    + /etc/nginx/conf.d/site.conf  # pending
                  web-1/notes: applied
                    ~ /etc/notes/notes.env  # pending
                  web-2/nginx: unchanged
                """);
    }

    @Test
    void hostServiceAndLimitNarrowTheHistory() {
        Run web1 = history("--host", "web-1");
        assertThat(web1.exitCode()).as(web1.toString()).isZero();
        assertThat(web1.out()).startsWith("#1 apply").contains("web-1/nginx", "web-1/notes")
                .doesNotContain("web-2", "#2", "#3");

        Run nginx = history("--service", "nginx");
        assertThat(nginx.out()).contains("#3", "#2", "#1", "web-2/nginx: failed", "web-1/nginx: applied")
                .doesNotContain("db-1", "notes");

        Run web2Nginx = history("--host=web-2", "--service=nginx", "--limit=1");
        assertThat(web2Nginx.out()).startsWith("#3 apply").doesNotContain("#2", "#1", "db-1");

        Run latest = history("--limit", "2");
        assertThat(latest.out()).contains("#3", "#2").doesNotContain("#1");
    }

    @Test
    void nothingMatchingIsNotAnError() {
        Run run = history("--host", "web-9", "--service", "nginx");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("No reconcile recorded for host web-9 and service nginx.\n");
    }

    @Test
    void theJsonHasEveryFieldWithDiffs() throws Exception {
        Run run = history("--output", "json", "--host", "web-1", "--diffs");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("formatVersion").asInt()).isEqualTo(1);
        assertThat(json.get("next").isNull()).isTrue();
        assertThat(json.get("reconciles")).hasSize(1);
        JsonNode reconcile = json.get("reconciles").get(0);
        assertThat(reconcile.get("id").asLong()).isEqualTo(1);
        assertThat(reconcile.get("kind").asText()).isEqualTo("apply");
        assertThat(reconcile.get("trigger").asText()).isEqualTo("webhook");
        assertThat(reconcile.get("commit").asText()).isEqualTo("3f2a9c1d0e4b5a6978877665544332211aabbccd");
        assertThat(reconcile.get("author").asText()).isEqualTo("Alice Example <alice@example.org>");
        assertThat(reconcile.get("message").asText()).isEqualTo("Raise worker_processes\n\nThe new box has 8 cores.");
        assertThat(reconcile.get("startedAt").asText()).isEqualTo("2026-11-23T14:00:01.250Z");
        assertThat(reconcile.get("finishedAt").asText()).isEqualTo("2026-11-23T14:00:02.050Z");
        assertThat(reconcile.get("durationSeconds").asDouble()).isEqualTo(0.8);
        assertThat(reconcile.get("result").asText()).isEqualTo("succeeded");
        assertThat(reconcile.get("error").isNull()).isTrue();
        assertThat(reconcile.get("agent").isNull()).isTrue();
        assertThat(reconcile.get("signer").isNull()).as("not verified").isTrue();
        assertThat(reconcile.get("seen").asInt()).isEqualTo(1);
        assertThat(reconcile.get("lastSeenAt").asText()).isEqualTo("2026-11-23T14:00:01.250Z");
        JsonNode services = reconcile.get("services");
        assertThat(services).hasSize(2);
        assertThat(services.get(0).get("host").asText()).isEqualTo("web-1");
        assertThat(services.get(0).get("service").asText()).isEqualTo("nginx");
        assertThat(services.get(0).get("status").asText()).isEqualTo("applied");
        JsonNode change = services.get(0).get("changes").get(0);
        assertThat(change.get("path").asText()).isEqualTo("/etc/nginx/nginx.conf");
        assertThat(change.get("action").asText()).isEqualTo("update");
        assertThat(change.get("cause").asText()).isEqualTo("pending");
        assertThat(change.get("diff").asText()).contains("-worker_processes 2;\n+worker_processes 8;\n");
        assertThat(services.get(0).get("changes").get(1).get("diff").isNull()).isTrue();
        assertThat(services.get(1).get("changes").get(0).get("diff").asText()).isEqualTo("(sensitive content changed)");
    }

    @Test
    void aVerifiedCommitShowsWhoSignedItInTextAndJson() throws Exception {
        String signer = "alice@example.org (ssh SHA256:uVY4Rv0K6tWqPfx3K1x8W3o0e7QbKJZ3Q2N4oU8s9Ko)";
        try (HistoryStore store = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(stateDir))) {
            store.record(new Reconcile(0, Kind.APPLY, "interval", "5a6978877665544332211aabbccd3f2a9c1d0e4b",
                    "Alice Example <alice@example.org>", "Sign everything", T0.plusSeconds(9000),
                    T0.plusSeconds(9000).plusMillis(300), Result.SUCCEEDED, null, List.of(
                            new ServiceOutcome("web-1", "nginx", Status.UNCHANGED, null, List.of())))
                    .withSigner(signer));
        }

        Run text = history("--limit", "2");
        Run json = history("--output", "json", "--limit", "2");

        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.out()).startsWith("""
                #4 apply 5a6978877665 "Sign everything" (Alice Example) 2026-11-23 16:30:01Z  succeeded in 0.3 s
                  signed by alice@example.org (ssh SHA256:uVY4Rv0K6tWqPfx3K1x8W3o0e7QbKJZ3Q2N4oU8s9Ko)
                  web-1/nginx: unchanged

                #3 apply 9c1d0e4b5a69 "Break things" (bob) 2026-11-23 16:00:01Z  failed in 2 min 05 s
                  error: """);
        assertThat(text.out()).containsOnlyOnce("signed by");
        JsonNode reconciles = new ObjectMapper().readTree(json.out()).get("reconciles");
        assertThat(reconciles.get(0).get("signer").asText()).isEqualTo(signer);
        assertThat(reconciles.get(1).get("signer").isNull()).isTrue();
    }

    @Test
    void theJsonOfADriftCheckAndOfNothing() throws Exception {
        JsonNode drift = new ObjectMapper().readTree(history("--output=json", "--limit=1", "--service=nginx",
                "--host=web-2").out()).get("reconciles");
        assertThat(drift).hasSize(1);
        assertThat(drift.get(0).get("result").asText()).isEqualTo("failed");
        JsonNode all = new ObjectMapper().readTree(history("--output=json").out()).get("reconciles");
        assertThat(all.get(1).get("kind").asText()).isEqualTo("drift-check");
        assertThat(all.get(1).get("result").asText()).isEqualTo("drift-healed");
        assertThat(all.get(0).get("services").get(1).get("service").isNull()).isTrue();

        Run none = history("--output=json", "--host=web-9");
        assertThat(none.exitCode()).isZero();
        assertThat(new ObjectMapper().readTree(none.out()).get("reconciles")).isEmpty();
    }

    @Test
    void withoutDiffsTheJsonHasNoDiffText() throws Exception {
        Run run = history("--output", "json", "--host", "web-1");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).doesNotContain("-worker_processes 2", "\"diff\"", "sensitive");
        assertThat(new ObjectMapper().readTree(run.out()).at("/reconciles/0/services/0/changes/0").toString())
                .isEqualTo("{\"path\":\"/etc/nginx/nginx.conf\",\"action\":\"update\",\"cause\":\"pending\"}");
    }

    @Test
    void theCursorOfAPageGivesTheNextOne() throws Exception {
        Run first = history("--limit", "2");
        assertThat(first.out()).contains("#3", "#2").doesNotContain("#1")
                .endsWith("\nOlder reconciles: --cursor 2\n");

        Run second = history("--limit", "2", "--cursor", "2");
        assertThat(second.out()).startsWith("#1 apply").doesNotContain("#2", "#3", "Older reconciles");

        JsonNode json = new ObjectMapper().readTree(history("--output=json", "--limit=1").out());
        assertThat(json.get("next").asText()).isEqualTo("3");
        JsonNode next = new ObjectMapper().readTree(history("--output=json", "--limit=1", "--cursor",
                json.get("next").asText()).out());
        assertThat(next.at("/reconciles/0/id").asLong()).isEqualTo(2);

        Run bad = history("--cursor", "yesterday");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).contains("--cursor 'yesterday' is not a history cursor");
    }

    @Test
    void theAgentFilterShowsOnlyThatAgentsReconciles() {
        try (HistoryStore store = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(stateDir), "edge-agent")) {
            store.record(new Reconcile(0, Kind.APPLY, "poll", "e1e1e1e1e1e1", null, "Edge", T0.plusSeconds(9000),
                    T0.plusSeconds(9001), Result.SUCCEEDED, null, List.of()));
        }

        Run edge = history("--agent", "edge-agent");
        assertThat(edge.exitCode()).as(edge.toString()).isZero();
        assertThat(edge.out()).startsWith("#4 apply e1e1e1e1e1e1 \"Edge\"").doesNotContain("#3", "#1");
        assertThat(history("--agent", "other").out()).isEqualTo("No reconcile recorded for agent other.\n");
        assertThat(history().out()).contains("#4", "#3", "#1");
    }

    @Test
    void anOngoingDriftIsOneBlockSeenNTimes() {
        try (HistoryStore store = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(stateDir), "edge-agent")) {
            for (int check = 0; check < 3; check++) {
                store.record(new Reconcile(0, Kind.DRIFT_CHECK, "drift", "9c1d0e4b5a69", "", "",
                        T0.plusSeconds(9000 + 300 * check), T0.plusSeconds(9000 + 300 * check).plusMillis(200),
                        Result.DRIFT_FOUND, null, List.of(new ServiceOutcome("db-1", "db", Status.DRIFTED, null,
                                List.of(new ResourceChange("/etc/db.conf", "update", "drift", "-a\n+b\n"))))));
            }
        }

        Run run = history("--limit", "1");

        assertThat(run.out()).isEqualTo("""
                #4 drift check 9c1d0e4b5a69 2026-11-23 16:30:01Z  drift found in 0.2 s
                  seen 3 times, first 2026-11-23 16:30:01Z, last 2026-11-23 16:40:01Z
                  db-1/db: drifted
                    ~ /etc/db.conf  # drift

                Older reconciles: --cursor 4
                """);
    }

    @Test
    void theImagesAServicesStackRanAreALineEachInTextAndAnArrayInJson() throws Exception {
        String digest = "127.0.0.1:5000/app@sha256:" + "9f".repeat(32);
        try (HistoryStore store = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(stateDir), "edge-agent")) {
            store.record(new Reconcile(0, Kind.APPLY, "poll", "e1e1e1e1e1e1", null, "Stack", T0.plusSeconds(9000),
                    T0.plusSeconds(9004), Result.SUCCEEDED, null, List.of(new ServiceOutcome("box", "app",
                            Status.APPLIED, null, List.of(new ResourceChange("stack:app", "create", "pending", null)),
                            List.of(), HealthState.HEALTHY, List.of(
                                    new ServiceImage("app", "web", "127.0.0.1:5000/app:latest",
                                            "sha256:0123456789abcdef" + "0".repeat(48), Optional.of(digest)),
                                    new ServiceImage("app", "db", "postgres:15", "sha256:" + "ab".repeat(32),
                                            Optional.empty()),
                                    new ServiceImage("app", "worker", "", "sha256:" + "cd".repeat(32),
                                            Optional.empty()))))));
        }

        Run text = history("--limit", "1");
        Run json = history("--limit", "1", "--output", "json");

        assertThat(text.out()).as(text.toString()).startsWith("""
                #4 apply e1e1e1e1e1e1 "Stack" 2026-11-23 16:30:01Z  succeeded in 4.0 s
                  box/app: applied, healthy
                    + stack:app  # pending
                    image app/web: 127.0.0.1:5000/app@sha256:%s (id 0123456789ab)
                    image app/db: postgres:15 (no repository digest) (id abababababab)
                    image app/worker: an image built on the host (id cdcdcdcdcdcd)
                """.formatted("9f".repeat(32)));
        JsonNode images = new ObjectMapper().readTree(json.out()).at("/reconciles/0/services/0/images");
        assertThat(images.get(0).toString()).isEqualTo("{\"stack\":\"app\",\"composeService\":\"web\","
                + "\"reference\":\"127.0.0.1:5000/app:latest\",\"id\":\"sha256:0123456789abcdef" + "0".repeat(48)
                + "\",\"digest\":\"" + digest + "\"}");
        assertThat(images.get(1).get("digest").isNull()).isTrue();
        assertThat(images.get(2).get("reference").asText()).isEmpty();
        JsonNode older = new ObjectMapper().readTree(history("--output", "json", "--limit", "2", "--cursor", "4")
                .out()).at("/reconciles/0/services/0/images");
        assertThat(older.isArray()).as("a service without a stack").isTrue();
        assertThat(older).isEmpty();
    }

    @Test
    void aStateDirectoryWithoutHistorySaysSoAndCreatesNothing() {
        Path empty = temp.resolve("nothing/here");

        Run run = run("--state-dir", empty.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("Error: no history yet at " + empty.resolve("history.db") + ": ")
                .contains("--state-dir", "--store");
        assertThat(temp.resolve("nothing")).doesNotExist();
    }

    @Test
    void storeReadsTheDatabaseItNames() {
        Run run = run("--store", "jdbc:sqlite:" + stateDir.resolve("history.db"), "--limit", "1");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith("#3 apply 9c1d0e4b5a69");
    }

    @Test
    void aStoreThatCannotBeReachedIsAClearErrorWithoutThePassword() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }

        Run run = run("--store", "jdbc:postgresql://127.0.0.1:" + port + "/driftless?user=agent&password=Top-S3cret");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("Error: cannot open the history database jdbc:postgresql://127.0.0.1:" + port
                + "/driftless?user=agent&password=***: ").doesNotContain("Top-S3cret");
    }

    @Test
    void badCombinationsAreErrors() {
        Run both = history("--store", "jdbc:sqlite:/tmp/x.db");
        assertThat(both.exitCode()).isEqualTo(1);
        assertThat(both.err()).contains("--state-dir or --store, not both");

        Run zero = history("--limit", "0");
        assertThat(zero.exitCode()).isEqualTo(1);
        assertThat(zero.err()).contains("--limit must be at least 1");

        Run yaml = history("--output", "yaml");
        assertThat(yaml.exitCode()).isEqualTo(1);
        assertThat(yaml.err()).contains("expected one of [text, json]");

        Run mysql = run("--store", "jdbc:mysql://db/history");
        assertThat(mysql.exitCode()).isEqualTo(1);
        assertThat(mysql.err()).contains("unsupported history store URL");
    }

    @Test
    void theHelpExplainsEveryOptionAndTheExitCodes() {
        Run help = run("--help");

        assertThat(help.exitCode()).isZero();
        for (String option : List.of("--state-dir", "--store", "--host", "--service", "--agent", "--limit",
                "--cursor", "--diffs", "--output")) {
            assertThat(help.out()).containsPattern(option + "[=\\s]");
        }
        assertThat(help.out()).contains("Exit codes:", "/var/lib/driftless/agent",
                "jdbc:postgresql://HOST:PORT/DB?user=NAME", "jdbc:sqlite:/path/to/history.db");
    }

    @Test
    void durationsReadWell() {
        assertThat(HistoryCommand.duration(Duration.ofMillis(812))).isEqualTo("0.8 s");
        assertThat(HistoryCommand.duration(Duration.ofMillis(42_049))).isEqualTo("42.0 s");
        assertThat(HistoryCommand.duration(Duration.ofSeconds(185))).isEqualTo("3 min 05 s");
        assertThat(HistoryCommand.duration(Duration.ofSeconds(3720))).isEqualTo("1 h 02 min");
        assertThat(HistoryCommand.duration(Duration.ofSeconds(-3))).isEqualTo("0.0 s");
    }
}
