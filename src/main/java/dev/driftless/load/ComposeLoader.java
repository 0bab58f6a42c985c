package dev.driftless.load;

import dev.driftless.load.YamlFile.Mapping;
import dev.driftless.model.Compose;
import dev.driftless.model.Content;
import dev.driftless.model.Ownership;
import dev.driftless.model.Resource;
import dev.driftless.source.RepoTree;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reads a service's {@code compose:}: the compose file becomes an ordinary file of the service in the stack's
 * directory (written 0600: compose files often hold passwords), the rest a {@link Compose}.
 */
final class ComposeLoader {

    /** Compose's own rule for project names (lowercase letters, digits, '_' and '-', starting with either). */
    static final Pattern PROJECT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    /** A compose service name, as compose accepts them. */
    static final Pattern SERVICE = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}");
    private static final Pattern SIGNAL = Pattern.compile("(SIG)?[A-Z][A-Z0-9+]{1,10}");
    private static final Set<String> KEYS = Set.of("source", "template", "content", "directory", "project", "pull",
            "removeVolumes", "reload");
    private static final List<String> CONTENT_KEYS = List.of("source", "template", "content");

    /** A stack and its compose file. */
    record Loaded(Compose compose, Resource.File file) {
    }

    private ComposeLoader() {
    }

    static Optional<Loaded> load(RepoTree tree, String directory, String serviceName, Mapping service) {
        Optional<Mapping> found = service.value("compose").flatMap(n -> service.yaml().mapping(n, "compose"));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Mapping entry = found.get();
        entry.allowOnly(KEYS);
        String folder = entry.text("directory").orElse(Compose.DEFAULT_PARENT + "/" + serviceName);
        boolean folderOk = Paths.isAbsoluteNormalised(folder) && !folder.equals("/");
        if (!folderOk) {
            entry.problem("directory", "'" + Paths.shown(folder) + "' must be an absolute folder path such as "
                    + Compose.DEFAULT_PARENT + "/" + serviceName + " (no '..', no trailing '/')");
        }
        String defaultProject = serviceName.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_-]", "-");
        String project = entry.text("project").orElse(defaultProject);
        if (!PROJECT.matcher(project).matches()) {
            String why = "'" + project + "' is not a compose project name (lowercase letters, digits, '_' and '-',"
                    + " starting with a letter or digit)";
            if (entry.has("project")) {
                entry.problem("project", why);
            } else {
                entry.problem(why + "; set 'project:'");
            }
        }
        String pull = entry.text("pull").orElse("missing");
        if (!pull.equals("missing") && !pull.equals("always")) {
            entry.problem("pull", "must be 'missing' (pull an image only when the host lacks it) or 'always'"
                    + " (pull on every apply), not '" + pull + "'");
        }
        boolean removeVolumes = entry.text("removeVolumes").map(v -> switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> {
                entry.problem("removeVolumes", "must be true or false, not '" + v + "'");
                yield false;
            }
        }).orElse(false);
        Map<String, String> reload = new LinkedHashMap<>();
        entry.value("reload").ifPresent(node -> reload(entry, node, reload));
        List<String> given = CONTENT_KEYS.stream().filter(entry::has).toList();
        if (given.size() != 1) {
            entry.problem(given.isEmpty() ? "the compose file is missing: give one of 'source', 'template' or 'content'"
                    : "give only one of 'source', 'template' or 'content', not " + String.join(" and ", given));
            return Optional.empty();
        }
        Optional<Content> content = RepositoryLoader.content(tree, directory, entry, given.get(0));
        if (content.isEmpty() || !folderOk) {
            return Optional.empty();
        }
        String file = folder + "/" + Compose.FILE_NAME;
        // what is wrong inside the compose file is said at the line that names it
        Compose compose = new Compose(folder, project, file, pull.equals("always"), removeVolumes, reload,
                entry.locationOf(given.get(0)));
        return Optional.of(new Loaded(compose, new Resource.File(file, content.get(),
                new Ownership(Optional.of(0600), Optional.empty(), Optional.empty()), List.of(),
                entry.locationOf(given.get(0)))));
    }

    private static void reload(Mapping entry, Node node, Map<String, String> reload) {
        if (!(node instanceof MappingNode mapping)) {
            entry.problem("reload", "must map compose services to the signal that reloads them, such as"
                    + " {web: SIGHUP}");
            return;
        }
        for (NodeTuple tuple : mapping.getValue()) {
            String name = tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : "";
            String signal = tuple.getValueNode() instanceof ScalarNode s ? s.getValue() : "";
            if (!SERVICE.matcher(name).matches()) {
                entry.problem("reload", "'" + name + "' is not a compose service name");
            } else if (!SIGNAL.matcher(signal).matches()) {
                entry.problem("reload", "the signal for " + name + " must be a signal name such as SIGHUP, not '"
                        + signal + "'");
            } else {
                reload.put(name, signal.startsWith("SIG") ? signal : "SIG" + signal);
            }
        }
    }
}
