package dev.driftless.model;

import java.util.List;
import java.util.Map;

/**
 * One directory under services/: the resources it manages, on which hosts, after which services.
 *
 * @param directory the service's directory, relative to the repository root (e.g. services/nginx)
 * @param handlers handler name to shell command, in declared order
 * @param packages packages to install or remove, in declared order
 * @param units systemd units (their files are among {@code resources})
 * @param compose the service's container stack, if it has one (its compose file is among {@code resources})
 */
public record Service(
        String name,
        String directory,
        String description,
        List<String> hosts,
        List<String> dependsOn,
        DriftPolicy drift,
        List<Resource> resources,
        Map<String, String> handlers,
        List<PackageSpec> packages,
        List<Unit> units,
        java.util.Optional<Compose> compose,
        Health health,
        Location where) {

    public Service {
        hosts = List.copyOf(hosts);
        dependsOn = List.copyOf(dependsOn);
        resources = List.copyOf(resources);
        packages = List.copyOf(packages);
        units = List.copyOf(units);
    }

    public boolean runsOn(Host host) {
        return hosts.stream().anyMatch(host::isSelectedBy);
    }
}
