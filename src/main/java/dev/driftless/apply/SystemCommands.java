package dev.driftless.apply;

import dev.driftless.host.CommandResult;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.host.Shell;
import dev.driftless.plan.Action;
import dev.driftless.plan.Change;
import dev.driftless.plan.HostPlan;
import dev.driftless.render.Desired;
import dev.driftless.render.RegistryLogin;
import dev.driftless.system.PackageManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs what a plan decided about packages, units and stacks: one package manager command for all of a host's
 * packages, {@code systemctl} for units (under a root, {@code systemctl --root}, which starts nothing), the host's
 * compose for stacks ({@link StackCommands}).
 */
final class SystemCommands {

    private static final Duration PACKAGE_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration UNIT_TIMEOUT = Duration.ofMinutes(5);
    /** Pulling images can take long on a slow line. */
    private static final Duration STACK_TIMEOUT = Duration.ofMinutes(15);
    private static final Pattern FAILED = Pattern.compile("(?m)^@@failed (\\w+) (\\d+)\n?");

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

    /**
     * How the units of one {@link #units} command went: the first {@code done} are enabled (or disabled) and
     * started (or stopped) as the repository says; the first {@code touched} had their enablement changed, so
     * those not done are half done; when {@code failure} is present, unit {@code failed} is where it happened.
     */
    record UnitsRun(int done, int touched, int failed, Optional<HostException> failure) {
    }

    /**
     * Makes every unit enabled or disabled, then has systemd reload once (it caches unit files and enablement until
     * it reloads, and 'systemctl enable' would reload once per unit), then starts or stops each, in one command
     * that stops at the first failure. Under a root: {@code systemctl --root} enablement only, nothing reloaded or
     * started. The enablement is one systemctl per verb for all units (a hundred units: three commands, not two
     * hundred, a few seconds less on a fresh machine); only when that fails does it go unit by unit, to name the
     * unit at fault.
     */
    UnitsRun units(List<Desired.Unit> units) {
        StringBuilder script = new StringBuilder(
                "fail() { [ \"$1\" = enable ] && systemctl daemon-reload; echo \"@@failed $1 $2\"; exit 1; }; ");
        boolean underRoot = !host.root().equals("/");
        if (!underRoot) {
            script.append("if ! { ").append(batched("unmask", units.stream().map(Desired.Unit::name).toList()))
                    .append(batched("enable", units.stream().filter(Desired.Unit::enabled).map(Desired.Unit::name)
                            .toList()))
                    .append(batched("disable", units.stream().filter(u -> !u.enabled()).map(Desired.Unit::name)
                            .toList()))
                    .append("true; } 2>/dev/null; then ");
        }
        for (int i = 0; i < units.size(); i++) {
            Desired.Unit unit = units.get(i);
            String name = Shell.quote(unit.name());
            String enablement = unit.enabled() ? "enable" : "disable";
            script.append(underRoot ? "systemctl --root=" + Shell.quote(host.root()) + " " + enablement + " -- " + name
                    : "systemctl unmask --no-reload -q -- " + name + " && systemctl " + enablement + " --no-reload -q -- "
                    + name).append(" || fail ").append(underRoot ? "root " : "enable ").append(i).append("; ");
        }
        if (!underRoot) {
            script.append("fi; systemctl daemon-reload || fail reload 0; ");
            for (int i = 0; i < units.size(); i++) {
                Desired.Unit unit = units.get(i);
                script.append("systemctl ").append(unit.running() ? "start" : "stop").append(" -- ")
                        .append(Shell.quote(unit.name())).append(" || fail start ").append(i).append("; ");
            }
        }
        CommandResult result = host.run(script.toString(), Map.of("LC_ALL", "C"), UNIT_TIMEOUT);
        if (result.succeeded()) {
            return new UnitsRun(units.size(), units.size(), -1, Optional.empty());
        }
        Matcher failed = FAILED.matcher(result.output());
        String step = failed.find() ? failed.group(1) : "";
        int at = step.isEmpty() ? 0 : Integer.parseInt(failed.group(2));
        String output = failed.replaceAll("");
        // named: with a hundred units, systemd's own words may not say which one it was
        String command = switch (step) {
            case "enable" -> "systemctl " + (units.get(at).enabled() ? "enable " : "disable ") + units.get(at).name();
            case "start" -> "systemctl " + (units.get(at).running() ? "start " : "stop ") + units.get(at).name();
            case "reload" -> "systemctl daemon-reload";
            default -> "systemctl";
        };
        HostException failure = failure(new CommandResult(result.exitCode(), output, result.timedOut()), UNIT_TIMEOUT,
                command);
        return switch (step) {
            case "start" -> new UnitsRun(at, units.size(), at, Optional.of(failure));
            case "reload" -> new UnitsRun(0, units.size(), 0, Optional.of(failure));
            default -> new UnitsRun(0, step.isEmpty() ? units.size() : at + 1, at, Optional.of(failure));
        };
    }

    /** {@code systemctl VERB --no-reload -q -- UNIT... && } for the batch of {@link #units}, or nothing for none. */
    private static String batched(String verb, List<String> names) {
        return names.isEmpty() ? "" : "systemctl " + verb + " --no-reload -q -- "
                + names.stream().map(Shell::quote).collect(java.util.stream.Collectors.joining(" ")) + " && ";
    }

