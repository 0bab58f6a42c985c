package dev.driftless.compose;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.Cli;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.Images.Spec;
import dev.driftless.testing.TestRepo;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's history keeps the image ID and repository digest each compose service ran when it found the host
 * healthy: through the real command line ({@code agent --once}, then {@code history}), on a real dockerd with images
 * pushed to a real registry on 127.0.0.1, so that {@code :latest} really moves.
 */
class StackImageHistoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private EngineHost box;

    @AfterEach
    void stop() throws Exception {
        if (box != null) {
            box.close();
        }
    }

    @Test
    void eachEntryShowsTheImageIdAndDigestEveryServiceRanAndARollbackShowsThePinnedDigest() throws Exception {
        box = EngineHost.start(temp);
        TestRepo repo = box.repo();
        Image good = box.images().push("web", "latest", Spec.busybox().withHealthcheck("true"));
        Image db = box.images().push("db", "1", Spec.busybox());
        StackApp.checked(repo, box.name(), temp.resolve("srv/app"), "");
        repo.write("services/app/compose.yaml", compose(good, "", db));
        String a = repo.commit("web on web:latest, db on db:1");

        Cli.Result first = once();

        assertThat(first.exitCode()).as(first.toString()).isZero();
        JsonNode applied = newest();
        assertThat(applied.path("commit").asText()).isEqualTo(a);
        JsonNode app = applied.at("/services/0");
        assertThat(app.path("service").asText()).isEqualTo("app");
        assertThat(app.path("images")).extracting(i -> i.path("composeService").asText())
                .containsExactly("web", "db");
        for (JsonNode image : app.path("images")) {
            String container = "app_" + image.path("composeService").asText() + "_1";
            assertThat(image.path("stack").asText()).isEqualTo("app");
            assertThat(image.path("id").asText()).as(container).isEqualTo(imageOf(container));
            assertThat(repoDigests(image.path("id").asText())).as(container).contains(image.path("digest").asText());
        }
        assertThat(app.at("/images/0/reference").asText()).isEqualTo(good.reference());
        assertThat(app.at("/images/0/digest").asText()).isEqualTo(good.pinned());
        assertThat(app.at("/images/1/digest").asText()).isEqualTo(db.pinned());
        Cli.Result text = Cli.run("history", "--state-dir", temp.resolve("state").toString(), "--limit", "1");
        assertThat(text.out()).as(text.toString()).contains("  " + box.name() + "/app: applied, healthy\n",
                "    image app/web: " + good.pinned() + " (id " + good.id().substring(7, 19) + ")\n",
                "    image app/db: " + db.pinned() + " (id " + db.id().substring(7, 19) + ")\n");

        // a container removed by hand is healed: the drift check's entry has what the healed stack runs
        box.engine().docker("rm", "-f", "app_web_1").orThrow();
        Cli.Result heal = once();
        assertThat(heal.exitCode()).as(heal.toString()).isZero();
        JsonNode healed = newest();
        assertThat(healed.path("kind").asText()).isEqualTo("drift-check");
        assertThat(healed.at("/services/0/status").asText()).isEqualTo("healed");
        assertThat(healed.at("/services/0/images/0/id").asText()).isEqualTo(imageOf("app_web_1"))
                .isEqualTo(good.id());

        // :latest moves to an image whose healthcheck fails, and the next commit recreates web from it
        Image bad = box.images().push("web", "latest", Spec.busybox().withFile("/release", "2\n")
                .withHealthcheck("false"));
        repo.write("services/app/compose.yaml", compose(good, "    environment:\n      RELEASE: \"2\"\n", db));
        String b = repo.commit("web: release 2");

        Cli.Result failed = once();

        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
        JsonNode rolledBack = newest();
        assertThat(rolledBack.path("commit").asText()).isEqualTo(b);
        assertThat(rolledBack.at("/services/0/error").asText()).contains("rolled back to " + a.substring(0, 12));
        assertThat(rolledBack.at("/services/0/images/0/digest").asText()).as("the digest the rollback pinned")
                .isEqualTo(good.pinned()).isNotEqualTo(bad.pinned());
        assertThat(rolledBack.at("/services/0/images/0/id").asText()).isEqualTo(imageOf("app_web_1"))
                .isEqualTo(good.id());
        assertThat(rolledBack.at("/services/0/images/0/reference").asText()).isEqualTo(good.reference());
    }

    /** web on {@code web} with {@code environment}, and db on {@code db}. */
    private static String compose(Image web, String environment, Image db) {
        return StackApp.web(web, environment) + "  db:\n    image: " + db.reference() + "\n    network_mode: none\n";
    }

    private Cli.Result once() {
        return Cli.run("agent", "--once", "--repo", "file://" + box.repo().dir(), "--agent-id", "test-agent",
                "--state-dir", temp.resolve("state").toString());
    }

    /** The newest reconcile of {@code driftless history --output json}. */
    private JsonNode newest() throws Exception {
        Cli.Result history = Cli.run("history", "--state-dir", temp.resolve("state").toString(), "--limit", "1",
                "--output", "json");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        return JSON.readTree(history.out()).at("/reconciles/0");
    }

    private String imageOf(String container) {
        return box.engine().docker("inspect", "--format", "{{.Image}}", container).orThrow().output().strip();
    }

    private List<String> repoDigests(String imageId) {
        return List.of(box.engine().docker("image", "inspect", "--format", "{{range .RepoDigests}}{{.}} {{end}}",
                imageId).orThrow().output().strip().split(" "));
    }
}
