package dev.driftless.engine;

import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.host.LocalHost;
import dev.driftless.host.SshConnections;
import dev.driftless.load.RepositoryLoader;
import dev.driftless.model.Address;
import dev.driftless.model.DesiredRepository;
import dev.driftless.model.Health;
import dev.driftless.model.Inventory;
import dev.driftless.model.Location;
import dev.driftless.model.Problem;
import dev.driftless.model.Service;
import dev.driftless.model.ValidationException;
import dev.driftless.render.DesiredHost;
import dev.driftless.render.Renderer;
import dev.driftless.source.RepoSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A repository opened at one revision with the hosts a command works on. The services are loaded,
 * validated and rendered for every chosen host at once, on first need: a host found in sync from its
 * recorded state never needs them, and a repository that does not validate hands out nothing.
 */
public final class Workspace implements AutoCloseable {

    private final RepoSource.Checkout checkout;
    private final Inventory inventory;
    private final List<dev.driftless.model.Host> hosts;
    private final Selection selection;
    private final Placement placement;
    /** Two local hosts sharing a folder, checked at the first connect: validate connects to no host. */
    private List<Problem> sharedRoots;
    private Map<String, DesiredHost> desired;
    private DesiredRepository repository;
    /** The services as loaded, before (or without) rendering: what {@link #health} needs. */
    private DesiredRepository unrendered;
    private SshConnections connections;
    private final Object connecting = new Object();
    private dev.driftless.secrets.Secrets secrets;

    private Workspace(RepoSource.Checkout checkout, Inventory inventory, List<dev.driftless.model.Host> hosts,
            Selection selection) {
        this.checkout = checkout;
        this.inventory = inventory;
        this.hosts = hosts;
        this.selection = selection;
        this.placement = new Placement(inventory, selection);
    }

    public static Workspace open(Selection selection, RepoSource source) {
        return open(selection, source.open(selection.source()));
    }

    /** The same, for a checkout already opened (the agent opens what it fetched, without fetching again). */
    public static Workspace open(Selection selection, RepoSource.Checkout checkout) {
        try {
            Inventory inventory;
            try {
                inventory = new RepositoryLoader().loadInventory(checkout.tree());
            } catch (ValidationException e) {
                // report the services' problems along with the inventory's, not in a second round
                new RepositoryLoader().load(checkout.tree());
                throw e;
            }
            List<dev.driftless.model.Host> hosts = selection.asHost().isPresent() ? thisMachine(inventory, selection)
                    : chooseHosts(inventory, selection.hosts());
            return new Workspace(checkout, inventory, hosts, selection);
        } catch (RuntimeException e) {
            checkout.close();
            throw e;
        }
    }

    /**
     * The hosts the names pick, in inventory order whatever order they are named in: a host by its name, a group
     * (Ansible's --limit web) by every host in it. A host and a group never share a name (the loader refuses it).
     */
    private static List<dev.driftless.model.Host> chooseHosts(Inventory inventory, List<String> names) {
        if (names.isEmpty()) {
            return List.copyOf(inventory.hosts().values());
        }
        List<Problem> problems = new ArrayList<>();
        for (String name : names) {
            if (!inventory.knowsHostOrGroup(name)) {
                problems.add(unknownHost(inventory, name));
            }
        }
        throwIfAny(problems);
        return inventory.hosts().values().stream().filter(h -> names.stream().anyMatch(h::isSelectedBy)).toList();
    }

    /** A --host that names nothing: the near names, hosts and groups alike, then every name there is. */
    private static Problem unknownHost(Inventory inventory, String name) {
        List<String> hosts = List.copyOf(inventory.hosts().keySet());
        List<String> groups = inventory.hosts().values().stream().flatMap(h -> h.groups().stream()).distinct().toList();
        List<String> names = new ArrayList<>(hosts);
        names.addAll(groups);
        List<String> near = dev.driftless.load.Names.near(name, names);
        String hint = near.isEmpty() ? "" : "did you mean " + String.join(" or ", near.stream().limit(3)
                .map(n -> "'" + n + "'").toList()) + "? ";
        return new Problem(Location.of("--host " + name), "no such host or group in driftless.yaml; " + hint + "(hosts: "
                + String.join(", ", hosts) + (groups.isEmpty() ? "" : "; groups: " + String.join(", ", groups)) + ")");
    }

