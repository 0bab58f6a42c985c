package dev.driftless.load;

import dev.driftless.load.YamlFile.Mapping;
import dev.driftless.model.Address;
import dev.driftless.model.Content;
import dev.driftless.model.DesiredRepository;
import dev.driftless.model.DriftPolicy;
import dev.driftless.model.Host;
import dev.driftless.model.Inventory;
import dev.driftless.model.Location;
import dev.driftless.model.Notification;
import dev.driftless.model.Ownership;
import dev.driftless.model.Problem;
import dev.driftless.model.RegistryCredentials;
import dev.driftless.model.Resource;
import dev.driftless.model.Health;
import dev.driftless.model.PackageSpec;
import dev.driftless.model.Service;
import dev.driftless.model.Unit;
import dev.driftless.model.ValidationException;
import dev.driftless.source.RepoTree;
import dev.driftless.source.RepoTree.EntryType;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads driftless.yaml and services/&#42;/service.yaml from a {@link RepoTree} and validates them.
 * Either returns a trusted {@link DesiredRepository} or throws a {@link ValidationException} listing
 * every problem with its file, line and key.
 */
public final class RepositoryLoader {

    public static final String INVENTORY_FILE = "driftless.yaml";
    public static final String SERVICES_DIR = "services";
    public static final String SERVICE_FILE = "service.yaml";

    private static final Set<String> INVENTORY_KEYS = keys("hosts", "vars", "notifications");
    private static final Set<String> HOST_KEYS = keys("address", "groups", "vars", "identity", "become", "root",
            "dockerHost", "registries");
    private static final Set<String> SERVICE_KEYS =
            keys("description", "hosts", "dependsOn", "drift", "packages", "files", "units", "compose", "handlers",
                    "health", "onFailure");
    private static final Set<String> FILE_KEYS =
            keys("path", "type", "source", "template", "content", "secret", "target", "mode", "owner", "group", "onChange");

    /** Only driftless.yaml: enough to pick hosts and connect to them before the services are read. */
    public Inventory loadInventory(RepoTree tree) {
        List<Problem> problems = new ArrayList<>();
        Inventory inventory = loadInventory(tree, problems);
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
        return inventory;
    }

    /**
     * Only the named services of a revision that was validated in full before (its apply recorded it):
     * enough to render a few resources again. Cross-service rules are not checked again.
     */
    public DesiredRepository loadServices(RepoTree tree, Inventory inventory, Collection<String> names) {
        List<Problem> problems = new ArrayList<>();
        List<Service> services = new ArrayList<>();
        Map<String, List<Location>> dependencyWhere = new HashMap<>();
        for (String name : new java.util.TreeSet<>(names)) {
            String directory = SERVICES_DIR + "/" + name;
            if (tree.type(directory) != EntryType.DIRECTORY) {
                problems.add(new Problem(Location.of(directory), "is recorded as applied but is not in " + tree.revision()));
                continue;
            }
            loadService(tree, name, directory, inventory::knowsHostOrGroup, dependencyWhere, problems)
                    .ifPresent(services::add);
        }
        List<Service> ordered = problems.isEmpty() ? ServiceOrder.sort(services, dependencyWhere, problems) : services;
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
        return new DesiredRepository(tree.revision(), inventory, ordered);
    }

    public DesiredRepository load(RepoTree tree) {
        List<Problem> problems = new ArrayList<>();
        Inventory inventory = loadInventory(tree, problems);
        // when driftless.yaml has problems its hosts are not known for sure: do not pile an
        // "unknown host" on every service on top of the real mistake
        Predicate<String> isHostOrGroup = problems.isEmpty() ? inventory::knowsHostOrGroup : selector -> true;
        List<Service> services = new ArrayList<>();
        Map<String, List<Location>> dependencyWhere = new HashMap<>();
        for (String name : tree.list(SERVICES_DIR)) {
            String directory = SERVICES_DIR + "/" + name;
            EntryType type = tree.type(directory);
            if (type == EntryType.SYMLINK) {
                problems.add(new Problem(Location.of(directory),
                        "is a symbolic link; Driftless never follows links inside the repository"));
                continue;
            }
            if (type != EntryType.DIRECTORY) {
                continue; // a README.md or similar beside the service folders
            }
            loadService(tree, name, directory, isHostOrGroup, dependencyWhere, problems).ifPresent(services::add);
        }
        checkCrossReferences(inventory, services, dependencyWhere, problems);
        problems.addAll(CommittedKeys.find(tree));
        List<Service> ordered = problems.isEmpty() ? ServiceOrder.sort(services, dependencyWhere, problems) : services;
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
        return new DesiredRepository(tree.revision(), inventory, ordered);
    }

