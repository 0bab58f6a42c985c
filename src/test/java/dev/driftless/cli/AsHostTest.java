package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --as-host NAME}: a machine applies to itself as inventory host NAME although the inventory reaches NAME
 * over SSH (here at a port where nothing listens), as the agent that {@code driftless bootstrap} sets up does.
 */
class AsHostTest {

    private static final String UNREACHABLE = "ssh://root@127.0.0.1:1";

    @TempDir
    Path tmp;

    TestRepo repo;
    Path root;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        repo = TestRepo.init(tmp.resolve("repo"))
                .write("driftless.yaml", "hosts:\n  box:\n    address: " + UNREACHABLE + "\n    become: sudo\n"
                        + "  other:\n    address: " + UNREACHABLE + "\n")
                .write("services/motd/service.yaml", "hosts: [box, other]\nfiles:\n  - path: /etc/motd\n"
                        + "    template: motd.peb\n")
                .write("services/motd/motd.peb", "{{ host.name }} is reached at {{ host.address }}\n");
        repo.commit("motd on box and other");
    }

    private Cli.Result run(String command, String... more) {
        String[] args = new String[more.length + 6];
        args[0] = command;
        args[1] = "--repo";
        args[2] = repo.dir().toString();
        args[3] = "--root";
        args[4] = root.toString();
        args[5] = "--known-hosts=" + tmp.resolve("known_hosts");
        System.arraycopy(more, 0, args, 6, more.length);
        return Cli.run(args);
    }

    @Test
    void applyAsHostWritesHereWhatTheInventoryReachesOverSshAndRendersItAsOverSsh() {
        Cli.Result apply = run("apply", "--as-host", "box");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        // the template still sees the inventory's address: an apply over SSH from elsewhere writes the same bytes
        assertThat(root.resolve("box/etc/motd")).hasContent("box is reached at " + UNREACHABLE);
        assertThat(root.resolve("box/var/lib/driftless/state/box.json")).exists();
        assertThat(root.resolve("other")).doesNotExist();

        Cli.Result check = run("check", "--as-host", "box");
        assertThat(check.exitCode()).as(check.toString()).isZero();
    }

    @Test
    void withoutAsHostTheSameHostIsReachedOverSshAndFailsHere() {
        Cli.Result check = run("check", "--host", "box");

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(1);
        assertThat(root.resolve("box")).doesNotExist();
    }

    @Test
    void asHostWithAnotherHostIsRefusedSayingWhatToLeaveOut() {
        Cli.Result plan = run("plan", "--as-host", "box", "--host", "other");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
        assertThat(plan.err()).contains("--as-host box works on host box alone: leave out --host other");
        assertThat(root).doesNotExist();
    }

    @Test
    void anUnknownAsHostIsRefusedNamingTheInventorysHosts() {
        Cli.Result plan = run("plan", "--as-host", "bx");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
        assertThat(plan.err()).contains("--as-host bx").contains("no such host in driftless.yaml (hosts: box, other)");
    }

    @Test
    void theAgentWithAsHostInItsConfigFileAppliesHere() throws Exception {
        Path config = Files.writeString(tmp.resolve("agent.yaml"), "repo: file://" + repo.dir() + "\nas-host: box\n"
                + "state-dir: " + tmp.resolve("state") + "\nroot: " + root + "\nagent-id: test-agent\n");

        Cli.Result once = Cli.run("agent", "--config", config.toString(), "--once");

        assertThat(once.exitCode()).as(once.toString()).isZero();
        assertThat(once.err()).contains("driftless agent --once: applied ").contains(" on 1 host\n");
        assertThat(root.resolve("box/etc/motd")).hasContent("box is reached at " + UNREACHABLE);
        assertThat(root.resolve("other")).doesNotExist();
    }
}
