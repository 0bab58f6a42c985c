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
 * volumes go with it then, the configuration hash of each of its compose services, the image each service ran
 * when the host was last found healthy with it (what a rollback pins), and the services brought up pinned to an
 * image by a rollback.
 *
 * <p>Encoded as {@code key=value} fields joined by {@code ;}: a reader ignores fields it does not know, so a record
 * written before images were recorded reads as one without images, and an older reader skips them.
 */
public record StackRecord(String directory, Optional<String> dockerHost, boolean removeVolumes,
        Map<String, String> hashes, Map<String, Image> images, Map<String, String> pins) {

    /**
     * The image a compose service's containers ran.
     *
     * @param reference the image as the compose file named it ({@code 127.0.0.1:5000/app:latest}), "" when it
     *     named none (a {@code build:})
     * @param id the engine's image ID ({@code sha256:…})
     * @param digest the image's repository digest ({@code 127.0.0.1:5000/app@sha256:…}) when it came from, or went
     *     to, a registry
     */
    public record Image(String reference, String id, Optional<String> digest) {

        /** The image as a compose file pins it: by repository digest, else by ID. */
        public String pin() {
            return digest.orElse(id);
        }
    }

    public StackRecord {
        hashes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hashes));
        images = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(images));
        pins = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pins));
    }

    /** A record without images or pins. */
    public StackRecord(String directory, Optional<String> dockerHost, boolean removeVolumes,
            Map<String, String> hashes) {
        this(directory, dockerHost, removeVolumes, hashes, Map.of(), Map.of());
    }

    /** The same record with {@code images} as what its services ran. */
    public StackRecord withImages(Map<String, Image> images) {
        return new StackRecord(directory, dockerHost, removeVolumes, hashes, images, pins);
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
        Map<String, String> hashes = named(fields, "service:");
        Map<String, String> ids = named(fields, "image:");
        Map<String, String> digests = named(fields, "digest:");
        Map<String, String> references = named(fields, "reference:");
        Map<String, Image> images = new LinkedHashMap<>();
        ids.forEach((name, id) -> images.put(name, new Image(references.getOrDefault(name, ""), id,
                Optional.ofNullable(digests.get(name)))));
        return new StackRecord(fields.getOrDefault("directory", ""), Optional.ofNullable(fields.get("engine"))
                .filter(e -> !e.isEmpty()), "remove".equals(fields.get("volumes")), hashes, images,
                named(fields, "pin:"));
    }

    private static Map<String, String> named(Map<String, String> fields, String prefix) {
        Map<String, String> named = new LinkedHashMap<>();
        fields.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                named.put(k.substring(prefix.length()), v);
            }
        });
        return named;
    }

    /** The target to record. */
    public String encode() {
        StringBuilder target = new StringBuilder("directory=").append(encodeValue(directory))
                .append(";engine=").append(encodeValue(dockerHost.orElse("")))
                .append(";volumes=").append(removeVolumes ? "remove" : "keep");
        hashes.forEach((name, hash) -> field(target, "service:", name, hash));
        images.forEach((name, image) -> {
            field(target, "image:", name, image.id());
            image.digest().ifPresent(digest -> field(target, "digest:", name, digest));
            field(target, "reference:", name, image.reference());
        });
        pins.forEach((name, pin) -> field(target, "pin:", name, pin));
        return target.toString();
    }

    private static void field(StringBuilder target, String prefix, String name, String value) {
        target.append(';').append(prefix).append(encodeValue(name)).append('=').append(encodeValue(value));
    }

    private static String encodeValue(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
