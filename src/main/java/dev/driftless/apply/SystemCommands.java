package dev.driftless.apply;

import dev.driftless.host.CommandResult;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.host.Shell;
import dev.driftless.plan.Action;
import dev.driftless.plan.Change;
import dev.driftless.plan.HostPlan;
import dev.driftless.render.Desired;
import dev.driftless.system.PackageManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Runs what a plan decided about packages and units: one package manager command for all of a host's packages,
 * {@code systemctl} for units (under a root, {@code systemctl --root}, which starts nothing).
 */
final class SystemCommands {

    private static final Duration PACKAGE_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration UNIT_TIMEOUT = Duration.ofMinutes(5);

    private final Host host;
    private final UnaryOperator<String> mask;

    SystemCommands(Host host, UnaryOperator<String> mask) {
        this.host = host;
        this.mask = mask;
    }

    /** The packages to install, upgrade, downgrade or remove, in one command. */
    void packages(HostPlan plan, List<Change> changes) {
        List<Desired.Package> install = changes.stream().filter(c -> c.action() != Action.DELETE)
                .map(c -> (Desired.Package) c.desired().orElseThrow()).toList();
        List<Desired.Package> remove = changes.stream().filter(c -> c.action() == Action.DELETE)
                .map(c -> (Desired.Package) c.desired().orElseThrow()).toList();
        PackageManager manager = plan.system().packageManager().orElseThrow(() ->
                new HostException(host.name() + ": no package manager (the plan should have said so)"));
        run(manager.command(host.root(), install, remove), PACKAGE_TIMEOUT, manager.name());
    }

    /** Makes a unit enabled or disabled, started or stopped, as the repository says. */
    void unit(Desired.Unit unit) {
        String name = Shell.quote(unit.name());
        if (!host.root().equals("/")) {
            run("systemctl --root=" + Shell.quote(host.root()) + " " + (unit.enabled() ? "enable" : "disable")
                    + " -- " + name, UNIT_TIMEOUT, "systemctl");
            return;
        }
        run("systemctl unmask -q -- " + name + " && systemctl " + (unit.enabled() ? "enable" : "disable") + " -q -- "
                + name + " && systemctl " + (unit.running() ? "start" : "stop") + " -- " + name, UNIT_TIMEOUT,
                "systemctl");
    }

    /** Stops and disables a unit that left the repository (its files are removed as files). */
    void removeUnit(String name) {
        String quoted = Shell.quote(name);
        String command = host.root().equals("/") ? "systemctl disable --now -q -- " + quoted
                : "systemctl --root=" + Shell.quote(host.root()) + " disable -q -- " + quoted;
        // a unit already gone from the host is what removal wants
        run(command + " || ! systemctl " + (host.root().equals("/") ? "" : "--root=" + Shell.quote(host.root()) + " ")
                + "cat -- " + quoted + " >/dev/null 2>&1", UNIT_TIMEOUT, "systemctl");
    }

    /** systemd reads unit files again; once per apply that changed one, before units are started. */
    void daemonReload() {
        if (host.root().equals("/")) {
            run("systemctl daemon-reload", UNIT_TIMEOUT, "systemctl");
        }
    }

    private void run(String command, Duration timeout, String tool) {
        CommandResult result = host.run(command, Map.of("LC_ALL", "C"), timeout);
        if (result.succeeded()) {
            return;
        }
        String output = OutputTail.of(result.output(), mask).shown().strip();
        String message = host.name() + ": " + tool + (result.timedOut() ? " did not finish within "
                + timeout.toMinutes() + " min" : " failed (exit " + result.exitCode() + ")")
                + (output.isEmpty() ? "" : ":\n" + output.indent(4).stripTrailing());
        // another apt or dpkg holds the lock, or a download broke: trying again later may well work
        boolean again = result.timedOut() || output.contains("Could not get lock") || output.contains("Unable to lock")
                || output.contains("Failed to fetch") || output.contains("Temporary failure");
        throw again ? HostException.transientFailure(message, null) : new HostException(message);
    }
}
