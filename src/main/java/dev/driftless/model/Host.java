package dev.driftless.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A machine of the inventory, as declared in driftless.yaml.
 *
 * @param dockerHost the container engine's address (as DOCKER_HOST takes it) when not the one its CLI finds itself
 * @param registries the logins its engine pulls images with, in the order written (none: the engine's own)
 */
public record Host(
        String name,
        Address address,
        List<String> groups,
        Map<String, Object> vars,
        Optional<String> root,
        Optional<String> identity,
        Optional<String> become,
        Optional<String> dockerHost,
        List<RegistryCredentials> registries,
        Location where) {

    public Host {
        groups = List.copyOf(groups);
        vars = Map.copyOf(vars);
        registries = List.copyOf(registries);
    }

    /** A host whose engine pulls with its own logins. */
    public Host(String name, Address address, List<String> groups, Map<String, Object> vars, Optional<String> root,
            Optional<String> identity, Optional<String> become, Optional<String> dockerHost, Location where) {
        this(name, address, groups, vars, root, identity, become, dockerHost, List.of(), where);
    }

    public boolean isSelectedBy(String hostOrGroup) {
        return name.equals(hostOrGroup) || groups.contains(hostOrGroup);
    }
}
