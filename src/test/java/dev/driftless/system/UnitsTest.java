package dev.driftless.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.MachineHost;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code units:} and {@code health:} end to end: the real CLI over SSH to a Debian machine with systemd as PID 1.
 * One machine for the class; each test is its own host there (its own state file) with units of its own names,
 * and counts its unit's starts with an ExecStartPre that appends to a file.
 */
class UnitsTest {

    @RegisterExtension
    static final MachineHost machine = MachineHost.perClass();

    @TempDir
    Path tmp;

    /** A repository whose one host is the machine, named {@code host} (one name a test: its own state file). */
    private TestRepo repo(String host) {
        TestRepo repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", machine.inventory(host));
        return repo;
    }

    private Cli.Result cli(String command, TestRepo repo, String... more) {
        return machine.cli(command, repo, more);
    }

    /** A service NAME with one unit NAME.service that sleeps, counting its starts in /var/tmp/NAME.starts. */
    private static void sleeper(TestRepo repo, String name) {
        repo.write("services/" + name + "/service.yaml", """
                hosts: [machine]
                units:
                  - name: %s.service
                    source: %s.service
                """.formatted(name, name));
        repo.write("services/" + name + "/" + name + ".service", """
                [Service]
                ExecStartPre=/bin/sh -c 'echo started >> /var/tmp/%s.starts'
                ExecStart=/bin/sleep infinity
                [Install]
                WantedBy=multi-user.target
                """.formatted(name));
    }

    /** Replaces {@code from} with {@code to} in a file of the repository (not committed yet). */
    private static void edit(TestRepo repo, String path, String from, String to) throws IOException {
        String text = Files.readString(repo.dir().resolve(path));
        assertThat(text).contains(from);
        repo.write(path, text.replace(from, to));
    }

    private Cli.Result applied(TestRepo repo) {
        Cli.Result apply = cli("apply", repo);
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        return apply;
    }

    @Test
    void appliesAUnitWithADropInEnablesAndStartsItAndASecondApplyChangesNothing() throws Exception {
        int port = MachineHost.freePort();
        TestRepo repo = repo("hello");
        repo.write("services/hello/service.yaml", """
                hosts: [machine]
                files:
                  - path: /etc/hello/app.conf
                    content: "port=%d\\nbody=hello\\n"
                  - path: /usr/local/bin/hello-app.py
                    source: app.py
                units:
                  - name: hello.service
                    source: hello.service
                    dropIns:
                      - name: greeting.conf
                        content: |
                          [Service]
                          Environment=GREETING=from-the-drop-in
                health:
                  - http: http://127.0.0.1:%d/
                    contains: hello
                    successes: 1
                    timeout: 20s
                """.formatted(port, port));
        repo.write("services/hello/app.py", MachineHost.appScript());
        repo.write("services/hello/hello.service", """
                [Unit]
                Description=hello
                [Service]
                ExecStartPre=/bin/sh -c 'echo "$GREETING" >> /var/tmp/hello.starts'
                ExecStart=/usr/bin/python3 /usr/local/bin/hello-app.py /etc/hello/app.conf
                [Install]
                WantedBy=multi-user.target
                """);
        repo.commit("hello as a unit");
        int reloads = machine.reloads();

        Cli.Result apply = applied(repo);

        assertThat(apply.out()).contains("+ /etc/systemd/system/hello.service (hello)",
                "+ /etc/systemd/system/hello.service.d/greeting.conf (hello)", "+ unit hello.service (hello)",
                "hello: health hello: healthy");
        // the unit is started after its files are written
        assertThat(apply.out().indexOf("+ unit hello.service")).isGreaterThan(apply.out().indexOf("greeting.conf"));
        assertThat(machine.systemctl("is-active", "hello.service")).isEqualTo("active");
        assertThat(machine.systemctl("is-enabled", "hello.service")).isEqualTo("enabled");
        assertThat(machine.machine().path("/etc/systemd/system/multi-user.target.wants/hello.service"))
                .isSymbolicLink();
        assertThat(machine.lines("/var/tmp/hello.starts")).as("started once, with the drop-in read")
                .containsExactly("from-the-drop-in");
        assertThat(machine.reloads() - reloads).as("systemd reloaded once").isEqualTo(1);

        Cli.Result again = applied(repo);

        assertThat(again.out()).contains("nothing to do", "Apply complete: 0 added, 0 changed, 0 deleted.");
        assertThat(machine.lines("/var/tmp/hello.starts")).as("not restarted").hasSize(1);
        assertThat(cli("check", repo).exitCode()).isZero();
    }

