package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.store.HistoryQuery;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.testing.TestRepo;
import dev.driftless.agent.AgentMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A heal applies only the services that drifted, of the commit the host's state records as applied in
 * full: the state stays a complete record of that commit, so later drift checks still answer from it
 * (without rendering the repository or reading files whose stat is known).
 */
class DriftHealRecordTest {

    @TempDir
    Path tmp;

    @Test
    void aHealLeavesTheStateACompleteRecordOfTheCommitWhileAnAlertServiceStaysDrifted() throws Exception {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", """
                hosts: [box]
                files:
                  - path: /etc/web.conf
                    content: "port 80\\n"
                """);
        repo.write("services/db/service.yaml", """
                hosts: [box]
                drift: alert
                files:
                  - path: /etc/db.conf
                    content: "shared_buffers 1GB\\n"
                """);
        String commit = repo.commit("web and db");
        Path root = tmp.resolve("root");
        Path stateFile = root.resolve("var/lib/driftless/state/box.json");
        try (HistoryStore history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent")) {
            Agent agent = new Agent(AgentFixture.settings("file://" + repo.dir(), tmp), history, new AgentMetrics(),
                    e -> { }, Clock.systemUTC());
            agent.reconcileOnce("start");
            JsonNode applied = new ObjectMapper().readTree(stateFile.toFile());
            Files.writeString(root.resolve("etc/web.conf"), "port 81\n");
            Files.writeString(root.resolve("etc/db.conf"), "shared_buffers 2GB\n");

            agent.checkDriftOnce();

            assertThat(root.resolve("etc/web.conf")).as("healed").hasContent("port 80\n");
            assertThat(root.resolve("etc/db.conf")).as("only reported").hasContent("shared_buffers 2GB\n");
            assertThat(history.history(HistoryQuery.latest(1)).get(0).services())
                    .extracting(ServiceOutcome::service, ServiceOutcome::status)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("web", ServiceOutcome.Status.HEALED),
                            org.assertj.core.groups.Tuple.tuple("db", ServiceOutcome.Status.DRIFTED));
            JsonNode healed = new ObjectMapper().readTree(stateFile.toFile());
            assertThat(healed.get("revision").asText()).isEqualTo(commit);
            assertThat(healed.get("complete").asBoolean()).as("the state after the heal: %s", healed).isTrue();
            assertThat(healed.at("/resources/~1etc~1db.conf/sha256"))
                    .as("the alert service's record is the commit's, not the hand edit's")
                    .isEqualTo(applied.at("/resources/~1etc~1db.conf/sha256"));

            agent.checkDriftOnce();
            Reconcile next = history.history(HistoryQuery.latest(1)).get(0);
            assertThat(next.services()).extracting(ServiceOutcome::service).containsExactly("db");
        }
    }
}