    private Inventory loadInventory(RepoTree tree, List<Problem> problems) {
        Optional<Mapping> root = readYaml(tree, INVENTORY_FILE, problems,
                "every Driftless repository has a driftless.yaml listing its hosts at its root");
        Map<String, Host> hosts = new LinkedHashMap<>();
        Map<String, Object> vars = Map.of();
        if (root.isEmpty()) {
            return new Inventory(hosts, vars);
        }
        Mapping top = root.get();
        Map<String, Location> rootWhere = new HashMap<>();
        top.allowOnly(INVENTORY_KEYS);
        Optional<Node> hostsNode = top.required("hosts", "a mapping of host names to their address");
        if (hostsNode.isPresent()) {
            top.yaml().mapping(hostsNode.get(), "hosts").ifPresent(map -> map.entries().forEach((name, tuple) -> {
                String key = "hosts." + name;
                if (!Names.HOST.matcher(name).matches()) {
                    map.problem(name, "is not a valid host name (letters, digits, '.', '_' and '-')");
                    return;
                }
                top.yaml().mapping(tuple, key).ifPresent(h -> loadHost(name, h, map.entries().keySet(), problems).ifPresent(host -> {
                    hosts.put(name, host);
                    rootWhere.put(name, h.locationOf("root"));
                }));
            }));
        }
        checkLocalRoots(hosts, rootWhere, problems);
        if (top.has("vars")) {
            vars = top.yaml().variables(top.value("vars").orElseThrow(), "vars");
        }
        List<Notification> notifications = NotificationLoader.load(top, problems);
        return new Inventory(hosts, vars, notifications);
    }

    /**
     * Two local hosts whose {@code root:} folders are the same or one inside the other would write the
     * same files and share one lock. Hosts without a root are left to the commands that know their root
     * (plan, apply and check, with or without --root); validate has none.
     */
    private static void checkLocalRoots(Map<String, Host> hosts, Map<String, Location> rootWhere,
            List<Problem> problems) {
        List<Host> placed = hosts.values().stream().filter(h -> h.address() instanceof Address.Local)
                .filter(h -> h.root().filter(Paths::isAbsoluteNormalised).isPresent()).toList();
        for (int j = 0; j < placed.size(); j++) {
            String root = placed.get(j).root().orElseThrow();
            for (int i = 0; i < j; i++) {
                Host other = placed.get(i);
                String otherRoot = other.root().orElseThrow();
                String relation = root.equals(otherRoot) ? "is also"
                        : Paths.isAtOrBelow(root, otherRoot) ? "is inside " + otherRoot + ","
                        : Paths.isAtOrBelow(otherRoot, root) ? "holds " + otherRoot + "," : null;
                if (relation != null) {
                    problems.add(new Problem(rootWhere.get(placed.get(j).name()), root + " " + relation
                            + " the root of local host " + other.name() + " (" + rootWhere.get(other.name()).file() + ":"
                            + rootWhere.get(other.name()).line() + "); two local hosts would write the same files and"
                            + " share one lock: give each local host a folder of its own, outside the others'"));
                    break;
                }
            }
        }
    }

