package dev.driftless.agent;

import dev.driftless.engine.Selection;
import dev.driftless.engine.Workspace;
import dev.driftless.host.HostException;
import dev.driftless.host.LocalHost;
import dev.driftless.load.RepositoryLoader;
import dev.driftless.model.Address;
import dev.driftless.model.DesiredRepository;
import dev.driftless.model.Host;
import dev.driftless.model.ValidationException;
import dev.driftless.source.RepoSource;
import dev.driftless.source.SourceException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens what the agent fetched, never fetching again (the source may be down), as workspaces of some hosts
 * and services, rendered within the agent's limits and stopped by its SIGTERM.
 */
final class Workspaces {

    private static final Logger LOG = LoggerFactory.getLogger(Workspaces.class);

    private final AgentSettings settings;
    private final RepoSource source;
    private final BooleanSupplier stopping;
    // the hosts of the inventory at the newest commit read
    private volatile List<String> knownHosts = List.of();
    // commit/service -> README: a commit's files never change, and a page view should not open Git each time
    private final Map<String, Optional<String>> readmes = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Optional<String>> eldest) {
            return size() > 64;
        }
    };

    Workspaces(AgentSettings settings, RepoSource source, BooleanSupplier stopping) {
        this.settings = settings;
        this.source = source;
        this.stopping = stopping;
    }

    RepoSource.Request request(Optional<String> ref) {
        return new RepoSource.Request(settings.repo(), ref, settings.path(), RepoSource.ReadFrom.COMMIT);
    }

    /**
     * The full id of a commit the agent's copy of its repository holds, named by its id or a prefix of it; read
     * without fetching.
     *
     * @throws SourceException when the copy has no such commit (or the prefix names several)
     */
    String commitId(String revision) {
        try (RepoSource.Checkout checkout = source.openFetched(request(Optional.of(revision)))) {
            return checkout.commit().id();
        }
    }

    /** Some hosts (none: every host) of a commit (empty: the followed ref), every service. */
    Workspace open(Optional<String> ref, List<String> hosts) {
        return open(ref, hosts, List.of());
    }

    Workspace open(Optional<String> ref, List<String> hosts, List<String> services) {
        Selection selection = selection(ref, hosts, services);
        return Workspace.open(selection, source.openFetched(selection.source()));
    }

    /** A checkout already opened. */
    Workspace open(Optional<String> ref, List<String> hosts, RepoSource.Checkout checkout) {
        return Workspace.open(selection(ref, hosts, List.of()), checkout);
    }

    private Selection selection(Optional<String> ref, List<String> hosts, List<String> services) {
        return new Selection(request(ref), hosts, services, settings.root(), settings.ssh(), settings.keys(),
                settings.render().stoppingWhen(stopping), settings.protectedPaths(), settings.asHost());
    }

    /**
     * The hosts among {@code targets} (host name to the commit applied there) whose services at that commit include a
     * container stack, as that commit's inventory declares them; read without rendering anything. A commit that can
     * no longer be read or loaded counts as one without stacks.
     */
    List<Host> withStacks(Map<String, String> targets) {
        Map<String, List<String>> byCommit = byCommit(targets);
        List<Host> found = new ArrayList<>();
        byCommit.forEach((commit, hosts) -> {
            try (RepoSource.Checkout checkout = source.openFetched(request(Optional.of(commit)))) {
                DesiredRepository repository = new RepositoryLoader().load(checkout.tree());
                for (String name : hosts) {
                    Host host = repository.inventory().hosts().get(name);
                    if (host != null && repository.services().stream()
                            .anyMatch(s -> s.compose().isPresent() && s.runsOn(host))) {
                        found.add(settings.asHost().filter(name::equals).isPresent() ? onThisMachine(host) : host);
                    }
                }
            } catch (SourceException | ValidationException e) {
                LOG.warn("cannot tell which hosts have container stacks at commit {}: {}", commit, e.getMessage());
            }
        });
        return found;
    }

    /**
     * The hosts among {@code targets} (host name to the commit applied there) that are this machine, as that commit
     * places them (under the agent's --root or the host's {@code root:}); read without rendering anything. A commit
     * that can no longer be read or loaded has none.
     */
    List<LocalHost> localHosts(Map<String, String> targets) {
        Map<String, List<String>> byCommit = byCommit(targets);
        List<LocalHost> found = new ArrayList<>();
        byCommit.forEach((commit, hosts) -> {
            try (Workspace workspace = open(Optional.of(commit), hosts)) {
                for (Host host : workspace.hosts()) {
                    if (workspace.onThisMachine(host)) {
                        found.add((LocalHost) workspace.connect(host));
                    }
                }
            } catch (SourceException | ValidationException | HostException e) {
                LOG.warn("cannot tell where the local hosts' files are at commit {}: {}", commit, e.getMessage());
            }
        });
        return found;
    }

    /** The host this agent runs on by --as-host, as a local host: its engine is this machine's. */
    private static Host onThisMachine(Host host) {
        return new Host(host.name(), new Address.Local(), host.groups(), host.vars(), host.root(), Optional.empty(),
                Optional.empty(), host.dockerHost(), host.registries(), host.where());
    }

    /**
     * A service's README.md at a fetched commit, cut at {@link ServiceReport#MAX_README_CHARS}; empty when it has none,
     * or the commit can no longer be read (said in the log, not to the reader).
     */
    Optional<String> readme(String commit, String service) {
        String key = commit + "/" + service;
        synchronized (readmes) {
            Optional<String> known = readmes.get(key);
            if (known != null) {
                return known;
            }
        }
        Optional<String> read = readReadme(commit, service);
        synchronized (readmes) {
            readmes.put(key, read);
        }
        return read;
    }

    private Optional<String> readReadme(String commit, String service) {
        String path = RepositoryLoader.SERVICES_DIR + "/" + service + "/README.md";
        if (!dev.driftless.source.RepoTree.isTreePath(path) || service.contains("/")) {
            return Optional.empty();
        }
        try (RepoSource.Checkout checkout = source.openFetched(request(Optional.of(commit)))) {
            return checkout.tree().read(path).map(bytes -> {
                String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
                return text.length() > ServiceReport.MAX_README_CHARS
                        ? text.substring(0, ServiceReport.MAX_README_CHARS) + "\n\n… (the rest is not shown)" : text;
            });
        } catch (SourceException e) {
            LOG.warn("cannot read {} at commit {}: {}", path, commit, e.getMessage());
            return Optional.empty();
        }
    }

    private static Map<String, List<String>> byCommit(Map<String, String> targets) {
        Map<String, List<String>> byCommit = new LinkedHashMap<>();
        targets.forEach((host, commit) -> byCommit.computeIfAbsent(commit, c -> new ArrayList<>()).add(host));
        return byCommit;
    }

    boolean stopping() {
        return stopping.getAsBoolean();
    }

    List<String> knownHosts() {
        return knownHosts;
    }

    void knownHosts(List<String> hosts) {
        knownHosts = List.copyOf(hosts);
    }
}
