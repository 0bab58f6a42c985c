package dev.driftless.secrets;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Secrets kept in SOPS files of the repository: first the service's own {@code secrets.sops.yaml}
 * (the name is a key of it, or a dotted path into it), then {@code secrets/FILE.sops.yaml} (also
 * {@code .yml}, {@code .json}, {@code .env}) at the repository root, where the name's first part names the
 * file: {@code secret('postgres.password')} reads {@code password} of {@code secrets/postgres.sops.yaml}.
 */
final class SopsSecretSource implements SecretSource {

    static final String SERVICE_FILE = "secrets.sops.yaml";
    static final String FOLDER = "secrets";
    private static final List<String> EXTENSIONS = List.of(".sops.yaml", ".sops.yml", ".sops.json", ".sops.env");

    private final Secrets secrets;

    SopsSecretSource(Secrets secrets) {
        this.secrets = secrets;
    }

    @Override
    public Optional<String> lookup(String serviceDirectory, String name) throws SecretException {
        String serviceFile = serviceDirectory + "/" + SERVICE_FILE;
        if (secrets.exists(serviceFile)) {
            Optional<String> value = find(serviceFile, secrets.decryptedTree(serviceFile), name);
            if (value.isPresent()) {
                return value;
            }
        }
        int dot = name.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        for (String extension : EXTENSIONS) {
            String file = FOLDER + "/" + name.substring(0, dot) + extension;
            if (secrets.exists(file)) {
                return find(file, secrets.decryptedTree(file), name.substring(dot + 1));
            }
        }
        return Optional.empty();
    }

    @Override
    public String describe(String serviceDirectory) {
        return serviceDirectory + "/" + SERVICE_FILE + " and " + FOLDER + "/NAME.sops.yaml";
    }

    /** The value at {@code name}: a key as written, else a dotted path of keys. */
    private static Optional<String> find(String file, Map<String, Object> tree, String name) throws SecretException {
        if (tree.containsKey(name)) {
            return Optional.of(scalar(file, name, tree.get(name)));
        }
        Object node = tree;
        for (String part : name.split("\\.", -1)) {
            if (!(node instanceof Map<?, ?> map) || !map.containsKey(part)) {
                return Optional.empty();
            }
            node = map.get(part);
        }
        return Optional.of(scalar(file, name, node));
    }

    private static String scalar(String file, String name, Object value) throws SecretException {
        if (value instanceof Map<?, ?> map) {
            throw new SecretException(file + ": '" + name + "' holds several values; name one of them: "
                    + String.join(", ", map.keySet().stream().map(k -> name + "." + k).toList()));
        }
        if (value instanceof List<?>) {
            throw new SecretException(file + ": '" + name + "' is a list, not a single value");
        }
        return value == null ? "" : String.valueOf(value);
    }
}