    private Optional<Host> loadHost(String name, Mapping map, Set<String> hostNames, List<Problem> problems) {
        map.allowOnly(HOST_KEYS);
        Optional<Address> address = map.required("address", "'local' or ssh://user@host[:port]")
                .flatMap(node -> map.yaml().text(node, map.child("address")))
                .flatMap(text -> parseAddress(text, map));
        List<String> groups = map.value("groups").map(n -> map.yaml().textList(n, map.child("groups"))).orElse(List.of());
        for (String group : groups) {
            if (!Names.HOST.matcher(group).matches()) {
                map.problem("groups", "'" + group + "' is not a valid group name (letters, digits, '.', '_' and '-')");
            } else if (hostNames.contains(group)) {
                map.problem("groups", "group '" + group + "' has the name of a host; use distinct names so that"
                        + " 'hosts:' is unambiguous");
            }
        }
        Map<String, Object> vars = map.value("vars").map(n -> map.yaml().variables(n, map.child("vars"))).orElse(Map.of());
        Optional<String> root = map.text("root");
        root.ifPresent(r -> {
            if (!Paths.isAbsoluteNormalised(r)) {
                map.problem("root", "must be an absolute, normalised folder path such as /srv/lab-1, not '" + r + "'");
            }
        });
        Optional<String> become = map.text("become");
        become.ifPresent(b -> {
            if (!b.equals("sudo")) {
                map.problem("become", "must be 'sudo' (the only method supported), not '" + b + "'");
            }
        });
        Optional<String> identity = map.text("identity");
        Optional<String> dockerHost = map.text("dockerHost");
        dockerHost.ifPresent(d -> {
            if (!d.matches("(unix|tcp|ssh)://[^\\s'\"]+")) {
                map.problem("dockerHost", "must be an engine address as DOCKER_HOST takes it, such as"
                        + " unix:///run/podman/podman.sock, not '" + d + "'");
            }
        });
        List<RegistryCredentials> registries = RegistryLoader.load(map, problems);
        return address.map(a -> new Host(name, a, groups, vars, root, identity, become, dockerHost, registries,
                map.location()));
    }

    private static Optional<Address> parseAddress(String text, Mapping map) {
        if (text.equals("local")) {
            return Optional.of(new Address.Local());
        }
        if (text.startsWith("ssh://")) {
            try {
                URI uri = new URI(text);
                if (uri.getHost() != null && (uri.getPath() == null || uri.getPath().isEmpty())) {
                    String user = uri.getUserInfo() == null ? "" : uri.getUserInfo();
                    return Optional.of(new Address.Ssh(user, uri.getHost(), Math.max(uri.getPort(), 0)));
                }
            } catch (URISyntaxException e) {
                // reported below with the expected shape
            }
        }
        map.problem("address", "'" + text + "' is not an address: write 'local' or ssh://user@host[:port]");
        return Optional.empty();
    }