    @Test
    void aChangedRestartOnFileRestartsTheUnitOnceAfterEveryFileIsWritten() throws Exception {
        TestRepo repo = repo("restarts");
        repo.write("services/worker/service.yaml", """
                hosts: [machine]
                files:
                  - path: /etc/worker/worker.conf
                    content: "threads=1\\n"
                units:
                  - name: worker.service
                    content: |
                      [Service]
                      ExecStartPre=/bin/sh -c 'echo "$(cat /etc/worker/worker.conf) $(cat /etc/shared/worker.env)" >> /var/tmp/worker.starts'
                      ExecStart=/bin/sleep infinity
                      [Install]
                      WantedBy=multi-user.target
                    restartOn: [/etc/worker/worker.conf, /etc/shared/worker.env]
                """);
        // another service's file, written after the worker's own (services go in name order)
        repo.write("services/zshared/service.yaml", """
                hosts: [machine]
                files:
                  - path: /etc/shared/worker.env
                    content: "mode=a\\n"
                """);
        repo.commit("a worker");
        applied(repo);
        assertThat(machine.lines("/var/tmp/worker.starts")).containsExactly("threads=1 mode=a");

        edit(repo, "services/worker/service.yaml", "threads=1", "threads=2");
        edit(repo, "services/zshared/service.yaml", "mode=a", "mode=b");
        repo.commit("both files change");
        Cli.Result apply = applied(repo);

        assertThat(apply.out()).contains("~ /etc/worker/worker.conf (worker)", "~ /etc/shared/worker.env (zshared)",
                "handler worker/restart worker.service: ok");
        assertThat(machine.lines("/var/tmp/worker.starts")).as("restarted once, after both files were written")
                .containsExactly("threads=1 mode=a", "threads=2 mode=b");

        edit(repo, "services/zshared/service.yaml", "mode=b", "mode=c");
        repo.commit("only the other service's file changes");
        applied(repo);

        assertThat(machine.lines("/var/tmp/worker.starts")).as("a file of another service restarts it too")
                .containsExactly("threads=1 mode=a", "threads=2 mode=b", "threads=2 mode=c");
    }

    @Test
    void reloadTrueReloadsTheUnitForItsRestartOnFilesAndRestartsItForItsOwnFile() throws Exception {
        TestRepo repo = repo("reloads");
        repo.write("services/proxy/service.yaml", """
                hosts: [machine]
                files:
                  - path: /etc/proxy/proxy.conf
                    content: "upstream=a\\n"
                units:
                  - name: proxy.service
                    content: |
                      [Service]
                      ExecStartPre=/bin/sh -c 'echo started >> /var/tmp/proxy.starts'
                      ExecStart=/bin/sleep infinity
                      ExecReload=/bin/sh -c 'cat /etc/proxy/proxy.conf >> /var/tmp/proxy.reloads'
                      [Install]
                      WantedBy=multi-user.target
                    restartOn: [/etc/proxy/proxy.conf]
                    reload: true
                """);
        repo.commit("a proxy");
        applied(repo);

        edit(repo, "services/proxy/service.yaml", "upstream=a", "upstream=b");
        repo.commit("another upstream");
        Cli.Result apply = applied(repo);

        assertThat(apply.out()).contains("handler proxy/reload proxy.service: ok").doesNotContain("restart");
        assertThat(machine.lines("/var/tmp/proxy.reloads")).containsExactly("upstream=b");
        assertThat(machine.lines("/var/tmp/proxy.starts")).as("not restarted").hasSize(1);

        edit(repo, "services/proxy/service.yaml", "ExecStart=/bin/sleep infinity", "ExecStart=/bin/sleep 86400");
        repo.commit("the unit's own file changes: a reload would keep the old ExecStart running");
        Cli.Result restarted = applied(repo);

        assertThat(restarted.out()).contains("handler proxy/restart proxy.service: ok").doesNotContain("proxy/reload");
        assertThat(machine.lines("/var/tmp/proxy.starts")).hasSize(2);
        assertThat(machine.systemctl("show", "-P", "ExecStart", "proxy.service")).contains("86400");
    }

