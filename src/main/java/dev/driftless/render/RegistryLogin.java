package dev.driftless.render;

import java.util.Objects;

/**
 * A host's login to one image registry with its values read: what the engine pulls with during an apply. It travels
 * only to the apply's command (on its standard input); its text form never shows the password.
 *
 * @param registry as image references name it, such as {@code 127.0.0.1:5000} or {@code docker.io}
 */
public record RegistryLogin(String registry, String username, String password) {

    public RegistryLogin {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "RegistryLogin[" + registry + ", user " + username + ", password withheld]";
    }
}