    private Optional<Service> loadService(RepoTree tree, String name, String directory, Predicate<String> isHostOrGroup,
            Map<String, List<Location>> dependencyWhere, List<Problem> problems) {
        String file = directory + "/" + SERVICE_FILE;
        if (!Names.SERVICE.matcher(name).matches()) {
            problems.add(new Problem(Location.of(directory), "'" + name
                    + "' is not a valid service name (lower-case letters, digits, '.', '_' and '-')"));
            return Optional.empty();
        }
        Optional<Mapping> root = readYaml(tree, file, problems,
                "each folder under services/ is a service and needs a service.yaml");
        if (root.isEmpty()) {
            return Optional.empty();
        }
        Mapping map = root.get();
        int before = problems.size();
        map.allowOnly(SERVICE_KEYS);
        String description = map.text("description").orElse("");
        List<String> hosts = map.required("hosts", "the host or group names this service runs on")
                .map(n -> map.yaml().textList(n, "hosts")).orElse(List.of());
        if (map.has("hosts") && hosts.isEmpty() && problems.size() == before) {
            map.problem("hosts", "must name at least one host or group");
        }
        for (String selector : hosts) {
            if (!isHostOrGroup.test(selector)) {
                map.problem("hosts", "'" + selector + "' is neither a host nor a group of driftless.yaml");
            }
        }
        List<String> dependsOn = map.value("dependsOn").map(n -> map.yaml().textList(n, "dependsOn")).orElse(List.of());
        map.value("dependsOn").ifPresent(n -> dependencyWhere.put(name, map.yaml().itemLocations(n, "dependsOn")));
        DriftPolicy drift = map.text("drift").map(d -> switch (d) {
            case "heal" -> DriftPolicy.HEAL;
            case "alert" -> DriftPolicy.ALERT;
            default -> {
                map.problem("drift", "must be 'heal' or 'alert', not '" + d + "'");
                yield DriftPolicy.HEAL;
            }
        }).orElse(DriftPolicy.HEAL);
        Map<String, String> handlers = new LinkedHashMap<>();
        // every name written under handlers:, valid or not, so onChange is checked against what the user sees
        Set<String> declaredHandlers = new LinkedHashSet<>();
        map.value("handlers").flatMap(n -> map.yaml().mapping(n, "handlers")).ifPresent(h ->
                h.entries().forEach((handler, tuple) -> {
                    declaredHandlers.add(handler);
                    if (!Names.HANDLER.matcher(handler).matches()) {
                        h.problem(handler, "is not a valid handler name (letters, digits, '.', '_' and '-')");
                        return;
                    }
                    map.yaml().text(tuple.getValueNode(), "handlers." + handler).ifPresent(command -> {
                        if (command.isBlank()) {
                            h.problem(handler, "has an empty command");
                        } else {
                            handlers.put(handler, command);
                        }
                    });
                }));
        List<Resource> resources = new ArrayList<>();
        map.value("files").flatMap(n -> map.yaml().sequence(n, "files")).ifPresent(items -> {
            Map<String, Integer> seen = new TreeMap<>();
            for (int i = 0; i < items.size(); i++) {
                String key = "files[" + i + "]";
                Optional<Resource> resource = map.yaml().mapping(items.get(i), key)
                        .flatMap(entry -> loadResource(tree, directory, entry, declaredHandlers));
                resource.ifPresent(r -> claim(r, seen, resources, problems));
            }
        });
        List<PackageSpec> packages = PackageLoader.load(map);
        List<Unit> units = new ArrayList<>();
        Map<String, Integer> claimed = new TreeMap<>();
        resources.forEach(r -> claimed.put(r.path(), r.where().line()));
        for (UnitLoader.Loaded loaded : UnitLoader.load(tree, directory, map)) {
            units.add(loaded.unit());
            loaded.files().forEach(f -> claim(f, claimed, resources, problems));
        }
        Optional<ComposeLoader.Loaded> compose = ComposeLoader.load(tree, directory, name, map);
        compose.ifPresent(c -> claim(c.file(), claimed, resources, problems));
        Health health = HealthLoader.load(map, compose.map(ComposeLoader.Loaded::compose));
        if (problems.size() > before) {
            return Optional.empty();
        }
        return Optional.of(new Service(name, directory, description, hosts, dependsOn, drift, resources, handlers,
                packages, units, compose.map(ComposeLoader.Loaded::compose), health, map.location()));
    }

    private static void claim(Resource r, Map<String, Integer> seen, List<Resource> resources, List<Problem> problems) {
        Integer first = seen.putIfAbsent(r.path(), r.where().line());
        if (first != null) {
            problems.add(new Problem(r.where(), "path " + r.path() + " is declared twice in this service (first on line "
                    + first + ")"));
        } else {
            resources.add(r);
        }
    }