    @Test
    void aTemplateUnitIsOnlyItsFileAndItsInstancesAreEnabledStartedAndRestartedWhenItChanges() throws Exception {
        TestRepo repo = repo("template");
        repo.write("services/pool/service.yaml", """
                hosts: [machine]
                units:
                  - name: pool@.service
                    content: |
                      [Service]
                      ExecStartPre=/bin/sh -c 'echo %i >> /var/tmp/pool.starts'
                      ExecStart=/bin/sleep infinity
                      [Install]
                      WantedBy=multi-user.target
                  - name: pool@a.service
                    restartOn: [/etc/systemd/system/pool@.service]
                  - name: pool@b.service
                    restartOn: [/etc/systemd/system/pool@.service]
                """);
        sleeper(repo, "poolside");
        repo.commit("a template and two instances");

        Cli.Result apply = applied(repo);

        assertThat(apply.out()).contains("+ /etc/systemd/system/pool@.service (pool)", "+ unit pool@a.service (pool)",
                "+ unit pool@b.service (pool)").doesNotContain("unit pool@.service");
        assertThat(machine.systemctl("is-active", "pool@a.service", "pool@b.service", "poolside.service"))
                .isEqualTo("active\nactive\nactive");
        assertThat(machine.systemctl("is-enabled", "pool@a.service")).isEqualTo("enabled");
        assertThat(cli("check", repo).exitCode()).as("every unit read as it is").isZero();

        edit(repo, "services/pool/service.yaml", "ExecStart=/bin/sleep infinity", "ExecStart=/bin/sleep 86400");
        repo.commit("the template changes");
        Cli.Result changed = applied(repo);

        assertThat(changed.out()).contains("handler pool/restart pool@a.service: ok", "handler pool/restart pool@b.service: ok");
        assertThat(machine.lines("/var/tmp/pool.starts")).containsExactlyInAnyOrder("a", "b", "a", "b");
    }

    @Test
    void aStoppedUnitIsDriftThatCheckNamesAndApplyStartsAgain() {
        TestRepo repo = repo("stopped");
        sleeper(repo, "stopped");
        repo.commit("a sleeper");
        applied(repo);
        machine.machine().exec("systemctl", "stop", "stopped.service").orThrow();

        Cli.Result check = cli("check", repo);

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("~ unit stopped.service (stopped)  # drift", "start", "now: enabled, stopped");
        applied(repo);
        assertThat(machine.systemctl("is-active", "stopped.service")).isEqualTo("active");
        assertThat(cli("check", repo).exitCode()).isZero();
    }

    @Test
    void aDisabledUnitIsDriftThatApplyEnablesAgain() {
        TestRepo repo = repo("disabled");
        sleeper(repo, "disabled");
        repo.commit("a sleeper");
        applied(repo);
        machine.machine().exec("systemctl", "disable", "disabled.service").orThrow();

        Cli.Result check = cli("check", repo);

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("~ unit disabled.service (disabled)  # drift", "enable",
                "now: disabled, running");
        applied(repo);
        assertThat(machine.systemctl("is-enabled", "disabled.service")).isEqualTo("enabled");
        assertThat(machine.lines("/var/tmp/disabled.starts")).as("enabling does not restart it").hasSize(1);
        assertThat(cli("check", repo).exitCode()).isZero();
    }

