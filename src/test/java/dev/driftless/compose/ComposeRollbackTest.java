package dev.driftless.compose;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.Cli;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.Images.Spec;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stack's container health after an apply and the rollback it triggers, on a real engine (its own dockerd, images
 * pushed to a real registry on 127.0.0.1, so that {@code :latest} really moves), brought up by Debian's
 * docker-compose. The host is this machine (address: local, its state under /var/lib/driftless/state, removed
 * after each test).
 */
class ComposeRollbackTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private EngineHost box;
    private TestRepo repo;
    private Path stack;

    @BeforeEach
    void engineAndRepository() throws Exception {
        box = EngineHost.start(temp);
        repo = box.repo();
        stack = temp.resolve("srv/app");
        service("");
    }

    /** The app's service.yaml: its stack, its container check, and {@code more} keys. */
    private void service(String more) {
        StackApp.checked(repo, box.name(), stack, more);
    }

    @AfterEach
    void stop() throws Exception {
        box.close();
    }

    private String compose(Image image, String environment) {
        return StackApp.web(image, environment);
    }

    private Cli.Result driftless(String command, String... more) {
        return box.driftless(command, more);
    }

    private String imageOf(String container) {
        return box.engine().docker("inspect", "--format", "{{.Image}}", container).orThrow().output().strip();
    }

    /** What the host's state records of stack app. */
    private StackRecord record() throws IOException {
        String target = JSON.readTree(box.state().toFile())
                .path("resources").path("stack:app").path("target").asText();
        return StackRecord.of(target);
    }

    @Test
    void anUnhealthyImageIsRolledBackToThePreviousComposeFileAndDigestThoughLatestMoved() throws Exception {
        Image good = box.images().push("app", "latest", Spec.busybox().withHealthcheck("true"));
        repo.write("services/app/compose.yaml", compose(good, ""));
        String a = repo.commit("web on app:latest, healthy");
        Cli.Result first = driftless("apply");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).contains("health app: healthy");
        assertThat(record().images().get("web").digest()).contains(good.pinned());
        // :latest moves to an image whose healthcheck fails, and the next commit recreates web from it
        Image bad = box.images().push("app", "latest", Spec.busybox().withFile("/release", "2\n").withHealthcheck("false"));
        repo.write("services/app/compose.yaml", compose(good, "    environment:\n      RELEASE: \"2\"\n"));
        repo.commit("web: release 2");

        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("health app: degraded", "container web: app_web_1 is unhealthy",
                "rolled back to " + a.substring(0, 12));
        assertThat(imageOf("app_web_1")).isEqualTo(good.id()).isNotEqualTo(bad.id());
        assertThat(Files.readString(stack.resolve("compose.yaml"))).doesNotContain("RELEASE");
        assertThat(Files.readString(stack.resolve("compose.driftless.yaml"))).contains("image: \"" + good.pinned() + "\"");
        assertThat(record().pins()).containsEntry("web", good.pinned());
        assertThat(record().images().get("web").digest()).contains(good.pinned());

        // a heal of the commit rolled back to brings back the pinned image, not what :latest names now
        box.engine().docker("rm", "-f", "app_web_1").orThrow();
        Cli.Result heal = driftless("apply", "--ref", a);
        assertThat(heal.exitCode()).as(heal.toString()).isZero();
        assertThat(imageOf("app_web_1")).isEqualTo(good.id());
    }

    @Test
    void anUnhealthyApplyKeptByOnFailureKeepLeavesTheHealthyImagesForALaterRollback() throws Exception {
        Image good = box.images().push("app", "latest", Spec.busybox().withHealthcheck("true"));
        repo.write("services/app/compose.yaml", compose(good, ""));
        String a = repo.commit("web on app:latest, healthy");
        assertThat(driftless("apply").exitCode()).isZero();
        Image bad = box.images().push("app", "latest", Spec.busybox().withFile("/release", "2\n").withHealthcheck("false"));
        service("onFailure: keep\n");
        repo.write("services/app/compose.yaml", compose(good, "    environment:\n      RELEASE: \"2\"\n"));
        repo.commit("web: release 2, kept when it fails");
        Cli.Result kept = driftless("apply");
        assertThat(kept.out()).as(kept.toString()).contains("health app: degraded").doesNotContain("rolled back");
        assertThat(imageOf("app_web_1")).isEqualTo(bad.id());
        service("");
        repo.write("services/app/compose.yaml", compose(good, "    environment:\n      RELEASE: \"3\"\n"));
        repo.commit("web: release 3");

        Cli.Result apply = driftless("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("rolled back to " + a.substring(0, 12));
        assertThat(imageOf("app_web_1")).as("the image of the healthy commit, not the kept one's").isEqualTo(good.id());
    }
}