    private Optional<Resource> loadResource(RepoTree tree, String directory, Mapping entry, Set<String> handlers) {
        entry.allowOnly(FILE_KEYS);
        Location where = entry.location();
        Optional<String> path = entry.required("path", "the absolute destination path on the host")
                .flatMap(n -> entry.yaml().text(n, entry.child("path")));
        path.ifPresent(p -> {
            Optional<String> control = Paths.controlCharacter(p);
            Optional<String> tooLong = Paths.nameTooLong(p);
            if (control.isPresent()) {
                entry.problem("path", "'" + Paths.shown(p) + "' " + control.get());
            } else if (!Paths.isAbsoluteNormalised(p) || p.equals("/")) {
                entry.problem("path", "'" + p + "' must be an absolute, normalised path (no '..', '.', '//' or"
                        + " trailing '/'), such as /etc/nginx/nginx.conf");
            } else if (tooLong.isPresent()) {
                entry.problem("path", tooLong.get());
            } else if (Paths.isAtOrBelow(p, Paths.OWN_FOLDER)) {
                entry.problem("path", "'" + p + "' is where Driftless keeps each host's lock and state ("
                        + Paths.OWN_FOLDER + " and everything in it, under the host's root); Driftless does not manage"
                        + " its own files: choose another path");
            }
        });
        String type = entry.text("type").orElse("file");
        boolean notADirectory = type.equals("file") || type.equals("symlink");
        path.filter(p -> notADirectory && Paths.isAbsoluteNormalised(p) && !p.equals("/")
                        && Paths.isAtOrBelow(Paths.OWN_FOLDER, p) && !p.equals(Paths.OWN_FOLDER))
                .ifPresent(p -> entry.problem(entry.has("type") ? "type" : "path", p + " is a folder above "
                        + Paths.OWN_FOLDER + ", where Driftless keeps each host's lock and state; a "
                        + (type.equals("symlink") ? "symbolic link" : "file") + " here would move or break them: make it"
                        + " a 'type: directory' entry, or leave it out"));
        List<String> contentKeys = new ArrayList<>();
        for (String key : List.of("source", "template", "content", "secret")) {
            if (entry.has(key)) {
                contentKeys.add(key);
            }
        }
        Ownership ownership = ownership(entry, type);
        List<String> onChange = entry.value("onChange")
                .map(n -> entry.yaml().textList(n, entry.child("onChange"))).orElse(List.of());
        for (String handler : onChange) {
            if (!handlers.contains(handler)) {
                entry.problem("onChange", "names handler '" + handler + "', which this service's 'handlers:' does"
                        + " not define" + (handlers.isEmpty() ? "" : " (defined: " + String.join(", ", handlers) + ")"));
            }
        }
        switch (type) {
            case "file" -> {
                if (entry.has("target")) {
                    entry.problem("target", "only a 'type: symlink' entry has a target");
                }
                if (contentKeys.size() != 1) {
                    entry.problem(contentKeys.isEmpty() ? "path" : contentKeys.get(1), contentKeys.isEmpty()
                            ? "a file needs exactly one of 'source', 'template', 'content' or 'secret' (or set 'type: directory' or"
                                    + " 'type: symlink')"
                            : "give only one of 'source', 'template', 'content' or 'secret', not " + String.join(" and ", contentKeys));
                    return Optional.empty();
                }
                Optional<Content> content = content(tree, directory, entry, contentKeys.get(0));
                if (path.isEmpty() || content.isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(new Resource.File(path.get(), content.get(), ownership, onChange, where));
            }
            case "directory", "symlink" -> {
                if (!contentKeys.isEmpty()) {
                    entry.problem(contentKeys.get(0), "a 'type: " + type + "' entry has no '" + contentKeys.get(0) + "'");
                }
                if (!onChange.isEmpty() && type.equals("directory")) {
                    entry.problem("onChange", "only files and links trigger handlers; a directory has no 'onChange'");
                }
                if (type.equals("directory")) {
                    if (entry.has("target")) {
                        entry.problem("target", "only a 'type: symlink' entry has a target");
                    }
                    return path.map(p -> new Resource.Directory(p, ownership, where));
                }
                Optional<String> target = entry.required("target", "the path the link points to")
                        .flatMap(n -> entry.yaml().text(n, entry.child("target")));
                target.ifPresent(t -> {
                    if (t.isEmpty()) {
                        entry.problem("target", "must be a non-empty path");
                    } else {
                        Paths.controlCharacter(t).ifPresent(why -> entry.problem("target", "'" + Paths.shown(t) + "' " + why));
                    }
                });
                if (path.isEmpty() || target.isEmpty() || !contentKeys.isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(new Resource.Symlink(path.get(), target.get(), onChange, where));
            }
            default -> {
                entry.problem("type", "must be 'file', 'directory' or 'symlink', not '" + type + "'");
                return Optional.empty();
            }
        }
    }

    private static Ownership ownership(Mapping entry, String type) {
        Optional<Integer> mode = entry.text("mode").flatMap(m -> {
            if (type.equals("symlink")) {
                entry.problem("mode", "a symbolic link has no mode of its own");
                return Optional.empty();
            }
            if (!Names.MODE.matcher(m).matches()) {
                entry.problem("mode", "'" + m + "' is not an octal mode; write it quoted, such as \"0644\"");
                return Optional.empty();
            }
            return Optional.of(Integer.parseInt(m, 8));
        });
        Optional<String> owner = userName(entry, "owner", type);
        Optional<String> group = userName(entry, "group", type);
        return new Ownership(mode, owner, group);
    }

    private static Optional<String> userName(Mapping entry, String key, String type) {
        return entry.text(key).flatMap(name -> {
            if (type.equals("symlink")) {
                entry.problem(key, "symbolic links are not given an " + key + " in this version");
                return Optional.empty();
            }
            if (!Names.USER.matcher(name).matches()) {
                entry.problem(key, "'" + name + "' is not a valid " + (key.equals("owner") ? "user" : "group")
                        + " name" + (name.chars().allMatch(Character::isDigit) ? " (give the name, not the number:"
                        + " the same number can name different accounts on different hosts)" : ""));
                return Optional.empty();
            }
            return Optional.of(name);
        });
    }

    static Optional<Content> content(RepoTree tree, String directory, Mapping entry, String key) {
        Optional<String> value = entry.text(key);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (key.equals("content")) {
            return Optional.of(new Content.Inline(value.get()));
        }
        String relative = value.get();
        if (!Paths.isRelativeInside(relative)) {
            entry.problem(key, "'" + relative + "' must be a relative path inside the service's folder " + directory
                    + " (no leading '/', no '..')");
            return Optional.empty();
        }
        String repoPath = directory + "/" + relative;
        String why = switch (tree.type(repoPath)) {
            case FILE -> null;
            case MISSING -> "file not found: " + repoPath + " is not in this commit (is it committed?)";
            case DIRECTORY -> repoPath + " is a folder, not a file";
            case SYMLINK -> repoPath + " is a symbolic link; Driftless never follows links inside the repository";
        };
        if (why != null) {
            entry.problem(key, why);
            return Optional.empty();
        }
        return Optional.of(switch (key) {
            case "source" -> new Content.Source(repoPath);
            case "secret" -> new Content.Secret(repoPath);
            default -> new Content.Template(repoPath);
        });
    }

    private static void checkCrossReferences(Inventory inventory, List<Service> services,
            Map<String, List<Location>> dependencyWhere, List<Problem> problems) {
        Map<String, Service> byName = new LinkedHashMap<>();
        services.forEach(s -> byName.put(s.name(), s));
        for (Service service : services) {
            for (int i = 0; i < service.dependsOn().size(); i++) {
                String dependency = service.dependsOn().get(i);
                if (!byName.containsKey(dependency)) {
                    problems.add(new Problem(ServiceOrder.where(service, i, dependencyWhere),
                            "depends on '" + dependency + "', which is not a service (no services/" + dependency
                                    + "/service.yaml)"));
                }
            }
        }
        new PathClaims(inventory, services).check(problems);
        Set<String> managed = new java.util.HashSet<>();
        services.forEach(s -> s.resources().forEach(r -> managed.add(r.path())));
        for (Service service : services) {
            for (Unit unit : service.units()) {
                for (String path : unit.restartOn()) {
                    if (!managed.contains(path)) {
                        problems.add(new Problem(unit.where().at(unit.where().line(), unit.where().key() + ".restartOn"),
                                "'" + path + "' is not a file any service manages; restartOn names files of 'files:'"
                                        + " (of this service or another)"));
                    }
                }
            }
        }
    }

    private static Optional<Mapping> readYaml(RepoTree tree, String file, List<Problem> problems, String hint) {
        EntryType type = tree.type(file);
        if (type == EntryType.SYMLINK) {
            problems.add(new Problem(Location.of(file), "is a symbolic link; Driftless never follows links inside the repository"));
            return Optional.empty();
        }
        Optional<byte[]> bytes = tree.read(file);
        if (bytes.isEmpty()) {
            problems.add(new Problem(Location.of(file), "file not found in " + tree.revision() + " (" + hint + ")"));
            return Optional.empty();
        }
        return YamlFile.parse(file, bytes.get(), problems);
    }

    private static Set<String> keys(String... names) {
        return new LinkedHashSet<>(List.of(names));
    }
}