    @Test
    void aMaskedUnitIsDriftThatApplyUnmasksEnablesAndStarts() throws Exception {
        // a unit a package shipped: the repository manages its state, not its file (which a mask could not
        // override in /etc/systemd/system, where Driftless writes unit files)
        Files.writeString(machine.machine().path("/usr/lib/systemd/system/vendor.service"), """
                [Service]
                ExecStart=/bin/sleep infinity
                [Install]
                WantedBy=multi-user.target
                """);
        machine.machine().exec("systemctl", "daemon-reload").orThrow();
        TestRepo repo = repo("masked");
        repo.write("services/vendor/service.yaml", "hosts: [machine]\nunits:\n  - name: vendor.service\n");
        repo.commit("the vendor's unit, enabled and running");
        Cli.Result first = applied(repo);
        assertThat(first.out()).contains("+ unit vendor.service (vendor)");
        machine.machine().exec("systemctl", "mask", "--now", "vendor.service").orThrow();

        Cli.Result check = cli("check", repo);

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("~ unit vendor.service (vendor)  # drift", "masked -> unmask", "now: masked");
        applied(repo);
        assertThat(machine.systemctl("is-enabled", "vendor.service")).isEqualTo("enabled");
        assertThat(machine.systemctl("is-active", "vendor.service")).isEqualTo("active");
        assertThat(cli("check", repo).exitCode()).isZero();
    }

    @Test
    void aUnitFileEditedByHandIsDriftThatApplyRewritesAndRestarts() throws Exception {
        TestRepo repo = repo("edited");
        sleeper(repo, "edited");
        repo.commit("a sleeper");
        applied(repo);
        Path unit = machine.machine().path("/etc/systemd/system/edited.service");
        String original = Files.readString(unit);
        Files.writeString(unit, original.replace("sleep infinity", "sleep 86400"));
        machine.machine().exec("systemctl", "daemon-reload").orThrow();

        Cli.Result check = cli("check", repo);

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("~ /etc/systemd/system/edited.service (edited)  # drift",
                "-ExecStart=/bin/sleep 86400", "+ExecStart=/bin/sleep infinity", "handlers to run: edited/restart edited.service");
        Cli.Result apply = applied(repo);
        assertThat(apply.out()).contains("handler edited/restart edited.service: ok");
        assertThat(Files.readString(unit)).isEqualTo(original);
        assertThat(machine.lines("/var/tmp/edited.starts")).as("restarted with the file read again").hasSize(2);
        assertThat(machine.systemctl("show", "-P", "NeedDaemonReload", "edited.service")).isEqualTo("no");
        assertThat(machine.systemctl("show", "-P", "ExecStart", "edited.service")).contains("infinity");
    }

    @Test
    void aUnitThatLeavesTheRepositoryIsStoppedDisabledAndItsFileRemoved() {
        TestRepo repo = repo("leaving");
        sleeper(repo, "leaving");
        sleeper(repo, "staying");
        repo.commit("two sleepers");
        int first = machine.reloads();
        applied(repo);
        assertThat(machine.reloads() - first).as("two units enabled and started, systemd reloaded once").isEqualTo(1);

        repo.delete("services/leaving/service.yaml").delete("services/leaving/leaving.service");
        repo.commit("one leaves");
        int reloads = machine.reloads();
        Cli.Result apply = applied(repo);

        assertThat(apply.out()).contains("- unit leaving.service (leaving)", "- /etc/systemd/system/leaving.service (leaving)",
                "Apply complete: 0 added, 0 changed, 2 deleted.");
        assertThat(machine.systemctl("is-active", "leaving.service")).isEqualTo("inactive");
        assertThat(machine.machine().path("/etc/systemd/system/leaving.service")).doesNotExist();
        assertThat(machine.machine().path("/etc/systemd/system/multi-user.target.wants/leaving.service"))
                .doesNotExist();
        assertThat(machine.systemctl("is-active", "staying.service")).isEqualTo("active");
        assertThat(machine.reloads() - reloads).as("systemd reloaded once").isEqualTo(1);
        assertThat(cli("check", repo).exitCode()).isZero();
    }

