package dev.driftless.plan;

import dev.driftless.compose.EngineState;
import dev.driftless.host.Host;
import dev.driftless.host.LiveEntry;
import dev.driftless.host.Shell;
import dev.driftless.system.SystemProbe;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a plan reads of a host, in one round trip on a remote one: the live state of its paths, and in the same
 * command the packages and units ({@link SystemProbe}), which of the named users and groups the host lacks, and
 * (on a remote host, where each command costs a round trip) whether any folder holds a temporary file an
 * interrupted write left, so that an apply with nothing to do need not send a command to remove them.
 *
 * @param leftovers whether the apply must look for temporary files to remove (always, on a local host)
 */
record HostReading(Map<String, LiveEntry> live, SystemProbe.Reading system, Host.Accounts missing, boolean leftovers) {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Whether to read the container engine (a stack is desired or recorded), and at which address. */
    record Engine(boolean read, Optional<String> dockerHost) {
        static final Engine NONE = new Engine(false, Optional.empty());
    }

    static HostReading of(Host host, Collection<String> paths, Map<String, LiveEntry.Known> known,
            List<String> packages, List<String> units, Host.Accounts named, Set<String> folders) {
        return of(host, paths, known, packages, units, Engine.NONE, named, folders);
    }

    static HostReading of(Host host, Collection<String> paths, Map<String, LiveEntry.Known> known,
            List<String> packages, List<String> units, Engine engine, Host.Accounts named, Set<String> folders) {
        StringBuilder command = new StringBuilder();
        named.users().forEach(u -> command.append("getent passwd -- ").append(Shell.quote(u))
                .append(" >/dev/null || echo ").append(Shell.quote("@missing-user " + u)).append("; "));
        named.groups().forEach(g -> command.append("getent group -- ").append(Shell.quote(g))
                .append(" >/dev/null || echo ").append(Shell.quote("@missing-group " + g)).append("; "));
        if (host.remote() && !folders.isEmpty()) {
            command.append("for d in");
            String root = host.root().equals("/") ? "" : host.root();
            new TreeSet<>(folders).forEach(f -> command.append(' ').append(Shell.quote(root + f)));
            command.append("; do for x in \"$d\"/.*").append(dev.driftless.host.LocalHost.TEMP_SUFFIX)
                    .append("; do if [ -f \"$x\" ] || [ -d \"$x\" ]; then echo @leftover; break 2; fi; done; done; ");
        }
        if (engine.read() && host.root().equals("/")) {
            command.append(EngineState.script(engine.dockerHost()));
        }
        if (!packages.isEmpty() || !units.isEmpty()) {
            // last: systemctl show's lines are read as unit properties up to the end
            command.append(SystemProbe.script(host.root(), packages, units));
        }
        if (command.isEmpty()) {
            return new HostReading(host.inspect(paths, known), SystemProbe.NOTHING, Host.Accounts.NONE,
                    !host.remote());
        }
        Host.Inspection inspection = host.inspectAndRun(paths, known, command.toString(), TIMEOUT);
        if (inspection.ran().timedOut()) {
            throw dev.driftless.host.HostException.transientFailure(host.name() + ": reading packages, units and"
                    + " accounts did not finish within " + TIMEOUT.toSeconds() + "s", null);
        }
        String output = inspection.ran().output();
        Set<String> users = new TreeSet<>();
        Set<String> groups = new TreeSet<>();
        boolean leftovers = !host.remote();
        for (String line : output.split("\n")) {
            if (line.startsWith("@missing-user ")) {
                users.add(line.substring(14));
            } else if (line.startsWith("@missing-group ")) {
                groups.add(line.substring(15));
            } else if (line.equals("@leftover")) {
                leftovers = true;
            }
        }
        SystemProbe.Reading system = packages.isEmpty() && units.isEmpty() ? SystemProbe.NOTHING
                : SystemProbe.parse(output, packages, units, host.root().equals("/"));
        if (engine.read() && host.root().equals("/")) {
            system = SystemProbe.withEngine(system, EngineState.parse(output));
        }
        return new HostReading(inspection.live(), system, new Host.Accounts(users, groups), leftovers);
    }
}
