package dev.driftless.plan;

import dev.driftless.host.CommandResult;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.host.Shell;
import dev.driftless.model.Unit;
import dev.driftless.render.Desired;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code systemd-analyze verify} on the host for the unit files a plan writes, in one command, before
 * anything is applied: it needs the host's binaries and units, which only the host has. Skipped under a root
 * (an image being built has no running system to verify against), for a unit file rendered from a secret (its
 * text would travel on a command line), and on a host without systemd-analyze.
 */
final class UnitVerification {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String NOT_EXECUTABLE = "is not executable: No such file or directory";

    private UnitVerification() {
    }

    static void verify(Host host, List<Change> changes) {
        if (!host.root().equals("/")) {
            return;
        }
        List<Desired.File> units = new ArrayList<>();
        boolean installs = changes.stream().anyMatch(c -> c.kind().equals(SystemChanges.PACKAGE)
                && c.action() != Action.DELETE);
        for (Change change : changes) {
            change.desired().filter(Desired.File.class::isInstance).map(Desired.File.class::cast)
                    .filter(f -> !f.sensitive() && isUnitFile(f.path())).ifPresent(units::add);
        }
        if (units.isEmpty()) {
            return;
        }
        StringBuilder script = new StringBuilder("command -v systemd-analyze >/dev/null || exit 0; d=$(mktemp -d) || exit 0; ");
        for (Desired.File unit : units) {
            String name = unit.path().substring(unit.path().lastIndexOf('/') + 1);
            script.append("printf %s ").append(Base64.getEncoder().encodeToString(unit.content()))
                    .append(" | base64 -d > \"$d\"/").append(Shell.quote(name)).append("; ");
        }
        script.append("cd \"$d\" && systemd-analyze verify --man=no -- ");
        units.forEach(u -> script.append(Shell.quote(u.path().substring(u.path().lastIndexOf('/') + 1))).append(' '));
        script.append("2>&1; rc=$?; rm -rf \"$d\"; exit $rc");
        CommandResult result = host.run(script.toString(), Map.of("LC_ALL", "C"), TIMEOUT);
        if (result.succeeded() || result.timedOut()) {
            return;
        }
        List<String> lines = new ArrayList<>();
        for (Desired.File unit : units) {
            String name = unit.path().substring(unit.path().lastIndexOf('/') + 1);
            List<String> said = result.output().lines().filter(l -> l.startsWith(name + ":") || l.contains("/" + name + ":"))
                    .map(l -> l.replaceAll("^/tmp/[^:]*/", ""))
                    // a binary the same apply installs is not there yet: not the unit's fault
                    .filter(l -> !(installs && l.contains(NOT_EXECUTABLE)))
                    .filter(l -> !l.contains("Unknown key") && !l.contains("ignoring"))
                    .toList();
            if (!said.isEmpty()) {
                lines.add(host.name() + ": " + unit.where() + ": systemd-analyze verify rejects " + name + " on "
                        + host.name() + " (service " + unit.service() + "):");
                said.forEach(l -> lines.add("    " + l));
            }
        }
        if (!lines.isEmpty()) {
            lines.add(host.name() + ": nothing is changed on " + host.name());
            throw new HostException(String.join("\n", lines));
        }
    }

    /** A unit file itself, not a drop-in (which systemd-analyze cannot check on its own). */
    private static boolean isUnitFile(String path) {
        return Unit.isUnitFile(path) && path.indexOf('/', Unit.DIRECTORY.length() + 1) < 0
                && !path.substring(path.lastIndexOf('/') + 1).endsWith(".conf");
    }

}
