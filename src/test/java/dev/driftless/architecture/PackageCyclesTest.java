package dev.driftless.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Data flows one way between the packages (load, render, plan, apply, engine, agent, web, cli): no package
 * reaches back to one that uses it, through an import or a fully qualified name.
 */
class PackageCyclesTest {

    private static final Path SOURCES = Path.of("src/main/java/dev/driftless");
    private static final Pattern REFERENCE = Pattern.compile("dev\\.driftless\\.(\\w+)\\.[A-Z]");

    @Test
    void noPackageDependsOnAPackageThatDependsOnIt() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = SOURCES.relativize(file.getParent()).toString().replace('/', '.');
                Set<String> used = uses.computeIfAbsent(pkg, p -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(Files.readString(file));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        used.add(m.group(1));
                    }
                }
            }
        }
        List<String> cycles = new ArrayList<>();
        for (String pkg : uses.keySet()) {
            for (String other : uses.get(pkg)) {
                if (pkg.compareTo(other) < 0 && reaches(uses, other, pkg, new TreeSet<>())) {
                    cycles.add(pkg + " <-> " + other);
                }
            }
        }
        assertThat(uses).as("the packages were found").containsKeys("plan", "apply", "agent", "web", "cli");
        assertThat(cycles).isEmpty();
    }

    private static boolean reaches(Map<String, Set<String>> uses, String from, String to, Set<String> seen) {
        if (from.equals(to)) {
            return true;
        }
        if (!seen.add(from)) {
            return false;
        }
        for (String next : uses.getOrDefault(from, Set.of())) {
            if (reaches(uses, next, to, seen)) {
                return true;
            }
        }
        return false;
    }
}