    /** Stops and disables a unit that left the repository (its files are removed as files); systemd reloads later. */
    void removeUnit(String name) {
        String quoted = Shell.quote(name);
        String command = host.root().equals("/")
                // a unit that had failed would stay listed as failed (and the system degraded) once its file is gone
                ? "systemctl disable --no-reload --now -q -- " + quoted + " && { systemctl reset-failed -q -- " + quoted
                        + " 2>/dev/null; true; }"
                : "systemctl --root=" + Shell.quote(host.root()) + " disable -q -- " + quoted;
        // a unit already gone from the host is what removal wants
        run(command + " || ! systemctl " + (host.root().equals("/") ? "" : "--root=" + Shell.quote(host.root()) + " ")
                + "cat -- " + quoted + " >/dev/null 2>&1", UNIT_TIMEOUT, "systemctl");
    }

    /**
     * Brings a stack up with the host's compose ({@link StackCommands#up}): checked by compose's own {@code config}
     * first, its missing images pulled (all of them when the stack says {@code pull: always} or the apply {@code
     * --pull}), then {@code up -d}, which recreates exactly the containers whose configuration (their label of
     * {@link dev.driftless.compose.ComposeFile#hash}) changed. Then the services that reload instead get their
     * signal when a file they mount was written by this apply. A failure says at which step, in the engine's words,
     * with the service.yaml line of the stack and which containers of the previous configuration still run. The
     * host's registry {@code logins}, if any, reach the command on its standard input only.
     */
    void stackUp(Desired.Stack stack, Optional<String> dockerHost, String engine, String compose, boolean pull,
            Set<String> written, List<RegistryLogin> logins) {
        CommandResult result = host.run(StackCommands.up(stack, dockerHost, engine, compose, pull, written, logins),
                Map.of("LC_ALL", "C"), logins.isEmpty() ? new byte[0] : RegistryLogins.file(logins), STACK_TIMEOUT);
        if (!result.succeeded()) {
            throw stackFailure(stack, compose, result);
        }
    }

    private HostException stackFailure(Desired.Stack stack, String compose, CommandResult result) {
        String step = "up";
        List<String> kept = new ArrayList<>();
        List<String> notRunning = new ArrayList<>();
        for (String line : result.output().lines().toList()) {
            if (line.startsWith(StackCommands.STEP)) {
                step = line.substring(StackCommands.STEP.length());
            } else if (line.startsWith(StackCommands.KEPT)) {
                kept.add(line.substring(StackCommands.KEPT.length()));
            } else if (line.startsWith(StackCommands.NOT_RUNNING)) {
                notRunning.add(line.substring(StackCommands.NOT_RUNNING.length()));
            }
        }
        String what = switch (step) {
            case "config" -> compose + " config rejected the compose file";
            case "pull" -> "an image of the stack could not be pulled";
            default -> compose + " up failed";
        };
        // masked before lines are left out: a secret of several lines must not lose the lines that make it one
        String output = OutputTail.of(ComposeOutput.useful(mask.apply(result.output())), mask).shown().strip();
        StringBuilder message = new StringBuilder(host.name()).append(": ").append(stack.where()).append(": stack ")
                .append(stack.project()).append(": ").append(what).append(result.timedOut() ? " (it did not finish within "
                        + STACK_TIMEOUT.toMinutes() + " min)" : " (exit " + result.exitCode() + ")")
                .append(output.isEmpty() ? "" : ":\n" + output.indent(4).stripTrailing());
        if (!notRunning.isEmpty()) {
            message.append("\n  no container of the new configuration runs for: ").append(String.join(", ", notRunning));
        }
        message.append(switch (step) {
            case "config" -> "\n  no container was touched: fix the compose file in the repository";
            case "pull" -> "\n  no container was touched: check the image's name and tag, and that " + host.name()
                    + " can reach its registry";
            default -> kept.isEmpty() ? "" : "\n  the containers of the previous configuration run on: "
                    + String.join(", ", kept);
        });
        return mayPassLater(result, output) ? HostException.transientFailure(message.toString(), null)
                : new HostException(message.toString());
    }

    /**
     * Brings down a stack that left the repository ({@link StackCommands#down}), its volumes removed only when it
     * said {@code removeVolumes: true}.
     */
    void stackDown(String project, String directory, Optional<String> dockerHost, boolean removeVolumes, String engine,
            Optional<String> compose) {
        run(StackCommands.down(project, directory, dockerHost, removeVolumes, engine, compose), STACK_TIMEOUT,
                compose.orElse(engine));
    }

    /** systemd reads unit files again; once per apply that changed one, before units are started. */
    void daemonReload() {
        if (host.root().equals("/")) {
            run("systemctl daemon-reload", UNIT_TIMEOUT, "systemctl");
        }
    }

    private void run(String command, Duration timeout, String tool) {
        CommandResult result = host.run(command, Map.of("LC_ALL", "C"), timeout);
        if (!result.succeeded()) {
            throw failure(result, timeout, tool);
        }
    }

    private HostException failure(CommandResult result, Duration timeout, String tool) {
        String output = OutputTail.of(result.output(), mask).shown().strip();
        String message = host.name() + ": " + tool + (result.timedOut() ? " did not finish within "
                + timeout.toMinutes() + " min" : " failed (exit " + result.exitCode() + ")")
                + (output.isEmpty() ? "" : ":\n" + output.indent(4).stripTrailing());
        return mayPassLater(result, output) ? HostException.transientFailure(message, null) : new HostException(message);
    }

    /** Another apt or dpkg holds the lock, a download broke, the engine did not answer: trying later may well work. */
    private static boolean mayPassLater(CommandResult result, String output) {
        return result.timedOut() || output.contains("Could not get lock") || output.contains("Unable to lock")
                || output.contains("Failed to fetch") || output.contains("Temporary failure")
                || output.contains("Cannot connect to the Docker daemon") || output.contains("i/o timeout");
    }
}
