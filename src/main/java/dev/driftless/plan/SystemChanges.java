package dev.driftless.plan;

import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.host.Shell;
import dev.driftless.model.Unit;
import dev.driftless.render.Desired;
import dev.driftless.state.HostState;
import dev.driftless.state.StateEntry;
import dev.driftless.system.PackageManager;
import dev.driftless.system.SystemProbe;
import dev.driftless.system.SystemState;
import dev.driftless.system.UnitStatus;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The packages and systemd units of a host's plan: what to install, remove, enable, start, stop or restart, by
 * comparing the desired packages and units with what the host has ({@link SystemProbe}) and what was last
 * applied. Their keys in plans and state are {@code package:NAME} and {@code unit:NAME}, never paths.
 */
final class SystemChanges {

    /** Kinds of the entries this class plans. */
    static final String PACKAGE = "package";
    static final String UNIT = "unit";

    /** A restart's handler name; the space keeps it apart from every handler name a repository can give. */
    static final String RESTART = "restart ";
    static final String RELOAD = "reload ";

    private SystemChanges() {
    }

    /** Whether a key of a plan or state is a package, unit or stack, not a path. */
    static boolean isSystem(String key) {
        return key.startsWith(Desired.Package.PREFIX) || key.startsWith(Desired.Unit.PREFIX)
                || StackChanges.isStack(key);
    }

    /** The names of the packages and units that {@code keys} (desired or recorded) are about. */
    static List<String> names(Iterable<String> keys, String prefix) {
        List<String> names = new ArrayList<>();
        keys.forEach(k -> {
            if (k.startsWith(prefix)) {
                names.add(k.substring(prefix.length()));
            }
        });
        return names;
    }

    /** What to record for a desired package or unit once applied. */
    static StateEntry entryFor(Desired resource) {
        if (resource instanceof Desired.Package p) {
            String target = !p.present() ? "absent" : p.version().map(v -> "=" + v).orElse("present");
            return new StateEntry(PACKAGE, p.service(), null, null, null, null, target, null, false);
        }
        Desired.Unit u = (Desired.Unit) resource;
        return new StateEntry(UNIT, u.service(), null, null, null, null,
                (u.enabled() ? "enabled" : "disabled") + "," + (u.running() ? "running" : "stopped"), null, false);
    }

    /** Whether the host has what a package or unit entry describes; a host under a root runs no unit. */
    static boolean matches(StateEntry entry, String key, SystemState live, boolean underRoot) {
        if (entry.kind().equals(StackChanges.STACK)) {
            return StackChanges.matches(entry, key, live.engine());
        }
        if (entry.kind().equals(PACKAGE)) {
            String name = key.substring(Desired.Package.PREFIX.length());
            String version = live.installed().get(name);
            return switch (entry.target()) {
                case "absent" -> version == null;
                case "present" -> version != null;
                default -> entry.target().substring(1).equals(version);
            };
        }
        UnitStatus status = live.unit(key.substring(Desired.Unit.PREFIX.length()));
        boolean enabled = entry.target().startsWith("enabled");
        boolean running = entry.target().endsWith(",running");
        if (status.masked() || status.enabled() != enabled) {
            return false;
        }
        return underRoot || status.running() == running;
    }

    /**
     * Fails the plan, before anything is changed, when the host cannot take these packages or units: no package
     * manager (or one not supported), names its package lists do not know, or units on a host without systemd.
     */
    static void requireSupported(Host host, List<Desired> desired, SystemProbe.Reading reading, boolean aptSourcesChange) {
        List<String> lines = new ArrayList<>();
        SystemState live = reading.state();
        boolean underRoot = !host.root().equals("/");
        List<Desired.Package> packages = desired.stream().filter(Desired.Package.class::isInstance)
                .map(Desired.Package.class::cast).toList();
        if (!packages.isEmpty()) {
            Desired.Package first = packages.get(0);
            if (live.packageManager().isEmpty()) {
                lines.add(where(host, first) + (underRoot ? "packages under the root " + host.root() + " need a Debian"
                        + " tree there (" + host.root() + "/var/lib/dpkg); a --root apply never installs packages on this"
                        + " machine itself" : host.name() + " has neither dpkg nor rpm, so Driftless cannot install"
                        + " packages there"));
            } else if (live.packageManager().get() instanceof PackageManager.Rpm) {
                lines.add(where(host, first) + host.name() + " uses rpm: packages on rpm/dnf hosts are not supported yet"
                        + " (only Debian and Ubuntu, with dpkg and apt); install them another way, or remove 'packages:'"
                        + " for this host");
            } else if (!aptSourcesChange) {
                for (Desired.Package p : packages) {
                    installable(host, p, reading).ifPresent(why -> lines.add(where(host, p) + why));
                }
            }
        }
        if (!underRoot && live.systemd().isPresent()) {
            desired.stream().filter(Desired.Unit.class::isInstance).findFirst().ifPresent(u -> lines.add(where(host, u)
                    + "units on " + host.name() + ": " + live.systemd().get()));
        }
        if (!lines.isEmpty()) {
            lines.add(host.name() + ": nothing is changed on " + host.name());
            throw new HostException(String.join("\n", lines));
        }
    }

