package dev.driftless.render;

import dev.driftless.compose.ComposeFile;
import dev.driftless.model.Compose;
import dev.driftless.model.Health;
import dev.driftless.model.HealthCheck;
import dev.driftless.model.Host;
import dev.driftless.model.Ownership;
import dev.driftless.model.Problem;
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

/**
 * A service's compose stack as one host must run it: reads the rendered compose file, hashes each compose service
 * with the files of the service it mounts ({@link ComposeFile#hash}), and writes the file of labels compose reads
 * beside it ({@link Compose#OVERRIDE_NAME}), which tells later reads which containers are Driftless's and what
 * configuration each was made from. Checks, across the host's stacks, that no two claim one container name or
 * host port.
 */
final class StackRendering {

    private final Map<String, String> containerNames = new LinkedHashMap<>();
    private final List<Claim> ports = new ArrayList<>();

    private record Claim(ComposeFile.Port port, String owner) {
    }

    /**
     * The stack and its file of labels for {@code compose}, given the service's rendered files; empty (with a
     * problem) when its compose file cannot be read. The service's {@code container:} health checks must name
     * services of the compose file.
     */
    Optional<List<Desired>> render(String service, Compose compose, Health health, List<Desired> rendered, Host host,
            List<Problem> problems) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        rendered.stream().filter(r -> r instanceof Desired.File f && f.service().equals(service))
                .map(Desired.File.class::cast).forEach(f -> files.put(f.path(), f.content()));
        byte[] content = files.get(compose.file());
        if (content == null) {
            return Optional.empty(); // its rendering failed, and said why
        }
        ComposeFile file;
        try {
            file = ComposeFile.read(content, compose.directory());
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(compose.where(), e.getMessage() + " (rendering for host " + host.name() + ")"));
            return Optional.empty();
        }
        for (HealthCheck check : health.checks()) {
            if (check instanceof HealthCheck.Container container && !file.services().containsKey(container.service())) {
                problems.add(new Problem(check.where(), "'" + container.service() + "' is not a service of the compose"
                        + " file (it has " + String.join(", ", file.services().keySet()) + ")"));
            }
        }
        boolean clash = false;
        for (String name : compose.reload().keySet()) {
            if (!file.services().containsKey(name)) {
                problems.add(new Problem(compose.where(), "reload: '" + name + "' is not a service of the compose file"
                        + " (it has " + String.join(", ", file.services().keySet()) + ")"));
                clash = true;
            }
        }
        List<Desired.StackService> services = new ArrayList<>();
        for (ComposeFile.Service s : file.services().values()) {
            String owner = "stack " + compose.project() + " (service " + service + "), compose service " + s.name();
            if (s.containerName().isPresent()) {
                String first = containerNames.putIfAbsent(s.containerName().get(), owner);
                if (first != null) {
                    problems.add(new Problem(compose.where(), "container name '" + s.containerName().get() + "' of "
                            + owner + " is also claimed by " + first + " on host " + host.name()));
                    clash = true;
                }
            }
            for (ComposeFile.Port port : s.ports()) {
                for (Claim claim : ports) {
                    if (claim.port().clashesWith(port)) {
                        problems.add(new Problem(compose.where(), "host port " + port + " of " + owner
                                + " is also published by " + claim.owner() + " on host " + host.name()));
                        clash = true;
                    }
                }
                ports.add(new Claim(port, owner));
            }
            Optional<String> signal = Optional.ofNullable(compose.reload().get(s.name()));
            List<String> mounted = new ArrayList<>();
            SortedMap<String, String> hashed = new TreeMap<>();
            files.forEach((path, bytes) -> {
                boolean mounts = s.mounts().stream().anyMatch(m -> path.equals(m) || path.startsWith(m + "/"));
                if (mounts) {
                    mounted.add(path);
                }
                // a reloaded service keeps its containers when a file it mounts changes; an env file always counts
                if (mounts && signal.isEmpty() || s.envFiles().contains(path)) {
                    hashed.put(path, sha256(bytes));
                }
            });
            String hash = file.hash(s, hashed);
            services.add(new Desired.StackService(s.name(), s.image(), hash, mounted, signal));
        }
        if (clash) {
            return Optional.empty();
        }
        List<Desired> stack = new ArrayList<>();
        stack.add(new Desired.File(compose.overrideFile(), service, override(compose.project(), services),
                new Ownership(Optional.of(0644), Optional.empty(), Optional.empty()), List.of(), compose.where(), false));
        stack.add(new Desired.Stack(compose.project(), compose.directory(), compose.file(), compose.overrideFile(),
                compose.pullAlways(), compose.removeVolumes(), services, service, compose.where()));
        return Optional.of(stack);
    }

    /**
     * The file compose reads after the compose file: each service's labels (its stack and configuration hash) and,
     * for a service pinned by a rollback, the image it runs instead of the one the compose file names.
     */
    static byte[] override(String project, List<Desired.StackService> services) {
        StringBuilder override = new StringBuilder("# Written by Driftless beside compose.yaml: the labels that tell"
                + " which containers it\n# brought up, and from which configuration. Do not edit; the next apply"
                + " rewrites it.\nservices:\n");
        for (Desired.StackService s : services) {
            override.append("  ").append(quoted(s.name())).append(":\n");
            s.pin().ifPresent(pin -> override.append("    image: ").append(quoted(pin)).append("\n"));
            override.append("    labels:\n      ").append(ComposeFile.STACK_LABEL).append(": ").append(quoted(project))
                    .append("\n      ").append(ComposeFile.CONFIG_LABEL).append(": ").append(quoted(s.hash()))
                    .append("\n");
        }
        return override.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
