package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --host takes the inventory's group names as well as host names, as Ansible's --limit does, in every command. */
class HostGroupsTest {

    @TempDir
    Path tmp;

    TestRepo repo;
    Path root;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        repo = TestRepo.init(tmp.resolve("repo"));
        // inventory order web-1, db-1, web-2: a group's hosts are not next to each other
        repo.write("driftless.yaml", """
                hosts:
                  web-1:
                    address: local
                    groups: [web, prod]
                  db-1:
                    address: local
                    groups: [db, prod]
                  web-2:
                    address: local
                    groups: [web]
                """);
        repo.write("services/motd/service.yaml", """
                hosts: [web, db]
                files:
                  - path: /etc/motd
                    template: motd.peb
                """);
        repo.write("services/motd/motd.peb", "{{ host.name }}\n");
        repo.commit("three hosts in two groups");
    }

    private Cli.Result run(String command, String... more) {
        return Cli.on(command, repo.dir(), root, more);
    }

    @Test
    void aGroupNameAppliesToEveryHostInItAndNoOther() {
        Cli.Result apply = run("apply", "--host", "web");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(root.resolve("web-1/etc/motd")).exists();
        assertThat(root.resolve("web-2/etc/motd")).exists();
        assertThat(root.resolve("db-1")).doesNotExist();
    }

    @Test
    void hostsAndGroupsMixAndAreWorkedOnInInventoryOrderWhateverOrderTheyAreNamedIn() {
        Cli.Result plan = run("plan", "--host", "web-2", "--host", "db");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).doesNotContain("web-1 (");
        assertThat(plan.out().indexOf("db-1 (")).as(plan.out()).isNotNegative()
                .isLessThan(plan.out().indexOf("web-2 ("));
    }

    @Test
    void aHostNamedTwiceOrThroughItsGroupIsWorkedOnOnce() {
        Cli.Result check = run("check", "--host", "web-1,web,prod");

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out().split("web-1 \\(", -1)).hasSize(2);
        assertThat(check.out()).contains("Plan: 3 to add");
    }

    @Test
    void anUnknownNameIsAnErrorSuggestingTheNearestHostsAndListingEveryName() {
        Cli.Result plan = run("plan", "--host", "web-3");

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).as(plan.toString()).contains("--host web-3: no such host or group in driftless.yaml;"
                + " did you mean 'web-1' or 'web-2'? (hosts: web-1, db-1, web-2; groups: web, prod, db)");
        assertThat(root).doesNotExist();
    }

    @Test
    void aMisspeltGroupIsSuggestedAndNothingIsApplied() {
        Cli.Result apply = run("apply", "--host", "webb");

        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.err()).as(apply.toString()).contains("did you mean 'web'?", "nothing was applied");
        assertThat(root).doesNotExist();
    }

    @Test
    void aNameNearNothingListsTheNamesThereAreWithoutGuessing() {
        Cli.Result plan = run("plan", "--host", "mailserver");

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).as(plan.toString()).contains("--host mailserver: no such host or group")
                .doesNotContain("did you mean");
    }

    @Test
    void theAgentTakesAGroupToo() {
        Cli.Result once = Cli.run("agent", "--once", "--repo", "file://" + repo.dir(), "--agent-id", "test-agent",
                "--state-dir", tmp.resolve("state").toString(), "--root", root.toString(), "--host", "db");

        assertThat(once.exitCode()).as(once.toString()).isZero();
        assertThat(root.resolve("db-1/etc/motd")).hasContent("db-1");
        assertThat(root.resolve("web-1")).doesNotExist();
    }
}