    /**
     * Why apt cannot install a package the repository wants present, or empty when it can (or has it already): a
     * name its lists do not know, a version they do not have, a name with nothing to install (a virtual package).
     */
    private static Optional<String> installable(Host host, Desired.Package p, SystemProbe.Reading reading) {
        String installed = reading.state().installed().get(p.name());
        if (!p.present() || installed != null && p.version().map(installed::equals).orElse(true)) {
            return Optional.empty();
        }
        String lists = ", or the host's apt sources; its lists are from its last apt-get update)";
        if (reading.unknownPackages().contains(p.name())) {
            return Optional.of("package '" + p.name() + "' is not known to apt on " + host.name() + " (check the name"
                    + lists);
        }
        Optional<SystemProbe.Offer> offer = reading.offer(p.name());
        if (offer.isEmpty()) {
            return Optional.empty(); // no lists to ask: apt-get update runs first, and apt says what it finds
        }
        if (p.version().isPresent()) {
            List<String> versions = offer.get().versions();
            return versions.contains(p.version().get()) ? Optional.empty() : Optional.of("version " + p.version().get()
                    + " of package '" + p.name() + "' is not known to apt on " + host.name() + " (it knows "
                    + (versions.isEmpty() ? "none" : String.join(", ", versions)) + "; check the version" + lists);
        }
        return offer.get().candidate().isPresent() ? Optional.empty() : Optional.of("apt on " + host.name() + " knows '"
                + p.name() + "' but has no version of it to install (a virtual package, or one only other packages"
                + " mention): name the package that provides it");
    }

    private static String where(Host host, Desired resource) {
        return host.name() + ": " + resource.where() + ": ";
    }

    /**
     * The change a desired package or unit needs, or empty when the host has it. {@code recorded} is what the
     * last apply left (drift when the host no longer has it).
     */
    static Optional<Change> change(Desired resource, StateEntry wanted, StateEntry recorded, SystemProbe.Reading reading,
            boolean underRoot) {
        SystemState live = reading.state();
        if (matches(wanted, resource.path(), live, underRoot)) {
            return Optional.empty();
        }
        Set<Cause> causes = EnumSet.noneOf(Cause.class);
        if (recorded != null && !matches(recorded, resource.path(), live, underRoot)) {
            causes.add(Cause.DRIFT);
        }
        if (recorded == null || !recorded.target().equals(wanted.target()) || causes.isEmpty()) {
            causes.add(Cause.PENDING);
        }
        List<String> details = new ArrayList<>();
        if (resource instanceof Desired.Package p) {
            String installed = live.installed().get(p.name());
            String manager = live.packageManager().map(PackageManager::name).orElse("");
            // the first detail is the version, shown beside the package's name
            if (!p.present()) {
                details.add(installed);
                details.add("removed with " + manager + " (state: absent)");
                return Optional.of(new Change(Action.DELETE, p.path(), PACKAGE, p.service(), causes, Optional.of(p),
                        Optional.empty(), details));
            }
            if (installed == null) {
                details.add(p.version().or(() -> reading.offer(p.name()).flatMap(SystemProbe.Offer::candidate))
                        .orElse("newest"));
                details.add("installed with " + manager);
                return Optional.of(new Change(Action.CREATE, p.path(), PACKAGE, p.service(), causes, Optional.of(p),
                        Optional.empty(), details));
            }
            details.add(installed + " -> " + p.version().orElseThrow());
            details.add("installed with " + manager + " (the repository asks for this version)");
            return Optional.of(new Change(Action.UPDATE, p.path(), PACKAGE, p.service(), causes, Optional.of(p),
                    Optional.empty(), details));
        }
        Desired.Unit u = (Desired.Unit) resource;
        UnitStatus status = live.unit(u.name());
        if (status.masked()) {
            details.add("masked -> unmask");
        }
        if (status.enabled() != u.enabled() || status.masked()) {
            details.add(u.enabled() ? "enable" : "disable");
        }
        if (!underRoot && status.running() != u.running()) {
            details.add(u.running() ? "start" : "stop");
        }
        details.add("now: " + status.describe());
        Action action = recorded == null && !status.running() && !status.enabled() ? Action.CREATE : Action.UPDATE;
        return Optional.of(new Change(action, u.path(), UNIT, u.service(), causes, Optional.of(u), Optional.empty(),
                details));
    }

