package dev.driftless.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What {@code driftless bootstrap} refuses, and how it says so, before it reads a credential or changes anything:
 * a machine without systemd, and options that do not go together ({@link FreshMachineRefusalsTest}: the rest).
 */
class BootstrapRefusalsTest {

    static final List<String> REQUEST = List.of("--repo", "git://127.0.0.1:1/infra.git", "--host", "box",
            "--age-key", "/nowhere/age-key.txt");

    static String[] bootstrap(String... more) {
        List<String> args = new ArrayList<>(List.of("bootstrap"));
        args.addAll(List.of(more));
        args.addAll(REQUEST);
        return args.toArray(String[]::new);
    }

    @Test
    void withoutSystemdItSaysHowToRunTheAgentInstead() {
        Assumptions.assumeFalse(Files.isDirectory(Path.of("/run/systemd/system")),
                "this machine runs systemd: the refusal is seen where it does not");
        Assumptions.assumeTrue(System.getProperty("user.name").equals("root"), "needs root, to get past that check");

        Cli.Result refused = Cli.run(bootstrap());

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.err()).contains("Error: systemd is not running on this machine")
                .contains("'driftless agent --config /etc/driftless/agent.yaml' under your init system");
        assertThat(refused.out()).isEmpty();
    }

    @Test
    void aPackageWithoutAMachineToBootstrapOverSshIsRefused() {
        Cli.Result refused = Cli.run(bootstrap("--package", "driftless_0.1.0_amd64.deb"));

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("--package is for bootstrap over SSH (ssh://root@HOST)")
                .contains("apt-get install ./driftless_0.1.0_amd64.deb");
    }

    @Test
    void overSshThePackageIsRequired() {
        Cli.Result refused = Cli.run(bootstrap("ssh://root@127.0.0.1:1"));

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("give --package driftless_VERSION_amd64.deb");
    }

    @Test
    void aMachineGivenWithAPasswordIsRefusedWithoutRepeatingIt() {
        Cli.Result refused = Cli.run(bootstrap("ssh://root:hunter2@127.0.0.1", "--package", "x.deb"));

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("ssh://root@HOST[:PORT], without a password").doesNotContain("hunter2");
    }

    @Test
    void aRepositoryUrlWithAPasswordIsRefusedWithoutRepeatingIt() {
        Cli.Result refused = Cli.run("bootstrap", "--repo", "https://ops:hunter2@git.example.org/infra.git", "--host",
                "box", "--age-key", "-");

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("--repo holds a password").contains("--git-token-file")
                .doesNotContain("hunter2");
    }
}
