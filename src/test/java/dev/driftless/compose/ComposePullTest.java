package dev.driftless.compose;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.Images.Image;
import dev.driftless.testing.Images.Spec;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When an apply pulls a tag the host already has: with {@code --pull}, or for a stack that says {@code pull: always};
 * never otherwise. A real dockerd and a real registry on 127.0.0.1: {@code :latest} moves on the registry while this
 * engine still holds the old image under that tag, as on a host that pulled it a release ago.
 */
class ComposePullTest {

    @TempDir
    Path temp;

    private EngineHost box;
    private Image first;
    private Image moved;

    @BeforeEach
    void latestMovesOnTheRegistryOnly() throws Exception {
        box = EngineHost.start(temp);
        first = box.images().push("app", "latest", Spec.busybox());
        moved = box.images().push("app", "latest", Spec.busybox().withFile("/release", "2\n"));
        // this engine keeps the first image as :latest: only the registry moved on
        box.engine().docker("tag", first.id(), first.reference()).orThrow();
        box.repo().write("services/app/compose.yaml", """
                services:
                  web:
                    image: %s
                    network_mode: none
                """.formatted(first.reference()));
    }

    @AfterEach
    void stop() throws Exception {
        box.close();
    }

    private void service(String pull) {
        box.repo().write("services/app/service.yaml", """
                hosts: [%s]
                compose:
                  source: compose.yaml
                  directory: %s
                  pull: %s
                """.formatted(box.name(), temp.resolve("srv/app"), pull));
        box.repo().commit("app, pull: " + pull);
    }

    private String imageOfWeb() {
        return box.engine().docker("inspect", "--format", "{{.Image}}", "app_web_1").orThrow().output().strip();
    }

    @Test
    void anApplyPullsATagTheHostHasOnlyWhenAskedWithPull() {
        service("missing");
        Cli.Result first = box.driftless("apply");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(imageOfWeb()).isEqualTo(this.first.id());

        Cli.Result again = box.driftless("apply");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).doesNotContain("pull every image");
        assertThat(imageOfWeb()).as("pull: missing keeps the image the host has").isEqualTo(this.first.id());

        Cli.Result plan = box.driftless("plan", "--pull");
        assertThat(plan.out()).as(plan.toString()).contains("~ stack app (app)", "pull every image (--pull), then up");
        assertThat(imageOfWeb()).as("a plan pulls nothing").isEqualTo(this.first.id());

        Cli.Result pulled = box.driftless("apply", "--pull");

        assertThat(pulled.exitCode()).as(pulled.toString()).isZero();
        assertThat(pulled.out()).contains("~ stack app (app)");
        assertThat(imageOfWeb()).as("recreated from what :latest names now").isEqualTo(moved.id());
        Cli.Result check = box.driftless("check");
        assertThat(check.exitCode()).as(check.toString()).isZero();
    }

    @Test
    void aStackThatSaysPullAlwaysIsPulledByEveryApplyButNeverByACheck() throws Exception {
        service("always");
        Cli.Result applied = box.driftless("apply");
        assertThat(applied.exitCode()).as(applied.toString()).isZero();
        assertThat(imageOfWeb()).as("the first apply pulled :latest too").isEqualTo(moved.id());
        Image third = box.images().push("app", "latest", Spec.busybox().withFile("/release", "3\n"));
        box.engine().docker("tag", moved.id(), moved.reference()).orThrow();

        Cli.Result check = box.driftless("check");
        assertThat(check.exitCode()).as(check.toString()).isZero();
        assertThat(box.engine().docker("image", "inspect", "--format", "{{.Id}}", moved.reference()).orThrow().output()
                .strip()).as("a check pulls nothing").isEqualTo(moved.id());
        Cli.Result plan = box.driftless("plan");
        assertThat(plan.out()).as(plan.toString()).contains("pull every image (pull: always), then up");

        Cli.Result again = box.driftless("apply");

        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(imageOfWeb()).as("nothing changed in Git, yet the apply pulled").isEqualTo(third.id());
    }
}