    /** The change that stops and disables a unit that left the repository (its file goes as a file). */
    static Change removal(String key, StateEntry recorded, SystemState live) {
        String name = key.substring(Desired.Unit.PREFIX.length());
        return new Change(Action.DELETE, key, UNIT, recorded.service(), EnumSet.of(Cause.PENDING), Optional.empty(),
                Optional.empty(), List.of("stop and disable (now: " + live.unit(name).describe() + ")"));
    }

    /** The note for a package that left the repository: left installed, no longer managed. */
    static Change release(String key, StateEntry recorded, SystemState live) {
        String name = key.substring(Desired.Package.PREFIX.length());
        String installed = live.installed().get(name);
        return new Change(Action.RELEASE, key, PACKAGE, recorded.service(), EnumSet.of(Cause.PENDING), Optional.empty(),
                Optional.empty(), List.of(installed == null ? "not installed" : installed, "left installed: it left the"
                        + " repository, and only 'state: absent' removes a package"));
    }

    /**
     * The restarts (or reloads) an apply owes: units that keep running whose own files or {@code restartOn} files
     * change, and restarts an interrupted apply still owes. A unit this apply starts is not restarted too.
     */
    static List<HandlerRun> restarts(List<Desired> desired, List<Change> changes, HostState previous, String root) {
        if (!root.equals("/")) {
            return List.of();
        }
        Set<String> changedPaths = new LinkedHashSet<>();
        Set<String> starting = new LinkedHashSet<>();
        for (Change change : changes) {
            changedPaths.add(change.path());
            if (change.kind().equals(UNIT) && change.details().contains("start")) {
                starting.add(change.path());
            }
        }
        List<HandlerRun> runs = new ArrayList<>();
        for (Desired resource : desired) {
            if (!(resource instanceof Desired.Unit u) || !u.running() || starting.contains(u.path())) {
                continue;
            }
            // its own unit file or drop-in changed: a reload would leave the old ExecStart=, Environment=, ...
            // running, so that is always a restart; reload: true is for restartOn files
            HandlerRun restart = cycle(u, "restart");
            HandlerRun asked = u.reload() ? cycle(u, "reload") : restart;
            if (u.files().stream().anyMatch(changedPaths::contains) || previous.pendingHandlers().contains(restart.id())) {
                runs.add(restart);
            } else if (u.restartOn().stream().anyMatch(changedPaths::contains)
                    || previous.pendingHandlers().contains(asked.id())) {
                runs.add(asked);
            }
        }
        return runs;
    }

    private static HandlerRun cycle(Desired.Unit u, String verb) {
        return new HandlerRun(u.service(), verb + " " + u.name(), "systemctl " + verb + " -- " + Shell.quote(u.name()));
    }

    /** Whether a change writes or removes a unit file or drop-in, after which systemd must reload its units. */
    static boolean changesUnitFile(Change change) {
        return Desired.isPath(change.path()) && Unit.isUnitFile(change.path());
    }

    /** Whether writing {@code path} (under /etc/apt) may let apt know packages it does not know now. */
    static boolean changesAptSources(String path) {
        return path.startsWith("/etc/apt/");
    }

    /** The names in {@code map}'s keys with {@code prefix}, for the probe. */
    static List<String> named(Map<String, ?> map, String prefix) {
        return names(map.keySet(), prefix);
    }
}
