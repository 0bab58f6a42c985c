package dev.driftless.model;

import java.util.Objects;

/**
 * The login a host's engine uses for one image registry, as driftless.yaml names it under a host's
 * {@code registries:}: the user as text or a reference, the password only as a reference (the file is committed).
 * The values are read when the host's desired state is rendered.
 *
 * @param registry the registry as image references name it: {@code 127.0.0.1:5000}, {@code registry.example.org},
 *                 {@code docker.io}
 * @param where    the entry in driftless.yaml, such as {@code hosts.web.registries.registry.example.org}
 */
public record RegistryCredentials(String registry, Setting username, Reference password, Location where) {

    public RegistryCredentials {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(where, "where");
    }
}
