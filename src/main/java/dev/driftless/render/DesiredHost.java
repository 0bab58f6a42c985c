package dev.driftless.render;

import dev.driftless.model.Health;
import dev.driftless.model.Host;
import java.util.List;
import java.util.Map;

/**
 * Everything one host must have at one revision.
 *
 * @param resources in apply order: services in dependency order, each service's resources as declared
 * @param handlers service name to its handlers (name to command), services in dependency order
 * @param services the services rendered for this host (a --service filter narrows them)
 * @param health each rendered service's health checks and what to do when they fail
 * @param registries the host's registry logins, read when it has stacks (the values of secrets: never printed)
 */
public record DesiredHost(Host host, String revision, List<Desired> resources,
        Map<String, Map<String, String>> handlers, List<String> services, Map<String, Health> health,
        List<RegistryLogin> registries) {

    public DesiredHost {
        resources = List.copyOf(resources);
        services = List.copyOf(services);
        health = Map.copyOf(health);
        registries = List.copyOf(registries);
    }

    /** What a host must have, pulling images with its engine's own logins. */
    public DesiredHost(Host host, String revision, List<Desired> resources, Map<String, Map<String, String>> handlers,
            List<String> services, Map<String, Health> health) {
        this(host, revision, resources, handlers, services, health, List.of());
    }

    /** A service's health checks ({@link Health#NONE} when it has none). */
    public Health health(String service) {
        return health.getOrDefault(service, Health.NONE);
    }
}