    /** The one host --as-host names, which --host may name too but no other. */
    private static List<dev.driftless.model.Host> thisMachine(Inventory inventory, Selection selection) {
        String name = selection.asHost().orElseThrow();
        List<Problem> problems = new ArrayList<>();
        selection.hosts().stream().filter(h -> !h.equals(name)).findFirst().ifPresent(other -> problems.add(
                new Problem(Location.of("--host " + other), "--as-host " + name + " works on host " + name
                        + " alone: leave out --host " + other)));
        dev.driftless.model.Host host = inventory.hosts().get(name);
        if (host == null) {
            problems.add(new Problem(Location.of("--as-host " + name), "no such host in driftless.yaml (hosts: "
                    + String.join(", ", inventory.hosts().keySet()) + ")"));
        }
        throwIfAny(problems);
        return List.of(host);
    }

    /** driftless.yaml at the commit, validated: hosts, variables and notifications. */
    public Inventory inventory() {
        return inventory;
    }

    /** The repository's files at the commit. */
    public dev.driftless.source.RepoTree tree() {
        return checkout.tree();
    }

    /** The files of the working tree that differ from HEAD under the repository's folder (none for a URL). */
    public dev.driftless.source.UncommittedFiles uncommitted() {
        return checkout.uncommitted();
    }

    /** A secret's value by name from the repository's {@code secrets/} folder (for settings outside services). */
    public String secret(String name) {
        try {
            return secrets().value("", name);
        } catch (dev.driftless.secrets.SecretException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** {@code text} with every secret value this workspace has decrypted so far replaced by {@code ***}. */
    public String redact(String text) {
        return secrets().redact(text);
    }

    /** Author and subject of the commit. */
    public RepoSource.CommitInfo commit() {
        return checkout.commit();
    }

    /**
     * The same repository and selection at another commit (the last one healthy on a host, for a rollback); the
     * caller closes it. Throws when that commit cannot be read or no longer validates.
     */
    public Workspace at(String revision) {
        return open(selection, checkout.at(revision));
    }

    /** The commit id the desired state is read from. */
    public String revision() {
        return checkout.tree().revision();
    }

    /** The chosen hosts, in inventory order. */
    public List<dev.driftless.model.Host> hosts() {
        return hosts;
    }

    /** Whether every service is chosen (so resources of removed services may be pruned). */
    public boolean allServices() {
        return selection.services().isEmpty();
    }

    /** The whole repository, loaded and validated (and rendered for every chosen host). */
    public DesiredRepository repository() {
        render();
        return repository;
    }

    /** What one chosen host must have. */
    public DesiredHost desired(dev.driftless.model.Host host) {
        render();
        return desired.get(host.name());
    }

    /**
     * What one chosen host must have of a few services only, for a revision its state records as fully
     * applied (and so validated): the rest of the repository is not read.
     */
    public synchronized DesiredHost desiredServices(dev.driftless.model.Host host, Set<String> services) {
        if (desired != null) {
            DesiredHost all = desired.get(host.name());
            return new DesiredHost(host, all.revision(),
                    all.resources().stream().filter(r -> services.contains(r.service())).toList(),
                    filterKeys(all.handlers(), services), all.services().stream().filter(services::contains).toList(),
                    filterKeys(all.health(), services), all.registries());
        }
        DesiredRepository some = new RepositoryLoader().loadServices(checkout.tree(), inventory, services);
        throwIfAny(placement.onProtectedPaths(some.services(), List.of(host)));
        return new Renderer(checkout.tree(), secrets(), selection.render())
                .render(some, List.of(host), s -> true).get(0);
    }

    /**
     * The health checks (and {@code onFailure}) of each chosen service that runs on a chosen host, in apply order,
     * read from the services' service.yaml without rendering anything: a drift check samples the health of hosts it
     * found in sync from their records alone. The services are loaded once per workspace.
     */
    public Map<String, Health> health(dev.driftless.model.Host host) {
        Set<String> chosen = Set.copyOf(selection.services());
        Map<String, Health> health = new LinkedHashMap<>();
        for (Service service : unrendered().services()) {
            if (service.runsOn(host) && (chosen.isEmpty() || chosen.contains(service.name()))) {
                health.put(service.name(), service.health());
            }
        }
        return health;
    }

    private synchronized DesiredRepository unrendered() {
        if (unrendered == null) {
            unrendered = repository != null ? repository : new RepositoryLoader().load(checkout.tree());
        }
        return unrendered;
    }

    private synchronized dev.driftless.secrets.Secrets secrets() {
        if (secrets == null) {
            secrets = new dev.driftless.secrets.Secrets(checkout.tree(), selection.keys(), selection.secrets());
        }
        return secrets;
    }

    private static <V> Map<String, V> filterKeys(Map<String, V> map, Set<String> keys) {
        Map<String, V> kept = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            if (keys.contains(k)) {
                kept.put(k, v);
            }
        });
        return kept;
    }

