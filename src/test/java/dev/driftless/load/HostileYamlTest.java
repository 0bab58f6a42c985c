package dev.driftless.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.model.DesiredRepository;
import dev.driftless.model.Problem;
import dev.driftless.model.ValidationException;
import dev.driftless.render.Renderer;
import dev.driftless.secrets.AgeKeyring;
import dev.driftless.secrets.Secrets;
import dev.driftless.source.RepoSource;
import dev.driftless.source.RepoSource.ReadFrom;
import dev.driftless.source.RepoTree;
import dev.driftless.testing.TestRepo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One bad commit cannot kill the process at load: YAML nested without end, or aliases that expand to
 * millions of values, is a problem with file, line and key like any other mistake.
 */
class HostileYamlTest {

    private static final String HOST = "hosts:\n  box:\n    address: local\n";

    @TempDir
    Path temp;

    private TestRepo repo;

    @BeforeEach
    void createRepository() {
        repo = TestRepo.init(temp.resolve("repo"));
    }

    @AfterEach
    void closeRepository() {
        repo.close();
    }

    private static String nested(int levels) {
        return "[".repeat(levels) + "]".repeat(levels);
    }

    /** a0 is one value; each a(i) is a list of two a(i-1): a24 stands for 2^24 values in 25 short lines. */
    private static String aliasBomb(int levels) {
        StringBuilder text = new StringBuilder("  a0: &a0 [x]\n");
        for (int i = 1; i <= levels; i++) {
            text.append("  a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a")
                    .append(i - 1).append("]\n");
        }
        return text.toString();
    }

    @Test
    void twentyThousandNestedListsInDriftlessYamlAreAProblemNotAStackOverflow() {
        repo.write("driftless.yaml", HOST + "vars:\n  deep: " + nested(20_000) + "\n").commit("deep");

        assertThat(problems()).singleElement().asString()
                .startsWith("driftless.yaml:5: vars.deep")
                .contains("more than 64 levels deep");
    }

    @Test
    void twentyThousandNestedMappingsInServiceYamlAreAProblemNotAStackOverflow() {
        repo.write("driftless.yaml", HOST)
                .write("services/app/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/app\n    content: "
                        + "{a: ".repeat(20_000) + "}".repeat(20_000) + "\n")
                .commit("deep");

        assertThat(problems()).singleElement().asString()
                .startsWith("services/app/service.yaml:4: files[0].content")
                .contains("more than 64 levels deep");
    }

    @Test
    void sixtyFourLevelsAreRead() {
        repo.write("driftless.yaml", HOST + "vars:\n  deep: " + nested(62) + "\n").commit("62 lists under a mapping");

        assertThat(validate().inventory().vars()).containsKey("deep");
    }

    @Test
    void aliasBombInVarsIsRefusedWhereItFirstExpandsBeyondTheLimit() {
        repo.write("driftless.yaml", HOST + "vars:\n" + aliasBomb(24))
                .write("services/app/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/app\n    template: app.peb\n")
                .write("services/app/app.peb", "{{ a24 }}\n")
                .commit("bomb");

        // a16 holds 2^17 - 1 nodes (lists and scalars) once expanded: the first mapping value past 100,000
        assertThat(problems()).singleElement().asString()
                .startsWith("driftless.yaml:21: vars.a16: expands to more than 100,000 YAML nodes")
                .contains("aliases nest 16 deep");
    }

    @Test
    void anAliasInsideItsOwnAnchorIsRefused() {
        repo.write("driftless.yaml", HOST + "vars:\n  loop: &loop [1, *loop]\n")
                .write("services/app/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/app\n    template: app.peb\n")
                .write("services/app/app.peb", "{{ loop }}\n")
                .commit("cycle");

        assertThat(problems()).singleElement().asString()
                .startsWith("driftless.yaml:5: vars.loop[1]: refers to a list or mapping that contains it");
    }

    @Test
    void aFileOfMoreThanAHundredThousandNodesIsRefusedWithoutAliases() {
        repo.write("driftless.yaml", HOST + "vars:\n  big: [" + "0,".repeat(100_000) + "0]\n").commit("big");

        assertThat(problems()).singleElement().asString()
                .startsWith("driftless.yaml:5: vars.big")
                .contains("more than 100,000 YAML nodes");
    }

    @Test
    void deepNotificationsAreAProblemNotAStackOverflow() {
        // the notifications: block was parsed a second time without limits; a deep value there must be
        // the same single problem, not a StackOverflowError
        repo.write("driftless.yaml", HOST + "notifications:\n  ops: " + nested(20_000) + "\n").commit("deep");

        assertThat(problems()).singleElement().asString()
                .startsWith("driftless.yaml:5: notifications.ops")
                .contains("more than 64 levels deep");
    }

    private List<String> problems() {
        try {
            validate();
        } catch (ValidationException e) {
            return e.problems().stream().map(Problem::toString).toList();
        }
        throw new AssertionError("the repository validated");
    }

    /** What {@code driftless validate} does: open the commit, load, render for every host. */
    private DesiredRepository validate() {
        try (RepoSource.Checkout checkout = new RepoSource(temp.resolve("cache"))
                .open(new RepoSource.Request(repo.dir().toString(), Optional.empty(), Optional.empty(), ReadFrom.COMMIT))) {
            RepoTree tree = checkout.tree();
            DesiredRepository desired = new RepositoryLoader().load(tree);
            new Renderer(tree, new Secrets(tree, new AgeKeyring(Optional.empty(), Map.of())))
                    .render(desired, desired.inventory().hosts().values(), service -> true);
            return desired;
        }
    }
}
