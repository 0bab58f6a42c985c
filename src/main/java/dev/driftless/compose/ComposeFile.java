package dev.driftless.compose;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.driftless.load.YamlLimits;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * What Driftless reads of a rendered compose file: its services, each with the image it runs, the files of the
 * host it mounts or reads as env files, its container name and host ports, and a configuration hash. Compose
 * itself does not hash the content of the files a container mounts (and compose v1's hash and podman-compose's
 * constant one cannot be trusted to find drift), so Driftless labels each container with a hash of its own: the
 * service's definition, the file's other top-level sections, and the content of every file of the repository
 * the service mounts. A changed config file then changes exactly the hashes of the services that mount it, and
 * compose recreates exactly their containers.
 */
public final class ComposeFile {

    /** One compose service as Driftless sees it. */
    public record Service(String name, Optional<String> image, Optional<String> containerName, List<Port> ports,
            List<String> mounts, List<String> envFiles, boolean healthcheck, String definition) {
        public Service {
            ports = List.copyOf(ports);
            mounts = List.copyOf(mounts);
            envFiles = List.copyOf(envFiles);
        }
    }

    /** A port published on the host: its address (empty for all) and number. */
    public record Port(String address, int number) {
        public boolean clashesWith(Port other) {
            return number == other.number && (address.isEmpty() || other.address.isEmpty() || address.equals(other.address));
        }

        @Override
        public String toString() {
            return (address.isEmpty() ? "" : address + ":") + number;
        }
    }

    /** The label naming the stack (compose project) of a container Driftless brought up. */
    public static final String STACK_LABEL = "dev.driftless.stack";
    /** The label holding the configuration hash a container was made from. */
    public static final String CONFIG_LABEL = "dev.driftless.config";

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private final Map<String, Service> services;
    private final String shared;

    private ComposeFile(Map<String, Service> services, String shared) {
        this.services = services;
        this.shared = shared;
    }

    /**
     * Reads the rendered compose file of a stack whose directory is {@code directory}.
     *
     * @throws IllegalArgumentException saying what is wrong, when it is not a compose file Driftless can read
     */
    public static ComposeFile read(byte[] content, String directory) {
        Object root;
        try {
            root = YamlLimits.DEFAULT.load(new String(content, StandardCharsets.UTF_8), "compose file");
        } catch (YamlEngineException e) {
            throw new IllegalArgumentException("the compose file is not valid YAML: " + firstLine(e.getMessage()));
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw new IllegalArgumentException("the compose file must be a mapping with 'services:'");
        }
        if (!(top.get("services") instanceof Map<?, ?> defined) || defined.isEmpty()) {
            throw new IllegalArgumentException("the compose file has no 'services:' (a mapping of service names to"
                    + " their definitions)");
        }
        SortedMap<String, Object> others = new TreeMap<>();
        top.forEach((k, v) -> {
            if (!"services".equals(k) && !"version".equals(k) && !"name".equals(k)) {
                others.put(String.valueOf(k), v);
            }
        });
        Map<String, Service> services = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : defined.entrySet()) {
            String name = String.valueOf(entry.getKey());
            if (!(entry.getValue() instanceof Map<?, ?> definition)) {
                throw new IllegalArgumentException("service '" + name + "' of the compose file must be a mapping");
            }
            services.put(name, service(name, definition, directory));
        }
        return new ComposeFile(services, canonical(others));
    }

    private static Service service(String name, Map<?, ?> definition, String directory) {
        Optional<String> image = text(definition.get("image"));
        Optional<String> containerName = text(definition.get("container_name"));
        List<Port> ports = new ArrayList<>();
        if (definition.get("ports") instanceof List<?> list) {
            list.forEach(p -> port(p).ifPresent(ports::add));
        }
        List<String> mounts = new ArrayList<>();
        if (definition.get("volumes") instanceof List<?> list) {
            for (Object volume : list) {
                bindSource(volume).map(s -> resolve(s, directory)).ifPresent(mounts::add);
            }
        }
        List<String> envFiles = new ArrayList<>();
        Object envFile = definition.get("env_file");
        for (Object file : envFile instanceof List<?> l ? l : envFile == null ? List.of() : List.of(envFile)) {
            Object path = file instanceof Map<?, ?> m ? m.get("path") : file;
            text(path).map(p -> resolve(p, directory)).ifPresent(envFiles::add);
        }
        boolean healthcheck = definition.get("healthcheck") instanceof Map<?, ?> h && !Boolean.TRUE.equals(h.get("disable"));
        return new Service(name, image, containerName, ports, mounts, envFiles, healthcheck, canonical(definition));
    }

    /** The source of a bind mount ({@code ./conf:/etc/conf:ro}, or the long form), when it is a path. */
    private static Optional<String> bindSource(Object volume) {
        if (volume instanceof String spec) {
            int colon = spec.indexOf(':');
            String source = colon < 0 ? "" : spec.substring(0, colon);
            return source.startsWith("/") || source.startsWith(".") || source.startsWith("~")
                    ? Optional.of(source) : Optional.empty();
        }
        if (volume instanceof Map<?, ?> m && "bind".equals(m.get("type"))) {
            return text(m.get("source"));
        }
        return Optional.empty();
    }

    private static Optional<Port> port(Object spec) {
        if (spec instanceof Map<?, ?> m) {
            return text(m.get("published")).flatMap(n -> number(n).map(p -> new Port(text(m.get("host_ip")).orElse(""), p)));
        }
        String text = String.valueOf(spec);
        int slash = text.indexOf('/');
        String[] parts = (slash < 0 ? text : text.substring(0, slash)).split(":");
        if (parts.length < 2) {
            return Optional.empty(); // a container port only: compose picks a free host port
        }
        String address = parts.length >= 3 ? String.join(":", java.util.Arrays.copyOf(parts, parts.length - 2)) : "";
        String published = parts[parts.length - 2];
        if (published.contains("-")) {
            return Optional.empty(); // a range: left to the engine to check
        }
        return number(published).map(p -> new Port(address.replaceAll("^\\[|\\]$", ""), p));
    }

    private static Optional<Integer> number(String text) {
        try {
            return Optional.of(Integer.parseInt(text.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String resolve(String path, String directory) {
        if (path.startsWith("/")) {
            return java.nio.file.Path.of(path).normalize().toString();
        }
        if (path.startsWith("~")) {
            return path; // the host's home: not a file of the repository
        }
        return java.nio.file.Path.of(directory).resolve(path).normalize().toString();
    }

    private static Optional<String> text(Object value) {
        return value == null || value instanceof Map || value instanceof List ? Optional.empty()
                : Optional.of(String.valueOf(value));
    }

    /** The services, in the file's order. */
    public Map<String, Service> services() {
        return services;
    }

    /**
     * The hash Driftless labels a service's containers with: its definition, the file's other top-level sections
     * (networks, volumes, ...), and {@code files}, the content (as a hash) of each file of the repository it
     * mounts or reads as an env file, by path.
     */
    public String hash(Service service, SortedMap<String, String> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(service.definition().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(shared.getBytes(StandardCharsets.UTF_8));
            files.forEach((path, sha) -> {
                digest.update((byte) 0);
                digest.update((path + "=" + sha).getBytes(StandardCharsets.UTF_8));
            });
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String canonical(Object value) {
        try {
            return CANONICAL.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the compose file cannot be read: " + e.getOriginalMessage());
        }
    }

    private static String firstLine(String message) {
        String text = message == null ? "" : message.strip();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
