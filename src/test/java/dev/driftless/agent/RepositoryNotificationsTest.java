package dev.driftless.agent;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.driftless.engine.Selection;
import dev.driftless.engine.Workspace;
import dev.driftless.host.SshSettings;
import dev.driftless.notify.Event;
import dev.driftless.render.RenderLimits;
import dev.driftless.secrets.AgeKeyring;
import dev.driftless.source.RepoSource;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.testing.CapturedLogs;
import dev.driftless.testing.TestRepo;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The notifications of each commit the agent opens, taken from the validated inventory. */
@Timeout(60)
class RepositoryNotificationsTest {

    static final String COMMIT = "1111111111111111111111111111111111111111";
    static final Duration DRAIN = Duration.ofSeconds(20);

    @TempDir
    Path temp;

    WireMockServer server;
    TestRepo repo;
    HistoryStore history;
    final Clock clock = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);

    @BeforeEach
    void start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        server.stubFor(post(urlEqualTo("/")).willReturn(ok()));
        repo = TestRepo.init(temp.resolve("repo"));
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(temp.resolve("state")), "test-agent");
    }

    @AfterEach
    void stop() {
        repo.close();
        history.close();
        server.stop();
    }

    /** Commits driftless.yaml and opens the commit as the agent does. */
    Workspace commit(String driftlessYaml) {
        repo.write("driftless.yaml", driftlessYaml).commit("notifications");
        Selection selection = new Selection(new RepoSource.Request(repo.dir().toString(), Optional.empty(),
                Optional.empty(), RepoSource.ReadFrom.COMMIT), List.of(), List.of(), Optional.empty(),
                new SshSettings(Optional.empty(), temp.resolve("known_hosts"), false, Duration.ofSeconds(5),
                        Optional.empty()), AgeKeyring.fromEnvironment(Optional.empty()), RenderLimits.DEFAULT, List.of());
        return Workspace.open(selection, new RepoSource(temp.resolve("cache")));
    }

    String phone(String extra) {
        return "notifications:\n  phone:\n    ntfy: { url: \"http://127.0.0.1:" + server.port() + "/\", topic: alerts }\n"
                + extra;
    }

    int sent() {
        return server.findAll(postRequestedFor(urlEqualTo("/"))).size();
    }

    @Test
    void aChangedEntryDoesNotSendAnOngoingProblemAgain() {
        try (RepositoryNotifications notifications = new RepositoryNotifications("test-agent", clock, history)) {
            try (Workspace first = commit("hosts:\n  web-1:\n    address: local\n" + phone("    repeat: 4h\n"))) {
                notifications.update(first);
            }
            notifications.accept(new Event(Event.Kind.FAILED, "web-1", "nginx", COMMIT, "exit 1", clock.instant()));
            assertThat(notifications.drain(DRAIN)).isTrue();
            assertThat(sent()).isEqualTo(1);

            // another host above moves every line, and the entry repeats less often: the problem is not news
            try (Workspace second = commit("hosts:\n  web-1:\n    address: local\n  web-2:\n    address: local\n"
                    + phone("    repeat: 8h\n"))) {
                notifications.update(second);
            }
            notifications.accept(new Event(Event.Kind.FAILED, "web-1", "nginx", COMMIT, "exit 1", clock.instant()));
            assertThat(notifications.drain(DRAIN)).isTrue();
            assertThat(sent()).isEqualTo(1);
        }
    }

    @Test
    void aVariableThatIsNotSetKeepsThePreviousSettingsAndIsLoggedAtItsLine() {
        try (RepositoryNotifications notifications = new RepositoryNotifications("test-agent", clock, history);
             CapturedLogs logs = CapturedLogs.start()) {
            try (Workspace first = commit("hosts:\n  web-1:\n    address: local\n" + phone(""))) {
                notifications.update(first);
            }
            try (Workspace second = commit("hosts:\n  web-1:\n    address: local\n" + phone("")
                    + "  pager:\n    ntfy:\n      topic: pager\n      token: { env: DRIFTLESS_TEST_UNSET_VARIABLE }\n")) {
                notifications.update(second);
            }

            assertThat(logs.lines()).anySatisfy(line -> assertThat(line).startsWith("WARN notifications of ")
                    .endsWith("not used (the previous ones are): driftless.yaml:10: notifications.pager.ntfy.token:"
                            + " environment variable DRIFTLESS_TEST_UNSET_VARIABLE is not set"));
            notifications.accept(new Event(Event.Kind.FAILED, "web-1", "nginx", COMMIT, "exit 1", clock.instant()));
            assertThat(notifications.drain(DRAIN)).isTrue();
            assertThat(sent()).isEqualTo(1);
        }
    }
}
