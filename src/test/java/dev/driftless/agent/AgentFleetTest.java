package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.driftless.store.FleetMember;
import dev.driftless.store.HistoryPostgres;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.testing.CapturedLogs;
import dev.driftless.testing.Processes;
import dev.driftless.testing.TestRepo;
import dev.driftless.web.AgentServer;
import dev.driftless.web.HistorySource;
import dev.driftless.web.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet in one page: agents sharing one PostgreSQL history each publish their status there, and each serves
 * every one of them on {@code /api/fleet}; one that stops goes stale; a store that goes down holds up no reconcile.
 */
class AgentFleetTest {

    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    private static HistoryPostgres postgres;

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = HistoryPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void agentsSharingOnePostgresqlEachShowBothWithTheirHosts() throws Exception {
        TestRepo repo = twoHostRepo();
        String store = postgres.newDatabase();
        try {
            Running edge = startAgent("edge-1", "web-1", repo, store, "--advertise-url", "https://edge-1.example:9090/");
            Running core = startAgent("core-1", "db-1", repo, store);

            for (Running asked : List.of(edge, core)) {
                JsonNode fleet = await(() -> fleet(asked), f -> agentsWithHosts(f) == 2);
                assertThat(fleet.get("formatVersion").asInt()).isEqualTo(1);
                assertThat(fleet.get("agent").asText()).isEqualTo(asked.name);
                assertThat(fleet.get("storeError").isNull()).isTrue();
                JsonNode agents = fleet.get("agents");
                assertThat(agents).extracting(a -> a.get("agent").asText()).containsExactly("core-1", "edge-1");
                JsonNode coreSeen = agents.get(0);
                JsonNode edgeSeen = agents.get(1);
                assertThat(hostsOf(coreSeen)).containsExactly("db-1");
                assertThat(hostsOf(edgeSeen)).containsExactly("web-1");
                assertThat(edgeSeen.get("status").get("hosts").get(0).get("services").get(0).get("service").asText())
                        .isEqualTo("web");
                assertThat(edgeSeen.get("advertisedUrl").asText()).isEqualTo("https://edge-1.example:9090");
                assertThat(coreSeen.get("advertisedUrl").isNull()).as("no --advertise-url: read-only elsewhere").isTrue();
                assertThat(coreSeen.get("self").asBoolean()).isEqualTo(asked == core);
                assertThat(edgeSeen.get("self").asBoolean()).isEqualTo(asked == edge);
                for (JsonNode agent : agents) {
                    assertThat(agent.get("stale").asBoolean()).isFalse();
                    assertThat(agent.get("lastSeen").asText()).isNotEmpty();
                    assertThat(agent.get("heartbeatSeconds").asDouble()).isEqualTo(1.0);
                }
            }
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    @Test
    void anAgentStoppedGoesStaleAfterItsHeartbeatsStop() throws Exception {
        TestRepo repo = twoHostRepo();
        String store = postgres.newDatabase();
        try (HistoryStore reader = JdbcHistoryStore.open(store)) {
            Running core = startAgent("core-1", "db-1", repo, store);
            FleetMember seen = await(() -> reader.members().get(0), m -> m.status().contains("db-1"));
            assertThat(seen.stale()).isFalse();

            core.process.destroy(); // SIGTERM
            assertThat(core.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            FleetMember stale = await(() -> reader.members().get(0), FleetMember::stale);

            assertThat(stale.agent()).isEqualTo("core-1");
            assertThat(stale.status()).as("its last status stays, marked stale").contains("db-1");
            assertThat(Duration.between(stale.lastSeen(), stale.readAt())).isGreaterThan(Duration.ofSeconds(3));
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    @Test
    void withTheDefaultSqliteStoreTheFleetIsThisAgentAlone() throws Exception {
        TestRepo repo = twoHostRepo();
        Path stateDir = tmp.resolve("state");
        AgentSettings settings = AgentFixture.settings("file://" + repo.dir(), tmp);
        try (HistoryStore history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(stateDir), "test-agent")) {
            Agent agent = new Agent(settings, history, new AgentMetrics(), e -> { }, Clock.systemUTC());
            try (FleetBeacon beacon = FleetBeacon.start(history, () -> Json.write(agent.status()), Optional.empty(),
                    Duration.ofSeconds(30));
                    AgentServer server = AgentServer.start("127.0.0.1:0", agent, new AgentMetrics(),
                            HistorySource.of(history), Optional.empty(), Optional.of("a-control-token-of-this-test"));
                    AgentFixture.Loop loop = new AgentFixture.Loop(agent)) {
                agent.onChange(beacon::changed);
                assertThat(loop.await("fetch", 60)).isTrue();

                JsonNode fleet = await(() -> get(server.port(), "a-control-token-of-this-test"),
                        f -> !f.get("agents").get(0).get("lastSeen").isNull());

                assertThat(fleet.get("storeError").isNull()).isTrue();
                assertThat(fleet.get("agents")).singleElement().satisfies(self -> {
                    assertThat(self.get("agent").asText()).isEqualTo("test-agent");
                    assertThat(self.get("self").asBoolean()).isTrue();
                    assertThat(self.get("stale").asBoolean()).isFalse();
                    assertThat(hostsOf(self)).containsExactly("db-1", "web-1");
                });
            }
        }
    }

    @Test
    void aStoreThatGoesDownAndComesBackDoesNotStopReconciles() throws Exception {
        TestRepo repo = twoHostRepo();
        String store = postgres.newDatabase();
        AgentSettings settings = AgentFixture.with(AgentFixture.settings("file://" + repo.dir(), tmp), "edge-1",
                false, false);
        Path webConf = tmp.resolve("root/web-1/etc/web.conf"); // each host of several under its own folder
        try (CapturedLogs logs = CapturedLogs.start();
                HistoryStore history = JdbcHistoryStore.open(store, "edge-1");
                HistoryStore reader = JdbcHistoryStore.open(store)) {
            Agent agent = new Agent(settings, history, new AgentMetrics(), e -> { }, Clock.systemUTC());
            try (FleetBeacon beacon = FleetBeacon.start(history, () -> Json.write(agent.status()), Optional.empty(),
                    Duration.ofMillis(200));
                    AgentFixture.Loop loop = new AgentFixture.Loop(agent)) {
                agent.onChange(beacon::changed);
                assertThat(loop.await("fetch", 60)).isTrue();
                assertThat(webConf).hasContent("v1");

                postgres.halt();
                await(logs::lines, lines -> lines.stream().anyMatch(l -> l.startsWith("WARN cannot publish")));
                repo.write("services/web/service.yaml", webService("v2"));
                String v2 = repo.commit("v2");
                agent.requestReconcile("test");
                String during = loop.next();
                assertThat(webConf).as("v2 applied while the database was down").hasContent("v2");
                assertThat(agent.historyProblem()).as("and the agent says it is down").isPresent();
                postgres.restart();
                repo.write("services/web/service.yaml", webService("v3"));
                String v3 = repo.commit("v3");
                agent.requestReconcile("test");

                assertThat(during).as("the loop carried on while the store was down").isNotNull();
                assertThat(loop.await("fetch", 120)).isTrue();
                assertThat(webConf).hasContent("v3");
                FleetMember seen = await(() -> reader.members().get(0), m -> m.status().contains(v3));
                assertThat(seen.stale()).isFalse();
                // the reconciles of the outage are recorded once the database answers, at the agent's next try
                await(() -> reader.history(dev.driftless.store.HistoryQuery.latest(20)),
                        reconciles -> reconciles.stream().anyMatch(r -> r.commit().equals(v2)));
                await(agent::historyProblem, Optional::isEmpty);
                assertThat(logs.lines()).filteredOn(l -> !l.startsWith("DEBUG") && l.contains("agent's status to the fleet"))
                        .as("the outage is logged once, and its end once").hasSize(2)
                        .last().asString().startsWith("INFO published this agent's status to the fleet again");
            }
        }
    }

    // ---- fixtures ---------------------------------------------------------------------------------------------

    /** A running {@code driftless agent} process and what the test needs to ask its API. */
    private record Running(String name, Process process, int port, String token) {
    }

    private Running startAgent(String name, String host, TestRepo repo, String store, String... extra) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Path log = dir.resolve("agent.log");
        List<String> args = new ArrayList<>(List.of("agent", "--repo", "file://" + repo.dir(), "--host", host,
                "--state-dir", dir.resolve("state").toString(), "--root", dir.resolve("root").toString(),
                "--store", store, "--agent-id", name, "--heartbeat", "1s", "--listen", "127.0.0.1:0",
                "--interval", "1h", "--drift-interval", "1h"));
        args.addAll(List.of(extra));
        Process process = Processes.start(Processes.driftless(tmp, args.toArray(String[]::new))
                .redirectErrorStream(true).redirectOutput(log.toFile()));
        processes.add(process);
        Matcher listening = await(() -> LISTENING.matcher(read(log)), Matcher::find);
        int port = Integer.parseInt(listening.group(1));
        return new Running(name, process, port, Files.readString(dir.resolve("state/api-token")).strip());
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private JsonNode fleet(Running agent) {
        return get(agent.port, agent.token);
    }

    private JsonNode get(int port, String token) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/fleet")).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return Json.mapper().readTree(response.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int agentsWithHosts(JsonNode fleet) {
        int count = 0;
        for (JsonNode agent : fleet.get("agents")) {
            if (agent.get("status").get("hosts").size() > 0) {
                count++;
            }
        }
        return count;
    }

    private static List<String> hostsOf(JsonNode agent) {
        List<String> hosts = new ArrayList<>();
        agent.get("status").get("hosts").forEach(h -> hosts.add(h.get("host").asText()));
        return hosts;
    }

    /**
     * Asks {@code read} again (at a polling pace) until its answer passes {@code until}, for up to a minute. A read
     * that fails because the database is not back yet (the reader's pooled connection broken by its restart) counts
     * as an answer that does not pass.
     */
    private static <T> T await(Supplier<T> read, Predicate<T> until) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Object last = null;
        while (true) {
            try {
                T value = read.get();
                if (until.test(value)) {
                    return value;
                }
                last = value;
            } catch (dev.driftless.store.StoreException e) {
                last = e;
            }
            assertThat(System.nanoTime()).as("waited a minute; last seen: " + last).isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private TestRepo twoHostRepo() {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  web-1:\n    address: local\n  db-1:\n    address: local\n");
        repo.write("services/web/service.yaml", webService("v1"));
        repo.write("services/db/service.yaml", "hosts: [db-1]\nfiles:\n  - path: /etc/db.conf\n    content: \"db\"\n");
        repo.commit("v1");
        return repo;
    }

    private static String webService(String content) {
        return "hosts: [web-1]\nfiles:\n  - path: /etc/web.conf\n    content: \"" + content + "\"\n";
    }
}
