package dev.driftless.load;

import dev.driftless.load.YamlFile.Mapping;
import dev.driftless.model.Problem;
import dev.driftless.model.Reference;
import dev.driftless.model.RegistryCredentials;
import dev.driftless.model.Setting;
import dev.driftless.model.TextForm;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads a host's {@code registries:} in driftless.yaml: a map from a registry, as image references name it, to the
 * login its engine pulls with.
 *
 * <pre>
 * registries:
 *   registry.example.org: { username: deploy, password: { secret: registry.password } }
 *   127.0.0.1:5000: { username: { env: REGISTRY_USER }, password: { env: REGISTRY_PASSWORD } }
 * </pre>
 *
 * <p>The password is a credential, written only as {@code { secret: name }} or {@code { env: VAR }}; the user may be
 * either or text. Nothing is read here (this machine may not have the key): rendering reads the values.
 */
final class RegistryLoader {

    /** A host name or IPv4 address, with a port or not; no scheme, no path, as an image reference starts. */
    private static final Pattern REGISTRY = Pattern.compile(
            "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?");
    private static final Set<String> KEYS = Set.of("username", "password");

    private RegistryLoader() {
    }

    /** The logins under {@code registries:} of the host mapping {@code host}, in the order written. */
    static List<RegistryCredentials> load(Mapping host, List<Problem> problems) {
        Optional<Node> value = host.value("registries");
        if (value.isEmpty() || References.isNull(value.get())) {
            return List.of();
        }
        if (!(value.get() instanceof MappingNode)) {
            host.problem("registries", "must be a map of registry → login, such as `registry.example.org: "
                    + "{ username: deploy, password: { secret: registry.password } }`"
                    + (value.get() instanceof SequenceNode ? " (a map, not a list)" : ""));
            return List.of();
        }
        Mapping registries = host.yaml().mapping(value.get(), host.child("registries")).orElseThrow();
        List<RegistryCredentials> logins = new ArrayList<>();
        registries.entries().forEach((registry, tuple) -> {
            int before = problems.size();
            if (!REGISTRY.matcher(registry).matches()) {
                registries.problem(registry, "'" + registry + "' is not a registry as image references name it: write"
                        + " its host and port only, such as registry.example.org, 127.0.0.1:5000 or docker.io"
                        + (registry.contains("://") ? " (no scheme)" : registry.contains("/") ? " (no path)" : ""));
                return;
            }
            login(registries, registry, tuple, problems).filter(l -> problems.size() == before).ifPresent(logins::add);
        });
        return logins;
    }

    private static Optional<RegistryCredentials> login(Mapping registries, String registry, NodeTuple tuple,
            List<Problem> problems) {
        if (!(tuple.getValueNode() instanceof MappingNode)) {
            registries.problem(registry, "must be a map with username and password, such as `{ username: deploy,"
                    + " password: { secret: registry.password } }`");
            return Optional.empty();
        }
        Mapping login = registries.yaml().mapping(tuple, registries.child(registry)).orElseThrow();
        login.allowOnly(KEYS);
        Optional<Setting> username = login.required("username", "the user the registry knows")
                .flatMap(node -> References.setting(node, login.locationOf("username"), TextForm.TEXT, problems));
        username.filter(u -> u instanceof Setting.Text text && text.value().contains(":"))
                .ifPresent(u -> login.problem("username", "must not contain ':' (the registry's basic login cannot"
                        + " carry it)"));
        Optional<Reference> password = References.credential(login, "password",
                "`{ secret: name }` or `{ env: VARIABLE }`", problems);
        return username.flatMap(u -> password.map(p -> new RegistryCredentials(registry, u, p, login.location())));
    }
}
