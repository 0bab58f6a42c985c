package dev.driftless.load;

import dev.driftless.load.YamlFile.Mapping;
import dev.driftless.model.PackageSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Reads a service's {@code packages:}: names, or mappings with {@code name}, {@code version} and {@code state}. */
final class PackageLoader {

    /** Debian's and RPM's package names (and an optional {@code :arch}), without shell metacharacters. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9+._-]{0,127}(:[a-z0-9_-]{1,32})?");
    /** Debian's and RPM's version strings (epoch, upstream, revision, release). */
    static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+~:_-]{0,127}");
    private static final Set<String> KEYS = Set.of("name", "version", "state");

    private PackageLoader() {
    }

    static List<PackageSpec> load(Mapping service) {
        List<PackageSpec> packages = new ArrayList<>();
        YamlFile yaml = service.yaml();
        Optional<List<Node>> items = service.value("packages").flatMap(n -> yaml.sequence(n, "packages"));
        if (items.isEmpty()) {
            return packages;
        }
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (int i = 0; i < items.get().size(); i++) {
            String key = "packages[" + i + "]";
            Node item = items.get().get(i);
            Optional<PackageSpec> spec = item instanceof ScalarNode ? yaml.text(item, key)
                    .flatMap(name -> named(name, yaml, item, key)).map(name ->
                            new PackageSpec(name, Optional.empty(), true, yaml.location(item, key)))
                    : yaml.mapping(item, key).flatMap(PackageLoader::fromMapping);
            spec.ifPresent(p -> {
                Integer first = seen.putIfAbsent(p.name(), p.where().line());
                if (first != null) {
                    yaml.problem(item, key, "package " + p.name() + " is listed twice in this service (first on line "
                            + first + ")");
                } else {
                    packages.add(p);
                }
            });
        }
        return packages;
    }

    private static Optional<String> named(String name, YamlFile yaml, Node node, String key) {
        if (!NAME.matcher(name).matches()) {
            yaml.problem(node, key, "'" + name + "' is not a package name (letters, digits, '+', '.', '_' and '-',"
                    + " optionally ':arch')");
            return Optional.empty();
        }
        return Optional.of(name);
    }

    private static Optional<PackageSpec> fromMapping(Mapping entry) {
        entry.allowOnly(KEYS);
        Optional<String> name = entry.required("name", "the package's name, as the package manager knows it")
                .flatMap(n -> entry.yaml().text(n, entry.child("name")))
                .flatMap(n -> named(n, entry.yaml(), entry.value("name").orElseThrow(), entry.child("name")));
        Optional<String> version = entry.text("version");
        version.ifPresent(v -> {
            if (!VERSION.matcher(v).matches()) {
                entry.problem("version", "'" + v + "' is not a package version (such as 1.22.1-9, or 2:1.6-2.1)");
            }
        });
        String state = entry.text("state").orElse("present");
        boolean present = switch (state) {
            case "present" -> true;
            case "absent" -> false;
            default -> {
                entry.problem("state", "must be 'present' or 'absent', not '" + state + "'");
                yield true;
            }
        };
        if (!present && version.isPresent()) {
            entry.problem("version", "a package that must be absent has no version; remove 'version' or 'state'");
        }
        if (name.isEmpty() || version.filter(v -> !VERSION.matcher(v).matches()).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new PackageSpec(name.get(), version, present, entry.location()));
    }
}