    @Test
    void aUnitSystemctlCannotEnableFailsTheApplyNamingThatUnitWhileTheOthersAreEnabled() {
        TestRepo repo = repo("alias");
        sleeper(repo, "innocent");
        // enabling it would make a link where innocent.service's own file is: systemctl enable refuses
        repo.write("services/usurper/service.yaml", """
                hosts: [machine]
                units:
                  - name: usurper.service
                    content: |
                      [Service]
                      ExecStart=/bin/sleep infinity
                      [Install]
                      Alias=innocent.service
                """);
        repo.commit("a unit whose alias is another unit's name");

        Cli.Result apply = cli("apply", repo);

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).as(apply.toString()).contains("alias: error: systemctl enable usurper.service failed"
                + " (exit 1):\n    Failed to enable unit: File /etc/systemd/system/innocent.service already exists.\n");
        assertThat(machine.systemctl("is-enabled", "innocent.service")).isEqualTo("enabled");
        assertThat(machine.systemctl("is-enabled", "usurper.service")).isNotEqualTo("enabled");
    }

    @Test
    void aUnitThatSystemdAnalyzeRejectsFailsThePlanNamingItsLineAndNothingIsApplied() {
        TestRepo repo = repo("verify");
        repo.write("services/broken/service.yaml", """
                hosts: [machine]
                files:
                  - path: /etc/broken/broken.conf
                    content: "x\\n"
                units:
                  - name: broken.service
                    content: |
                      [Service]
                      ExecStart=/usr/local/bin/not-installed-anywhere
                      [Install]
                      WantedBy=multi-user.target
                """);
        sleeper(repo, "innocent");
        repo.commit("a unit whose binary the host lacks");

        Cli.Result apply = cli("apply", repo);

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("verify: error: services/broken/service.yaml:7: units[0].content:"
                + " systemd-analyze verify rejects broken.service on verify (service broken):",
                "/usr/local/bin/not-installed-anywhere is not executable", "nothing is changed on verify");
        assertThat(machine.machine().path("/etc/broken/broken.conf")).doesNotExist();
        assertThat(machine.machine().path("/etc/systemd/system/innocent.service")).doesNotExist();
        assertThat(machine.machine().path("/var/lib/driftless/state/verify.json")).doesNotExist();
        Cli.Result plan = cli("plan", repo);
        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.out() + plan.err()).contains("systemd-analyze verify rejects broken.service");
    }

    @Test
    void healthChecksOfEveryKindRunAfterTheApplyAndFindTheServiceHealthy() {
        int port = MachineHost.freePort();
        TestRepo repo = repo("health");
        repo.write("services/web/service.yaml", """
                hosts: [machine]
                files:
                  - path: /etc/web/app.conf
                    content: "port=%d\\nbody=all good\\n"
                  - path: /usr/local/bin/web-app.py
                    source: app.py
                units:
                  - name: web.service
                    content: |
                      [Service]
                      ExecStart=/usr/bin/python3 /usr/local/bin/web-app.py /etc/web/app.conf
                      [Install]
                      WantedBy=multi-user.target
                health:
                  - http: http://127.0.0.1:%d/healthz
                    contains: all good
                    successes: 2
                    timeout: 20s
                  - tcp: 127.0.0.1:%d
                    successes: 1
                    timeout: 20s
                  - command: test -f /etc/web/app.conf && systemctl is-enabled -q web.service
                    successes: 1
                    timeout: 20s
                  - unit: web.service
                    successes: 1
                    timeout: 20s
                """.formatted(port, port, port));
        repo.write("services/web/app.py", MachineHost.appScript());
        repo.commit("a web app with four checks");

        Cli.Result apply = applied(repo);

        assertThat(apply.out()).contains("health: health web: healthy").doesNotContain("degraded");
    }
}
