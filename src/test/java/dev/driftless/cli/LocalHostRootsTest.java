package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two local hosts never share a folder on this machine: equal or nested roots are refused, naming both
 * hosts, before any host is touched. validate checks the roots driftless.yaml declares; plan, apply and
 * check the roots this run gives each host (its root:, /, or the folder --root gives it).
 */
class LocalHostRootsTest {

    private static final String HOMELAB = "examples/homelab";
    private static final String DEMO_KEY = "examples/demo-age-key.txt";

    @TempDir
    Path tmp;

    @Test
    void theExampleWithThreeLocalHostsNeedsRootAndWorksWithIt() {
        Cli.Result validate = Cli.run("validate", "--repo", HOMELAB, "--age-key", DEMO_KEY);
        assertThat(validate.exitCode()).as("validate knows no --root: " + validate).isZero();

        Cli.Result plan = Cli.run("plan", "--repo", HOMELAB, "--age-key", DEMO_KEY);

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
        assertThat(plan.err()).contains(
                "driftless.yaml:26: hosts.db-1: local host db-1 (no root:, so /) and local host web-1"
                        + " (driftless.yaml:19, no root:, so /) share one folder",
                "driftless.yaml:40: hosts.lab-1: local host lab-1",
                "give each local host its own 'root:' in driftless.yaml, or run with --root DIR")
                .doesNotContain("Plan:");

        // README's first command
        Cli.Result apply = Cli.run("apply", "--repo", HOMELAB, "--root", tmp.resolve("demo").toString(), "--age-key",
                DEMO_KEY);
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(tmp.resolve("demo/web-1/etc/nginx/nginx.conf")).exists();
    }

    @Test
    void applyWithTwoLocalHostsDeclaringOneRootIsRefusedAndTouchesNothing() {
        Path shared = tmp.resolve("shared");
        try (TestRepo repo = TestRepo.init(tmp.resolve("repo"))) {
            repo.write("driftless.yaml", """
                    hosts:
                      a:
                        address: local
                        root: %s
                      b:
                        address: local
                        root: %s
                    """.formatted(shared, shared))
                    .write("services/app/service.yaml", "hosts: [a, b]\nfiles:\n  - path: /etc/app.conf\n    content: \"x\\n\"\n")
                    .commit("two hosts, one folder");
        }

        Cli.Result apply = Cli.run("apply", "--repo", tmp.resolve("repo").toString());

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.err()).contains("driftless.yaml:7: hosts.b.root: " + shared + " is also the root of local host a"
                + " (driftless.yaml:4)").doesNotContain("Error: null");
        assertThat(shared).doesNotExist();
    }

    @Test
    void aLocalHostWithoutRootHoldsEveryOtherLocalHostsRoot() {
        try (TestRepo repo = TestRepo.init(tmp.resolve("repo"))) {
            repo.write("driftless.yaml", """
                    hosts:
                      lab:
                        address: local
                        root: %s
                      this-machine:
                        address: local
                    """.formatted(tmp.resolve("lab")))
                    .write("services/app/service.yaml", "hosts: [lab]\nfiles:\n  - path: /etc/app.conf\n    content: \"x\\n\"\n")
                    .commit("a sandbox host and the machine itself");
        }

        Cli.Result check = Cli.run("check", "--repo", tmp.resolve("repo").toString(), "--host", "lab");

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(1);
        assertThat(check.err()).contains("driftless.yaml:5: hosts.this-machine: local host this-machine (no root:, so /)"
                + " and local host lab (driftless.yaml:2, root " + tmp.resolve("lab") + ") are one inside the other");
        assertThat(tmp.resolve("lab")).doesNotExist();
    }
}
