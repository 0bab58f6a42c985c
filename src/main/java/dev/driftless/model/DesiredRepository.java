package dev.driftless.model;

import java.util.List;

/**
 * A validated Driftless repository at one revision.
 *
 * @param revision the commit id (with a "+worktree" suffix when read from uncommitted files)
 * @param services in apply order: every service after the services it depends on
 */
public record DesiredRepository(String revision, Inventory inventory, List<Service> services) {

    public DesiredRepository {
        services = List.copyOf(services);
    }
}
