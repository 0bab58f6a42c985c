package dev.driftless.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.AptRepo;
import dev.driftless.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code packages:} through the real command line against the real dpkg and apt of a Debian root (--root puts a
 * host's packages into that root): plan says what apt would install, apply installs a host's missing packages in
 * one apt-get, check names what was changed by hand, and apply puts it back.
 */
class PackagesTest {

    @TempDir
    Path tmp;

    PackageLab lab;

    @BeforeEach
    void openLab() throws IOException {
        lab = PackageLab.open(tmp.resolve("repo"));
    }

    @AfterEach
    void closeLab() {
        lab.close();
    }

    @Test
    void applyInstallsEveryMissingPackageOfAHostInOneAptGetAndANoOpApplyRunsNoApt() throws IOException {
        lab.repo().write("services/tools/service.yaml", "hosts: [lab]\npackages:\n  - name: demo-tool\n");
        lab.app("hosts: [lab]\npackages: [demo-app]\n");

        Cli.Result plan = lab.run("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("  + package demo-app (1.1) (app)\n", "  + package demo-tool (1.0) (tools)\n",
                "Plan: 2 to add, 0 to change, 0 to delete.");
        assertThat(lab.installed("demo-app")).as("plan installs nothing").isEmpty();
        assertThat(lab.aptGetCalls()).as("plan runs no apt-get").isEmpty();

        Cli.Result apply = lab.run("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(lab.installed("demo-app")).hasValue("1.1");
        assertThat(lab.installed("demo-lib")).as("with what it depends on").hasValue("1.0");
        assertThat(lab.installed("demo-tool")).hasValue("1.0");
        assertThat(lab.aptGetCalls()).as("lists updated once, then one install for both services").hasSize(2);
        assertThat(lab.aptGetCalls().get(0)).isEqualTo("update");
        assertThat(lab.aptGetCalls().get(1)).startsWith("install ").contains(" demo-app", " demo-tool");
        assertThat(lab.aptHistory()).singleElement().asString()
                .contains("Install: ", "demo-app", "demo-lib", "demo-tool");

        Cli.Result check = lab.run("check");
        assertThat(check.exitCode()).as(check.toString()).isZero();
        Cli.Result again = lab.run("apply");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains(": nothing to do.");
        assertThat(lab.aptGetCalls()).as("nothing missing: no apt-get at all, not even update").hasSize(2);
    }

    @Test
    void aPackagePurgedByHandIsDriftThatCheckNamesAndApplyHeals() throws IOException {
        lab.app("hosts: [lab]\npackages: [demo-app]\n");
        assertThat(lab.run("apply").exitCode()).isZero();
        lab.root().chroot("dpkg", "--purge", "demo-app").orThrow();

        Cli.Result check = lab.run("check");

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("  + package demo-app (1.1) (app)  # drift: changed on the host since the"
                + " last apply", "Drift: 1 changed on the host since the last apply");

        Cli.Result heal = lab.run("apply");

        assertThat(heal.exitCode()).as(heal.toString()).isZero();
        assertThat(lab.installed("demo-app")).hasValue("1.1");
        assertThat(lab.run("check").exitCode()).isZero();
    }

    @Test
    void aPackageHeldByHandIsStillInstalledAndNoDrift() throws IOException {
        lab.app("hosts: [lab]\npackages: [demo-app]\n");
        assertThat(lab.run("apply").exitCode()).isZero();
        lab.root().chroot("apt-mark", "hold", "demo-app").orThrow(); // dpkg now says "hi": on hold, installed

        Cli.Result check = lab.run("check");

        assertThat(check.exitCode()).as(check.toString()).isZero();
        assertThat(check.out()).contains(": no changes.");
    }

    @Test
    void aVersionPinInstallsThatVersionThenUpgradesAndDowngradesToTheNextPin() throws IOException {
        lab.app(pinned("1.0"));
        Cli.Result first = lab.run("plan");
        assertThat(first.out()).as(first.toString()).contains("  + package demo-app (1.0) (app)\n");
        assertThat(lab.run("apply").exitCode()).isZero();
        assertThat(lab.installed("demo-app")).hasValue("1.0");

        lab.app(pinned("1.1"));
        Cli.Result upgrade = lab.run("plan");

        assertThat(upgrade.exitCode()).as(upgrade.toString()).isEqualTo(2);
        assertThat(upgrade.out()).contains("  ~ package demo-app (1.0 -> 1.1) (app)\n", "Plan: 0 to add, 1 to change");
        assertThat(lab.run("apply").exitCode()).isZero();
        assertThat(lab.installed("demo-app")).hasValue("1.1");

        lab.app(pinned("1.0"));
        Cli.Result downgrade = lab.run("apply");

        assertThat(downgrade.exitCode()).as(downgrade.toString()).isZero();
        assertThat(downgrade.out()).contains("  ~ package demo-app (1.1 -> 1.0) (app)\n");
        assertThat(lab.installed("demo-app")).hasValue("1.0");
        assertThat(lab.root().chroot("demo-app").orThrow().output()).isEqualTo("demo 1.0\n");
        assertThat(lab.run("check").exitCode()).isZero();
    }

    @Test
    void aPinnedPackageUpgradedByHandIsDriftAndApplyPutsThePinnedVersionBack() throws IOException {
        lab.app(pinned("1.0"));
        assertThat(lab.run("apply").exitCode()).isZero();
        lab.root().chroot("apt-get.real", "install", "-y", "demo-app=1.1").orThrow();

        Cli.Result check = lab.run("check");

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("  ~ package demo-app (1.1 -> 1.0) (app)  # drift: changed on the host since"
                + " the last apply");
        assertThat(lab.run("apply").exitCode()).isZero();
        assertThat(lab.installed("demo-app")).hasValue("1.0");
    }

    private static String pinned(String version) {
        return "hosts: [lab]\npackages:\n  - name: demo-app\n    version: \"" + version + "\"\n";
    }

    @Test
    void stateAbsentRemovesAnInstalledPackageWithoutUpdatingAptsLists() throws IOException {
        lab.root().chroot("apt-get.real", "install", "-y", "demo-tool").orThrow(); // there before Driftless
        lab.app("hosts: [lab]\npackages:\n  - { name: demo-tool, state: absent }\n");

        Cli.Result plan = lab.run("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("  - package demo-tool (1.0) (app)\n      removed with apt (state: absent)\n",
                "Plan: 0 to add, 0 to change, 1 to delete.");

        Cli.Result apply = lab.run("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(lab.installed("demo-tool")).isEmpty();
        assertThat(lab.aptGetCalls()).as("removing needs no lists").singleElement().asString()
                .startsWith("remove ").endsWith(" demo-tool");
        assertThat(lab.run("check").exitCode()).isZero();
    }

    @Test
    void aPackageThatLeavesTheRepositoryIsLeftInstalledAndThePlanSaysSoOnce() throws IOException {
        lab.app("hosts: [lab]\npackages: [demo-app, demo-tool]\n");
        assertThat(lab.run("apply").exitCode()).isZero();
        lab.app("hosts: [lab]\npackages: [demo-app]\n");

        Cli.Result plan = lab.run("plan");

        assertThat(plan.out()).as(plan.toString()).contains("  = package demo-tool (1.0) (app)\n      left installed:"
                + " it left the repository, and only 'state: absent' removes a package\n");
        Cli.Result apply = lab.run("apply");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(lab.installed("demo-tool")).hasValue("1.0");
        assertThat(lab.aptGetCalls()).as("only the first apply's update and install").hasSize(2);

        Cli.Result after = lab.run("plan");
        assertThat(after.exitCode()).as(after.toString()).isZero();
        assertThat(after.out()).contains(": no changes.").doesNotContain("demo-tool");
        assertThat(lab.run("check").exitCode()).isZero();
    }

    @Test
    void anAptSourceInTheRepositoryIsWrittenBeforeThePackagesItServesAreInstalled() throws IOException {
        // a fresh machine: apt knows no source of the demo packages until the repository gives it one
        Files.delete(lab.root().path("/etc/apt/sources.list.d/test.list"));
        lab.root().chroot("sh", "-c", "rm -rf /var/lib/apt/lists/*").orThrow();
        lab.repo().write("services/apt/service.yaml", "hosts: [lab]\nfiles:\n  - path: /etc/apt/sources.list.d/demo.list\n"
                + "    content: \"deb [trusted=yes] file:" + AptRepo.MOUNT_POINT + " ./\\n\"\n");
        lab.app("hosts: [lab]\npackages: [demo-tool]\n");

        Cli.Result apply = lab.run("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(lab.installed("demo-tool")).hasValue("1.0");
        assertThat(lab.aptGetCalls()).as("one update, with the new source, then one install").hasSize(2);
        assertThat(lab.run("check").exitCode()).isZero();
    }

    @Test
    void maintainerScriptsUnderARootHaveProcAndNothingTheyStartOutlivesTheApply() throws IOException {
        lab.app("hosts: [lab]\npackages: [demo-daemon]\n");

        Cli.Result apply = lab.run("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(lab.installed("demo-daemon")).hasValue("1.0");
        assertThat(lab.processes()).as("the image being built leaves nothing running on this machine").isEmpty();
    }
}
