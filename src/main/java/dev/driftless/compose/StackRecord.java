package dev.driftless.compose;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a host's state records of a stack it brought up ({@code target} of its {@code stack:PROJECT} entry): its
 * directory and engine address, so that it can be brought down once it has left the repository, whether its
 * volumes go with it then, and the configuration hash of each of its compose services.
 */
public record StackRecord(String directory, Optional<String> dockerHost, boolean removeVolumes,
        Map<String, String> hashes) {

    public StackRecord {
        hashes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hashes));
    }

    /** Reads a recorded target. */
    public static StackRecord of(String target) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : target.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                fields.put(decode(part.substring(0, eq)), decode(part.substring(eq + 1)));
            }
        }
        Map<String, String> hashes = new LinkedHashMap<>();
        fields.forEach((k, v) -> {
            if (k.startsWith("service:")) {
                hashes.put(k.substring(8), v);
            }
        });
        return new StackRecord(fields.getOrDefault("directory", ""), Optional.ofNullable(fields.get("engine"))
                .filter(e -> !e.isEmpty()), "remove".equals(fields.get("volumes")), hashes);
    }

    /** The target to record. */
    public String encode() {
        StringBuilder target = new StringBuilder("directory=").append(encodeValue(directory))
                .append(";engine=").append(encodeValue(dockerHost.orElse("")))
                .append(";volumes=").append(removeVolumes ? "remove" : "keep");
        hashes.forEach((name, hash) -> target.append(";service:").append(encodeValue(name)).append('=').append(hash));
        return target.toString();
    }

    private static String encodeValue(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
