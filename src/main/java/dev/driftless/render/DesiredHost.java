package dev.driftless.render;

import dev.driftless.model.Host;
import java.util.List;
import java.util.Map;

/**
 * Everything one host must have at one revision.
 *
 * @param resources in apply order: services in dependency order, each service's resources as declared
 * @param handlers service name to its handlers (name to command), services in dependency order
 * @param services the services rendered for this host (a --service filter narrows them)
 */
public record DesiredHost(Host host, String revision, List<Desired> resources,
        Map<String, Map<String, String>> handlers, List<String> services) {

    public DesiredHost {
        resources = List.copyOf(resources);
        services = List.copyOf(services);
    }
}
