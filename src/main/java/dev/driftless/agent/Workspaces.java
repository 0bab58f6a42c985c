package dev.driftless.agent;

import dev.driftless.engine.Selection;
import dev.driftless.engine.Workspace;
import dev.driftless.source.RepoSource;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Opens what the agent fetched, never fetching again (the source may be down), as workspaces of some hosts
 * and services, rendered within the agent's limits and stopped by its SIGTERM.
 */
final class Workspaces {

    private final AgentSettings settings;
    private final RepoSource source;
    private final BooleanSupplier stopping;
    // the hosts of the inventory at the newest commit read
    private volatile List<String> knownHosts = List.of();

    Workspaces(AgentSettings settings, RepoSource source, BooleanSupplier stopping) {
        this.settings = settings;
        this.source = source;
        this.stopping = stopping;
    }

    RepoSource.Request request(Optional<String> ref) {
        return new RepoSource.Request(settings.repo(), ref, settings.path(), RepoSource.ReadFrom.COMMIT);
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
                settings.render().stoppingWhen(stopping), settings.protectedPaths());
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