    private synchronized void render() {
        if (desired != null) {
            return;
        }
        DesiredRepository loaded = unrendered();
        Set<String> services = Set.copyOf(selection.services());
        checkServices(loaded, services);
        throwIfAny(placement.onProtectedPaths(loaded.services(), hosts));
        Map<String, DesiredHost> rendered = new LinkedHashMap<>();
        for (DesiredHost host : new Renderer(checkout.tree(), secrets(), selection.render()).render(loaded, hosts,
                (Service s) -> services.isEmpty() || services.contains(s.name()))) {
            rendered.put(host.host().name(), host);
        }
        repository = loaded;
        desired = rendered;
    }

    private static void checkServices(DesiredRepository repository, Set<String> names) {
        List<Problem> problems = new ArrayList<>();
        for (String name : names) {
            if (repository.services().stream().noneMatch(s -> s.name().equals(name))) {
                problems.add(new Problem(Location.of("--service " + name), "no such service (no services/" + name
                        + "/service.yaml)"));
            }
        }
        throwIfAny(problems);
    }

    private static void throwIfAny(List<Problem> problems) {
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
    }

    /**
     * Connects to a chosen host, placing it under the sandbox root when one is given. The first call
     * refuses, before any host is touched, an inventory whose local hosts would share a folder.
     */
    public Host connect(dev.driftless.model.Host host) {
        // not this workspace's own lock: hosts connect while the repository renders (which holds that one)
        synchronized (connecting) {
            if (sharedRoots == null) {
                sharedRoots = placement.sharedLocalRoots();
            }
        }
        throwIfAny(sharedRoots);
        Optional<Path> root = placement.root(host);
        if (host.address() instanceof Address.Ssh ssh && !selection.isThisMachine(host)) {
            synchronized (connecting) {
                if (connections == null) {
                    connections = new SshConnections(selection.ssh());
                }
            }
            return connections.connect(host.name(), ssh, root.map(Path::toString), host.identity(), host.become());
        }
        return new LocalHost(host.name(), root);
    }

    /** Whether any chosen host is reached over SSH. */
    public boolean reachesRemoteHosts() {
        return hosts.stream().anyMatch(h -> !placement.onThisMachine(h));
    }

    /**
     * Whether a chosen host's paths are on this machine: a local host of the inventory, or the host this machine
     * is by --as-host (reached as a local host whatever its address says).
     */
    public boolean onThisMachine(dev.driftless.model.Host host) {
        return placement.onThisMachine(host);
    }

    /**
     * Says that the chosen hosts are about to be connected: the SSH client starts on what its key exchanges
     * will need while the caller goes on (see {@link SshConnections#prepare()}).
     */
    public void prepareConnections() {
        if (reachesRemoteHosts()) {
            SshConnections.prepare();
        }
    }

    @Override
    public void close() {
        if (connections != null) {
            connections.close();
        }
        checkout.close();
    }
}
