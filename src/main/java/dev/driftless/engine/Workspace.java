package dev.driftless.engine;

import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.host.LocalHost;
import dev.driftless.load.RepositoryLoader;
import dev.driftless.model.Address;
import dev.driftless.model.DesiredRepository;
import dev.driftless.model.Location;
import dev.driftless.model.Problem;
import dev.driftless.model.Service;
import dev.driftless.model.ValidationException;
import dev.driftless.render.DesiredHost;
import dev.driftless.render.Renderer;
import dev.driftless.source.RepoSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A repository opened at one revision, validated and rendered for the chosen hosts: the starting
 * point of plan, apply and check. Either everything validates or nothing is handed out.
 */
public final class Workspace implements AutoCloseable {

    private final RepoSource.Checkout checkout;
    private final DesiredRepository repository;
    private final List<DesiredHost> hosts;
    private final Selection selection;

    private Workspace(RepoSource.Checkout checkout, DesiredRepository repository, List<DesiredHost> hosts,
            Selection selection) {
        this.checkout = checkout;
        this.repository = repository;
        this.hosts = hosts;
        this.selection = selection;
    }

    public static Workspace open(Selection selection, RepoSource source) {
        RepoSource.Checkout checkout = source.open(selection.source());
        try {
            DesiredRepository repository = new RepositoryLoader().load(checkout.tree());
            List<dev.driftless.model.Host> chosenHosts = chooseHosts(repository, selection.hosts());
            Set<String> services = Set.copyOf(selection.services());
            checkServices(repository, services);
            List<DesiredHost> rendered = new Renderer(checkout.tree()).render(repository, chosenHosts,
                    (Service s) -> services.isEmpty() || services.contains(s.name()));
            return new Workspace(checkout, repository, rendered, selection);
        } catch (RuntimeException e) {
            checkout.close();
            throw e;
        }
    }

    private static List<dev.driftless.model.Host> chooseHosts(DesiredRepository repository, List<String> names) {
        if (names.isEmpty()) {
            return List.copyOf(repository.inventory().hosts().values());
        }
        List<dev.driftless.model.Host> chosen = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        for (String name : names) {
            dev.driftless.model.Host host = repository.inventory().hosts().get(name);
            if (host == null) {
                problems.add(new Problem(Location.of("--host " + name), "no such host in driftless.yaml (hosts: "
                        + String.join(", ", repository.inventory().hosts().keySet()) + ")"));
            } else if (!chosen.contains(host)) {
                chosen.add(host);
            }
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
        return chosen;
    }

    private static void checkServices(DesiredRepository repository, Set<String> names) {
        List<Problem> problems = new ArrayList<>();
        for (String name : names) {
            if (repository.services().stream().noneMatch(s -> s.name().equals(name))) {
                problems.add(new Problem(Location.of("--service " + name), "no such service (no services/" + name
                        + "/service.yaml)"));
            }
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
    }

    public DesiredRepository repository() {
        return repository;
    }

    public List<DesiredHost> hosts() {
        return hosts;
    }

    /** Whether every service is chosen (so resources of removed services may be pruned). */
    public boolean allServices() {
        return selection.services().isEmpty();
    }

    /** Connects to a host of the workspace, placing it under the sandbox root when one is given. */
    public Host connect(DesiredHost desired) {
        dev.driftless.model.Host host = desired.host();
        // with several hosts in the inventory each gets its own folder, whichever hosts a command picks
        boolean severalHosts = repository.inventory().hosts().size() > 1;
        Optional<Path> root = selection.root()
                .map(r -> severalHosts ? r.resolve(host.name()) : r)
                .or(() -> host.root().map(Path::of));
        if (!(host.address() instanceof Address.Local)) {
            throw new HostException(host.name() + ": " + host.address() + " is an SSH host; this version of Driftless"
                    + " applies to 'address: local' hosts only");
        }
        return new LocalHost(host.name(), root);
    }

    @Override
    public void close() {
        checkout.close();
    }
}
