package dev.driftless.load;

import dev.driftless.load.YamlFile.Mapping;
import dev.driftless.model.Content;
import dev.driftless.model.Location;
import dev.driftless.model.Ownership;
import dev.driftless.model.Resource;
import dev.driftless.model.Unit;
import dev.driftless.source.RepoTree;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads a service's {@code units:}: each unit's file and drop-ins become ordinary files of the service under
 * {@link Unit#DIRECTORY} (written, diffed and removed like any file), the rest a {@link Unit}.
 */
final class UnitLoader {

    /** systemd's unit names: a name (with an optional {@code @instance}) and a unit type. */
    static final Pattern NAME = Pattern.compile(
            "[A-Za-z0-9:_.\\\\-]+(@[A-Za-z0-9:_.\\\\-]*)?\\.(service|socket|timer|path|mount|automount|target|slice|swap)");
    private static final Pattern DROP_IN = Pattern.compile("[A-Za-z0-9_.-]{1,64}\\.conf");
    private static final Set<String> KEYS = Set.of("name", "source", "template", "content", "dropIns", "enabled",
            "state", "restartOn", "reload");
    private static final Set<String> DROP_IN_KEYS = Set.of("name", "source", "template", "content");
    private static final List<String> CONTENT_KEYS = List.of("source", "template", "content");

    /** A unit and the files it adds to its service. */
    record Loaded(Unit unit, List<Resource.File> files) {
    }

    private UnitLoader() {
    }

    static List<Loaded> load(RepoTree tree, String directory, Mapping service) {
        List<Loaded> units = new ArrayList<>();
        YamlFile yaml = service.yaml();
        Optional<List<Node>> items = service.value("units").flatMap(n -> yaml.sequence(n, "units"));
        if (items.isEmpty()) {
            return units;
        }
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (int i = 0; i < items.get().size(); i++) {
            String key = "units[" + i + "]";
            yaml.mapping(items.get().get(i), key).flatMap(entry -> unit(tree, directory, entry)).ifPresent(loaded -> {
                Integer first = seen.putIfAbsent(loaded.unit().name(), loaded.unit().where().line());
                if (first != null) {
                    yaml.problem(items.get().get(units.size()), key, "unit " + loaded.unit().name()
                            + " is listed twice in this service (first on line " + first + ")");
                } else {
                    units.add(loaded);
                }
            });
        }
        return units;
    }

    private static Optional<Loaded> unit(RepoTree tree, String directory, Mapping entry) {
        entry.allowOnly(KEYS);
        Optional<String> name = entry.required("name", "the unit's name, such as app.service")
                .flatMap(n -> entry.yaml().text(n, entry.child("name")));
        name.filter(n -> !NAME.matcher(n).matches()).ifPresent(n -> entry.problem("name", "'" + n
                + "' is not a systemd unit name (a name and a type, such as app.service, app.timer or app@.service)"));
        boolean enabled = flag(entry, "enabled", true);
        boolean reload = flag(entry, "reload", false);
        String state = entry.text("state").orElse("running");
        boolean running = switch (state) {
            case "running" -> true;
            case "stopped" -> false;
            default -> {
                entry.problem("state", "must be 'running' or 'stopped', not '" + state + "'");
                yield true;
            }
        };
        List<String> restartOn = entry.value("restartOn")
                .map(n -> entry.yaml().textList(n, entry.child("restartOn"))).orElse(List.of());
        for (String path : restartOn) {
            if (!Paths.isAbsoluteNormalised(path) || path.equals("/")) {
                entry.problem("restartOn", "'" + path + "' must be the absolute path of a file a service manages");
            }
        }
        if (name.isEmpty() || !NAME.matcher(name.get()).matches()) {
            return Optional.empty();
        }
        if (name.get().contains("@.")) {
            // systemd enables and starts a template's instances, never the template itself
            for (String key : List.of("enabled", "state", "restartOn", "reload")) {
                if (entry.has(key)) {
                    entry.problem(key, name.get() + " is a template: only its file is managed; list its instances"
                            + " (such as " + name.get().replace("@.", "@one.") + ") as units to enable, start and restart");
                }
            }
            if (CONTENT_KEYS.stream().noneMatch(entry::has)) {
                entry.problem("name", name.get() + " is a template: give its file (source, template or content), and"
                        + " list its instances (such as " + name.get().replace("@.", "@one.") + ") as units of their own");
            }
        }
        String unitPath = Unit.DIRECTORY + "/" + name.get();
        List<Resource.File> files = new ArrayList<>();
        List<String> given = CONTENT_KEYS.stream().filter(entry::has).toList();
        if (given.size() > 1) {
            entry.problem(given.get(1), "give only one of 'source', 'template' or 'content', not "
                    + String.join(" and ", given));
        } else if (given.size() == 1) {
            unitFile(tree, directory, entry, given.get(0), unitPath).ifPresent(files::add);
        }
        entry.value("dropIns").flatMap(n -> entry.yaml().sequence(n, entry.child("dropIns"))).ifPresent(items -> {
            for (int i = 0; i < items.size(); i++) {
                entry.yaml().mapping(items.get(i), entry.child("dropIns[" + i + "]"))
                        .flatMap(d -> dropIn(tree, directory, d, unitPath)).ifPresent(files::add);
            }
        });
        Unit unit = new Unit(name.get(), files.stream().map(Resource.File::path).toList(), enabled, running, restartOn,
                reload, entry.location());
        return Optional.of(new Loaded(unit, files));
    }

    private static Optional<Resource.File> dropIn(RepoTree tree, String directory, Mapping entry, String unitPath) {
        entry.allowOnly(DROP_IN_KEYS);
        Optional<String> name = entry.required("name", "the drop-in's file name, such as override.conf")
                .flatMap(n -> entry.yaml().text(n, entry.child("name")));
        name.filter(n -> !DROP_IN.matcher(n).matches()).ifPresent(n -> entry.problem("name", "'" + n
                + "' is not a drop-in file name (letters, digits, '.', '_' and '-', ending in .conf)"));
        List<String> given = CONTENT_KEYS.stream().filter(entry::has).toList();
        if (given.size() != 1) {
            if (given.isEmpty()) {
                entry.problem("a drop-in needs exactly one of 'source', 'template' or 'content'");
            } else {
                entry.problem(given.get(1), "give only one of 'source', 'template' or 'content', not "
                        + String.join(" and ", given));
            }
            return Optional.empty();
        }
        if (name.isEmpty() || !DROP_IN.matcher(name.get()).matches()) {
            return Optional.empty();
        }
        return unitFile(tree, directory, entry, given.get(0), unitPath + ".d/" + name.get());
    }

    private static Optional<Resource.File> unitFile(RepoTree tree, String directory, Mapping entry, String key,
            String path) {
        Optional<Content> content = RepositoryLoader.content(tree, directory, entry, key);
        content.ifPresent(c -> UnitSyntax.problems(text(tree, c)).forEach(p ->
                entry.problem(key, p)));
        Location where = entry.locationOf(key);
        return content.map(c -> new Resource.File(path, c, new Ownership(Optional.of(0644), Optional.empty(),
                Optional.empty()), List.of(), where));
    }

    /** The text to check now: a template is checked once rendered, so only sources and inline content here. */
    private static Optional<String> text(RepoTree tree, Content content) {
        if (content instanceof Content.Inline inline) {
            return Optional.of(inline.text());
        }
        if (content instanceof Content.Source source) {
            return tree.read(source.repoPath()).map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8));
        }
        return Optional.empty();
    }

    private static boolean flag(Mapping entry, String key, boolean otherwise) {
        return entry.text(key).map(v -> switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> {
                entry.problem(key, "must be true or false, not '" + v + "'");
                yield otherwise;
            }
        }).orElse(otherwise);
    }
}
