package dev.driftless.engine;

import dev.driftless.model.Address;
import dev.driftless.model.Host;
import dev.driftless.model.Inventory;
import dev.driftless.model.Location;
import dev.driftless.model.Problem;
import dev.driftless.model.Resource;
import dev.driftless.model.Service;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Where each host's paths land: under the command's --root (ROOT/&lt;host&gt; when the inventory has
 * several hosts), else under the host's {@code root:}, else at /. On this machine two local hosts may
 * not share a folder, and no managed path may land on what Driftless itself uses here.
 */
final class Placement {

    private static final Path SLASH = Path.of("/");

    private final Inventory inventory;
    private final Optional<Path> sandbox;
    private final List<Path> protectedPaths;
    private final Selection selection;

    Placement(Inventory inventory, Selection selection) {
        this.inventory = inventory;
        this.selection = selection;
        this.sandbox = selection.root();
        // a protected path that is a link is protected as the link and as what it points at
        this.protectedPaths = selection.protectedPaths().stream()
                .flatMap(p -> java.util.stream.Stream.of(resolved(p), resolvedFully(p))).distinct().toList();
    }

    /** The folder a host's absolute paths are placed under; empty means they are used as they are. */
    Optional<Path> root(Host host) {
        // with several hosts in the inventory each gets its own folder, whichever hosts a command picks
        boolean severalHosts = inventory.hosts().size() > 1;
        return sandbox.map(r -> severalHosts ? r.resolve(host.name()) : r).or(() -> host.root().map(Path::of));
    }

    /**
     * Two local hosts of the inventory whose roots (as this command places them) are the same folder or
     * one inside the other: they would write the same files and take one lock.
     */
    List<Problem> sharedLocalRoots() {
        if (selection.asHost().isPresent()) {
            // this machine is that one host alone: the inventory's local hosts are its runner's, elsewhere
            return List.of();
        }
        List<Host> local = inventory.hosts().values().stream().filter(this::onThisMachine).toList();
        List<Problem> problems = new ArrayList<>();
        for (int j = 0; j < local.size(); j++) {
            Host host = local.get(j);
            Path root = resolvedFully(root(host).orElse(SLASH));
            for (Host other : local.subList(0, j)) {
                Path otherRoot = resolvedFully(root(other).orElse(SLASH));
                if (root.startsWith(otherRoot) || otherRoot.startsWith(root)) {
                    problems.add(new Problem(host.where(), "local host " + host.name() + " (" + described(host)
                            + ") and local host " + other.name() + " (" + line(other.where()) + ", " + described(other)
                            + ") " + (root.equals(otherRoot) ? "share one folder" : "are one inside the other")
                            + "; they would write the same files and share one lock: give each local host its own"
                            + " 'root:' in driftless.yaml, or run with --root DIR, which puts each host in DIR/<host>"));
                    break;
                }
            }
        }
        return problems;
    }

    /**
     * Managed paths of the chosen local hosts that land on, inside, or (as a file or link) above a file
     * or folder Driftless itself uses on this machine.
     */
    List<Problem> onProtectedPaths(Collection<Service> services, Collection<Host> hosts) {
        List<Problem> problems = new ArrayList<>();
        if (protectedPaths.isEmpty()) {
            return problems;
        }
        for (Host host : hosts) {
            if (!onThisMachine(host)) {
                continue;
            }
            Path root = root(host).orElse(SLASH);
            // a thousand files share a few folders: resolve each folder once
            java.util.Map<Path, Path> folders = new java.util.HashMap<>();
            for (Service service : services) {
                if (!service.runsOn(host)) {
                    continue;
                }
                for (Resource resource : service.resources()) {
                    Path landing = resolved(root.resolve(resource.path().substring(1)), folders);
                    onProtectedPath(host, resource, landing).ifPresent(problems::add);
                }
            }
        }
        return problems;
    }

    /** Whether a host's paths are on this machine: a local host, or the one this machine is by --as-host. */
    boolean onThisMachine(Host host) {
        return host.address() instanceof Address.Local || selection.isThisMachine(host);
    }

    private Optional<Problem> onProtectedPath(Host host, Resource resource, Path landing) {
        String uses = " which Driftless itself uses on this machine (the state, keys and tokens this command was given)";
        for (Path used : protectedPaths) {
            String what;
            if (landing.equals(used)) {
                what = "lands on " + landing + "," + uses + "; Driftless does not manage its own files";
            } else if (landing.startsWith(used)) {
                what = "lands on " + landing + ", inside " + used + "," + uses + "; Driftless does not manage its own"
                        + " files";
            } else if (used.startsWith(landing) && !(resource instanceof Resource.Directory)) {
                what = "lands on " + landing + ", a folder above " + used + "," + uses + "; a "
                        + (resource instanceof Resource.Symlink ? "symbolic link" : "file") + " there would replace"
                        + " it: make it a 'type: directory' entry, or";
            } else {
                continue;
            }
            return Optional.of(new Problem(resource.where(), "on local host " + host.name() + " path " + resource.path()
                    + " " + what + (what.endsWith(" or") ? " " : ": ") + "choose another path"
                    + (root(host).isPresent() ? " or another root" : "")));
        }
        return Optional.empty();
    }

    private String described(Host host) {
        if (sandbox.isPresent()) {
            return "placed in " + root(host).orElseThrow() + " by --root";
        }
        return host.root().map(r -> "root " + r).orElse("no root:, so /");
    }

    private static String line(Location where) {
        return where.file() + ":" + where.line();
    }

    /**
     * A path as this machine resolves it: absolute, and with the links of the folders above it that
     * exist followed (its own name is kept: a managed link replaces the link, not what it points at), so
     * that a protected file reached through a linked folder is still recognised.
     */
    private static Path resolved(Path path) {
        return resolved(path, new java.util.HashMap<>());
    }

    /** The same, with the folders resolved so far. */
    private static Path resolved(Path path, java.util.Map<Path, Path> folders) {
        Path absolute = path.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        return parent == null ? absolute
                : folders.computeIfAbsent(parent, Placement::resolvedFully).resolve(absolute.getFileName());
    }

    /** The same with the path's own name followed too, when it is a link. */
    private static Path resolvedFully(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return absolute;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(absolute));
        } catch (IOException e) {
            // an unreadable folder: compare the path as written
            return absolute;
        }
    }
}
