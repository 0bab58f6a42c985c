package dev.driftless.load;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Random Driftless repositories for property tests: driftless.yaml and one or two service.yaml files
 * written from the keys and values users write, with a given rate of mistakes (misspelt and unknown
 * keys, wrong types, odd scalars and tags, broken references, damaged text) and service files,
 * including Pebble templates from a grammar of good and bad pieces. Written carefully (no mistakes),
 * a repository mostly loads and renders, so the renderer is exercised too.
 */
final class ManifestGrammar {

    /** A repository to commit: file path to bytes, and symbolic link path to its target. */
    record Repository(Map<String, byte[]> files, Map<String, String> links) {

        /** Every file as text, so that a failing try shows what the loader was given. */
        @Override
        public String toString() {
            StringBuilder text = new StringBuilder("\n");
            files.forEach((path, bytes) -> text.append("==> ").append(path).append(" <==\n")
                    .append(new String(bytes, StandardCharsets.UTF_8)).append("\n"));
            links.forEach((path, target) -> text.append("==> ").append(path).append(" -> ").append(target).append("\n"));
            return text.toString();
        }
    }

    /** A YAML document as a tree, written out block or flow style with a chosen indentation. */
    sealed interface Yaml {
        record Scalar(String text, Style style) implements Yaml {
        }

        record Sequence(List<Yaml> items, boolean flow) implements Yaml {
        }

        record Mapping(List<Entry> entries, boolean flow) implements Yaml {
        }

        /** Written verbatim: a tag, an anchor, an alias, a broken flow collection. */
        record Raw(String text) implements Yaml {
        }
    }

    record Entry(String key, Yaml value) {
    }

    enum Style { PLAIN, SINGLE, DOUBLE }

    /** What happens to a document's text after it is written. */
    private record Damage(Kind kind, double where, char stray) {
        enum Kind { NONE, TRUNCATE, STRAY_CHARACTER, SHIFT_LINE, UNINDENT_LINE, DROP_LINE }
    }

    private static final List<String> HOSTS = List.of("web-1", "db-1", "lab-1");
    private static final Map<String, List<String>> GROUPS_OF = Map.of(
            "web-1", List.of("web", "prod"), "db-1", List.of("db", "prod"), "lab-1", List.of("web", "db", "lab"));
    private static final List<String> GROUPS = List.of("web", "db", "prod", "lab");
    private static final List<String> SERVICES = List.of("nginx", "db", "app");
    private static final List<String> HANDLERS = List.of("reload", "restart");
    private static final List<String> VARIABLES = List.of("domain", "server_name", "port");
    private static final List<String> SERVICE_FILES = List.of("nginx.conf", "site.conf.peb", "motd.peb", "conf/data.bin");

    private static final List<String> ODD_TEXT = List.of("", " ", "~", "null", "true", "no", "0644", "0x1F", "1e3",
            ".inf", "-", ":", "#", "- x", "a: b", "{", "[", "]", "*", "&", "!", "|", ">", "'", "\"", "%", "@", "`",
            "\\", "é", "日本語", "\u0000", "\t", "\n", "\r\n", "\ud83d\ude00", "\u202e", "\ufeff", "\u0085", "\ud800",
            "\u0007", "a\u0000b", "x".repeat(300));
    private static final List<String> RAW = List.of("&a web", "*a", "*undefined", "!!binary aGVsbG8=", "!!binary %%%",
            "!!int 12", "!!int twelve", "!!float 1.5", "!!float abc", "!!bool maybe", "!!null ''", "!!str 0644",
            "!!set {a, b}", "!!omap [a: 1]", "!!timestamp 2024-01-01", "!custom value", "!<tag:x> y", "!!map {}",
            "!!seq []", "&b [*b]", "&c {k: *c}", "|\n  block", ">-", "? [a]", "{ ? a }", "[a, b", "{a: 1, a: 2}",
            // beyond the YAML limits: nested past any stack, and 21 aliases that stand for 2^20 values
            "[".repeat(20_000) + "]".repeat(20_000), aliasBomb(20));

    private static String aliasBomb(int levels) {
        StringBuilder bomb = new StringBuilder("[&a0 [x]");
        for (int i = 1; i <= levels; i++) {
            bomb.append(", &a").append(i).append(" [*a").append(i - 1).append(", *a").append(i - 1).append("]");
        }
        return bomb.append("]").toString();
    }

    /** Out of 100: how often a value is wrong, a key misspelt or a text damaged. */
    private final int mistakes;
    /** Out of 100: how often a piece of a template is wrong; templates only render in a valid repository. */
    private final int templateMistakes;
    private final Arbitrary<Yaml> anything = anyValue(2);
    private final Arbitrary<String> oddName = oddName();
    private final Arbitrary<String> template;
    private final Map<List<String>, Arbitrary<List<Service>>> servicesByNames = new HashMap<>();

    private ManifestGrammar(int mistakes, int templateMistakes) {
        this.mistakes = mistakes;
        this.templateMistakes = templateMistakes;
        this.template = template();
    }

    /** Repositories from carefully written (most load and render) to carelessly written, and raw bytes. */
    static Arbitrary<Repository> repositories() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, new ManifestGrammar(0, 0).repository()),
                Tuple.of(2, new ManifestGrammar(0, 10).repository()),
                Tuple.of(3, new ManifestGrammar(4, 4).repository()),
                Tuple.of(3, new ManifestGrammar(25, 25).repository()),
                Tuple.of(1, rawRepository()));
    }

    private Arbitrary<Repository> repository() {
        Arbitrary<Optional<String>> inventory = text(inventory()).optional(mistakes == 0 ? 1.0 : 0.97);
        Arbitrary<List<String>> names = Combinators.combine(Arbitraries.of(SERVICES), Arbitraries.of(SERVICES))
                .as((a, b) -> a.equals(b) ? List.of(a) : List.of(a, b));
        Arbitrary<List<Service>> services = names.flatMap(list ->
                servicesByNames.computeIfAbsent(list, this::services));
        Arbitrary<Boolean> withLink = mistakes == 0 ? Arbitraries.just(false)
                : Arbitraries.integers().between(0, 19).map(i -> i == 0);
        return Combinators.combine(inventory, services, withLink).as((inv, list, link) -> {
            Map<String, byte[]> files = new LinkedHashMap<>();
            Map<String, String> links = new LinkedHashMap<>();
            inv.ifPresent(text -> files.put("driftless.yaml", text.getBytes(StandardCharsets.UTF_8)));
            for (Service service : list) {
                String dir = "services/" + service.name() + "/";
                service.manifest().ifPresent(text -> files.put(dir + "service.yaml", text.getBytes(StandardCharsets.UTF_8)));
                service.files().forEach((name, bytes) -> files.put(dir + name, bytes));
                if (link) {
                    files.remove(dir + "nginx.conf");
                    links.put(dir + "nginx.conf", "../../driftless.yaml");
                }
            }
            return new Repository(files, links);
        });
    }

    /** Sometimes not YAML at all: random bytes where the manifests should be. */
    private static Arbitrary<Repository> rawRepository() {
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        return Combinators.combine(bytes, bytes).as((inventory, service) -> {
            Map<String, byte[]> files = new LinkedHashMap<>();
            files.put("driftless.yaml", inventory);
            files.put("services/app/service.yaml", service);
            return new Repository(files, Map.of());
        });
    }

    private record Service(String name, Optional<String> manifest, Map<String, byte[]> files) {
    }

    private Arbitrary<List<Service>> services(List<String> names) {
        List<Arbitrary<Service>> services = new ArrayList<>();
        for (String name : names) {
            List<String> others = names.stream().filter(n -> !n.equals(name)).toList();
            services.add(service(name, others));
        }
        return Combinators.combine(services).as(list -> list);
    }

    private Arbitrary<Service> service(String name, List<String> others) {
        Arbitrary<Optional<String>> manifest = text(serviceManifest(name, others)).optional(mistakes == 0 ? 1.0 : 0.95);
        Arbitrary<Map<String, byte[]>> files = Combinators.combine(SERVICE_FILES.stream()
                .map(file -> serviceFile(file).optional(mistakes == 0 ? 1.0 : 0.8)
                        .map(content -> content.map(c -> Map.entry(file, c))))
                .toList()).as(list -> {
                    Map<String, byte[]> map = new LinkedHashMap<>();
                    list.forEach(entry -> entry.ifPresent(e -> map.put(e.getKey(), e.getValue())));
                    return map;
                });
        return Combinators.combine(pick(Arbitraries.just(name), oddName), manifest, files).as(Service::new);
    }

    private Arbitrary<byte[]> serviceFile(String name) {
        if (name.endsWith(".peb")) {
            return template.map(t -> t.getBytes(StandardCharsets.UTF_8));
        }
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    }

    // ---- driftless.yaml

    private Arbitrary<Yaml> inventory() {
        Arbitrary<List<Entry>> hosts = Combinators.combine(HOSTS.stream().map(name -> host(name)
                .optional(mistakes == 0 ? 1.0 : 0.8)).toList()).as(list -> {
                    List<Entry> entries = new ArrayList<>();
                    list.forEach(entry -> entry.ifPresent(entries::add));
                    return entries;
                });
        return mapping(List.of(
                field("hosts", mapping(hosts, List.of()), 1.0),
                field("vars", variables(), mistakes == 0 ? 1.0 : 0.7)), List.of("hosts", "vars"));
    }

    private Arbitrary<Entry> host(String name) {
        Arbitrary<Yaml> address = scalar(Arbitraries.of("local", "ssh://deploy@db-1.internal", "ssh://db-1:2222"),
                Arbitraries.of("ssh://", "ssh://host/path", "ftp://x", "localhost", "ssh://[::1]:22", "ssh://u@h:99999",
                        "ssh://a b", "ssh://u@"));
        Arbitrary<Yaml> groups = pick(Arbitraries.just(flowList(GROUPS_OF.get(name))),
                list(Arbitraries.of(GROUPS).map(ManifestGrammar::plain),
                        Arbitraries.of("web-1", "bad group", "").map(ManifestGrammar::quoted), 0, 3));
        Arbitrary<Yaml> root = scalar(Arbitraries.of("/srv/lab-1", "/srv/root"),
                Arbitraries.of("srv", "/srv/../x", "/", "/srv//x", "/srv/"));
        Arbitrary<Yaml> become = scalar(Arbitraries.just("sudo"), Arbitraries.of("su", "doas"));
        Arbitrary<Yaml> identity = scalar(Arbitraries.of("~/.ssh/deploy_ed25519"), Arbitraries.of("", "/nonexistent"));
        Arbitrary<Yaml> body = mapping(List.of(
                field("address", address, mistakes == 0 ? 1.0 : 0.95),
                field("groups", groups, mistakes == 0 ? 1.0 : 0.9),
                field("vars", variables(), 0.4),
                field("root", root, 0.2),
                field("become", become, 0.2),
                field("identity", identity, 0.2)),
                List.of("address", "groups", "vars", "root", "become", "identity"));
        return Combinators.combine(pick(Arbitraries.just(name), oddName), body).as(Entry::new);
    }

    /** Repo or host vars; written carefully, every variable the templates use is defined. */
    private Arbitrary<Yaml> variables() {
        Arbitrary<Yaml> value = pick(Arbitraries.oneOf(
                Arbitraries.of("example.org", "www.example.org", "8080").map(ManifestGrammar::plain),
                Arbitraries.integers().between(-5, 70000).map(i -> plain(String.valueOf(i))),
                Arbitraries.of(GROUPS).list().ofMaxSize(3).map(ManifestGrammar::flowList)), anything);
        if (mistakes == 0) {
            return mapping(Combinators.combine(VARIABLES.stream().map(name -> value.map(v -> new Entry(name, v))).toList())
                    .as(list -> list), List.of());
        }
        Arbitrary<Entry> variable = Combinators.combine(
                pick(Arbitraries.of(VARIABLES), Arbitraries.of("1bad", "host", "with space", "null", "")), value)
                .as(Entry::new);
        return mapping(variable.list().ofMaxSize(4).uniqueElements(Entry::key), List.of());
    }

    // ---- service.yaml

    private Arbitrary<Yaml> serviceManifest(String name, List<String> others) {
        Arbitrary<Yaml> selectors = list(Arbitraries.of(concat(HOSTS, GROUPS)).map(ManifestGrammar::plain),
                Arbitraries.of("staging", "Web-1", "").map(ManifestGrammar::quoted), mistakes == 0 ? 1 : 0, 3);
        Arbitrary<Yaml> dependsOn = list(others.isEmpty() ? Arbitraries.just(plain("ghost"))
                        : Arbitraries.of(others).map(ManifestGrammar::plain),
                Arbitraries.of("ghost", "Nginx", name).map(ManifestGrammar::plain), 0, others.size());
        Arbitrary<Yaml> drift = scalar(Arbitraries.of("heal", "alert"), Arbitraries.of("ignore", "HEAL", ""));
        Arbitrary<Yaml> files = fileEntry(name).list().ofMaxSize(4).uniqueElements(ManifestGrammar::pathOf)
                .flatMap(items -> Arbitraries.of(false, false, true).map(flow -> new Yaml.Sequence(items, flow)));
        Arbitrary<Entry> handler = Combinators.combine(pick(Arbitraries.of(HANDLERS), Arbitraries.of("bad name", "")),
                scalar(Arbitraries.of("nginx -s reload", "systemctl restart app"), Arbitraries.of("", " ")))
                .as(Entry::new);
        Arbitrary<Yaml> handlers = mistakes == 0
                ? mapping(Arbitraries.just(HANDLERS.stream().map(h -> new Entry(h, plain("systemctl " + h + " " + name)))
                        .toList()), List.of())
                : mapping(handler.list().ofMaxSize(2).uniqueElements(Entry::key), List.of());
        return mapping(List.of(
                field("description", scalar(Arbitraries.of("Public reverse proxy", "Notes app"), oddScalarText()), 0.5),
                field("hosts", selectors, mistakes == 0 ? 1.0 : 0.9),
                field("dependsOn", dependsOn, 0.4),
                field("drift", drift, 0.3),
                field("files", files, 0.8),
                field("handlers", handlers, mistakes == 0 ? 1.0 : 0.5)),
                List.of("description", "hosts", "dependsOn", "drift", "files", "handlers"));
    }

    /** One entry of files:, of one of the five kinds; with mistakes, also any mix of keys. */
    private Arbitrary<Yaml> fileEntry(String service) {
        Arbitrary<Yaml> path = scalar(Arbitraries.of("/etc/" + service + ".conf", "/etc/" + service + "/main.conf",
                        "/srv/" + service, "/tmp/ünï/" + service + "/日本", "/etc/motd"),
                Arbitraries.of("etc/x", "/etc/../x", "/etc//x", "/etc/x/", "/", "", "/etc/./x", "/etc/x\ny",
                        "/etc/" + "x".repeat(256), "/var/lib/driftless/lock", "/var/lib", "/etc/" + service));
        Arbitrary<Yaml> source = scalar(Arbitraries.of("nginx.conf", "conf/data.bin"),
                Arbitraries.of("../other/x", "/etc/passwd", "missing.txt", "conf", "site.conf.peb/"));
        Arbitrary<Yaml> template = scalar(Arbitraries.of("site.conf.peb", "motd.peb"),
                Arbitraries.of("../../driftless.yaml", "missing.peb", "./motd.peb"));
        Arbitrary<Yaml> content = scalar(Arbitraries.of("Managed by Driftless.\n", "events {}"), oddScalarText());
        Arbitrary<Yaml> target = scalar(Arbitraries.of("/etc/nginx/conf.d/site.conf", "../relative"),
                Arbitraries.of("", "/srv/\u001b[2J"));
        Arbitrary<Yaml> mode = pick(Arbitraries.of("0644", "0755", "0600").map(ManifestGrammar::quoted),
                Arbitraries.of("644", "0844", "rw-r--r--", "01777", "99999", "0o644").map(ManifestGrammar::plain));
        Arbitrary<Yaml> owner = scalar(Arbitraries.of("root", "www-data", "1000"), Arbitraries.of("bad name", "", "-x"));
        Arbitrary<Yaml> onChange = list(Arbitraries.of(HANDLERS).map(ManifestGrammar::plain),
                Arbitraries.of("stop", "").map(ManifestGrammar::quoted), 0, 2);
        Arbitrary<Yaml> directory = Arbitraries.just(plain("directory"));
        Arbitrary<Yaml> symlink = Arbitraries.just(plain("symlink"));
        List<String> keys = List.of("path", "type", "source", "template", "content", "target", "mode", "owner", "group",
                "onChange");
        double mustHave = mistakes == 0 ? 1.0 : 0.95;
        List<Arbitrary<Yaml>> kinds = new ArrayList<>(List.of(
                mapping(List.of(field("path", path, mustHave), field("source", source, mustHave), field("mode", mode, 0.5),
                        field("owner", owner, 0.2), field("group", owner, 0.2), field("onChange", onChange, 0.4)), keys),
                mapping(List.of(field("path", path, mustHave), field("template", template, mustHave),
                        field("mode", mode, 0.3), field("onChange", onChange, 0.4)), keys),
                mapping(List.of(field("path", path, mustHave), field("content", content, mustHave),
                        field("mode", mode, 0.3)), keys),
                mapping(List.of(field("path", path, mustHave), field("type", directory, mustHave),
                        field("mode", mode, 0.3), field("owner", owner, 0.2)), keys),
                mapping(List.of(field("path", path, mustHave), field("type", symlink, mustHave),
                        field("target", target, mustHave)), keys)));
        if (mistakes > 0) {
            kinds.add(mapping(List.of(field("path", path, 0.9), field("type", scalar(Arbitraries.of("file", "directory",
                            "symlink"), Arbitraries.of("folder", "link")), 0.3), field("source", source, 0.3),
                    field("template", template, 0.3), field("content", content, 0.3), field("target", target, 0.2),
                    field("mode", mode, 0.3), field("owner", owner, 0.2), field("onChange", onChange, 0.3)), keys));
        }
        return Arbitraries.oneOf(kinds).map(yaml -> yaml instanceof Yaml.Mapping m ? new Yaml.Mapping(m.entries(), false) : yaml);
    }

    private static Object pathOf(Yaml entry) {
        if (entry instanceof Yaml.Mapping map) {
            for (Entry e : map.entries()) {
                if (e.key().equals("path")) {
                    return e.value();
                }
            }
        }
        return entry;
    }

    // ---- templates

    private Arbitrary<String> template() {
        Arbitrary<String> good = Arbitraries.of("server {\n", "}\n", "{{ domain }}", "{{ server_name }}:{{ port }}",
                "{{ host.name }}", "{{ host.groups | join(\",\") }}", "{% for g in host.groups %}{{ g }} {% endfor %}",
                "{% if host.groups contains \"web\" %}web{% endif %}", "{# comment #}", "{{ host.address | upper }}",
                "\n", "listen 80;\n", "ünïcode 日本 \ud83d\ude00");
        Arbitrary<String> bad = Arbitraries.of("{{ undefined_var }}", "{{ host.nope }}", "{{", "{% if %}",
                "{% endfor %}", "{{ 1 / 0 }}", "{% include \"motd.peb\" %}", "{% include \"site.conf.peb\" %}",
                "{% include \"../../driftless.yaml\" %}", "{% include \"missing.peb\" %}", "{{ domain | nosuchfilter }}",
                "{{ port + 1 }}", "{% extends \"motd.peb\" %}", "{% macro m() %}", "}}", "{{ host.groups[9] }}",
                "{{ domain.length }}", "{% set x = 1 %}{{ x }}", "{{ null }}", "{{ 'a' * 3 }}", "{{ domain[0] }}",
                "{% for i in range(1, 3) %}{{ i }}{% endfor %}", "{{ host.groups | first | upper }}");
        // recursion has no limit in Pebble: worth trying often
        Arbitrary<String> endless = Arbitraries.of("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
                "{% include \"motd.peb\" %}", "{% include \"site.conf.peb\" %}");
        Arbitrary<String> piece = templateMistakes == 0 ? good : Arbitraries.frequencyOf(
                Tuple.of(100 - templateMistakes, good), Tuple.of(templateMistakes, bad),
                Tuple.of(templateMistakes / 2, endless), Tuple.of(3, Arbitraries.strings().all().ofMaxLength(8)));
        return piece.list().ofMaxSize(8).map(pieces -> String.join("", pieces));
    }

    // ---- building blocks

    /** A mapping of the given optional fields, plus (with mistakes) misspelt, unknown or repeated keys. */
    private Arbitrary<Yaml> mapping(List<Arbitrary<Optional<Entry>>> fields, List<String> keys) {
        return mapping(Combinators.combine(fields).as(list -> {
            List<Entry> entries = new ArrayList<>();
            list.forEach(e -> e.ifPresent(entries::add));
            return entries;
        }), keys);
    }

    private Arbitrary<Yaml> mapping(Arbitrary<List<Entry>> entries, List<String> keys) {
        Arbitrary<Boolean> flow = Arbitraries.integers().between(0, 9).map(i -> i == 0);
        if (mistakes == 0) {
            return Combinators.combine(entries, flow).as(Yaml.Mapping::new);
        }
        Arbitrary<String> misspelt = keys.isEmpty() ? oddName
                : Combinators.combine(Arbitraries.of(keys), Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(0, 3))
                        .as((key, where, how) -> misspell(key, (int) (where * (key.length() - 1)), how));
        Arbitrary<Optional<Entry>> extra = Combinators.combine(Arbitraries.oneOf(misspelt, oddName), anything).as(Entry::new)
                .optional(mistakes / 100.0);
        Arbitrary<Optional<Integer>> repeat = Arbitraries.integers().between(0, 20).optional(mistakes / 400.0);
        return Combinators.combine(entries, extra, repeat, flow).as((list, more, again, isFlow) -> {
            List<Entry> all = new ArrayList<>(list);
            more.ifPresent(all::add);
            again.filter(i -> !list.isEmpty()).ifPresent(i -> all.add(list.get(i % list.size())));
            return new Yaml.Mapping(all, isFlow);
        });
    }

    private static String misspell(String key, int at, int how) {
        return switch (how) {
            case 0 -> key.substring(0, at) + key.substring(at + 1);
            case 1 -> key.substring(0, at) + Character.toUpperCase(key.charAt(at)) + key.substring(at + 1);
            case 2 -> key + "s";
            default -> key.toUpperCase();
        };
    }

    private Arbitrary<Optional<Entry>> field(String key, Arbitrary<Yaml> value, double presence) {
        return pick(value, anything).map(v -> new Entry(key, v)).optional(presence);
    }

    /** A list of good items, or (with mistakes) with a bad item, or anything else instead. */
    private Arbitrary<Yaml> list(Arbitrary<Yaml> good, Arbitrary<Yaml> bad, int min, int max) {
        return Combinators.combine(pick(good, bad).list().ofMinSize(min).ofMaxSize(max), Arbitraries.of(true, true, false))
                .as(Yaml.Sequence::new);
    }

    private Arbitrary<Yaml> scalar(Arbitrary<String> good, Arbitrary<String> bad) {
        return pick(good.map(ManifestGrammar::plainOrQuoted), bad.map(ManifestGrammar::quoted));
    }

    private <T> Arbitrary<T> pick(Arbitrary<T> good, Arbitrary<T> bad) {
        if (mistakes == 0) {
            return good;
        }
        return Arbitraries.frequencyOf(Tuple.of(100 - mistakes, good), Tuple.of(mistakes, bad));
    }

    /** Anything at all: nothing, odd scalars, tags, aliases, nested lists and mappings. */
    private static Arbitrary<Yaml> anyValue(int depth) {
        Arbitrary<Yaml> scalar = Combinators.combine(oddScalarText(), Arbitraries.of(Style.values())).as(Yaml.Scalar::new);
        Arbitrary<Yaml> raw = Arbitraries.of(RAW).map(Yaml.Raw::new);
        Arbitrary<Yaml> nothing = Arbitraries.of("", "~", "null").map(ManifestGrammar::plain);
        if (depth == 0) {
            return Arbitraries.frequencyOf(Tuple.of(4, scalar), Tuple.of(1, raw), Tuple.of(2, nothing));
        }
        Arbitrary<Yaml> inner = anyValue(depth - 1);
        Arbitrary<Yaml> sequence = Combinators.combine(inner.list().ofMaxSize(3), Arbitraries.of(true, false))
                .as(Yaml.Sequence::new);
        Arbitrary<Yaml> mapping = Combinators.combine(
                Combinators.combine(oddName(), inner).as(Entry::new).list().ofMaxSize(3),
                Arbitraries.of(true, false)).as(Yaml.Mapping::new);
        return Arbitraries.frequencyOf(Tuple.of(4, scalar), Tuple.of(1, raw), Tuple.of(2, nothing), Tuple.of(1, sequence),
                Tuple.of(1, mapping));
    }

    private static Arbitrary<String> oddScalarText() {
        return Arbitraries.oneOf(Arbitraries.of(ODD_TEXT), Arbitraries.strings().all().ofMaxLength(12),
                Arbitraries.strings().alpha().numeric().withChars("-_./ ").ofMaxLength(12));
    }

    private static Arbitrary<String> oddName() {
        return Arbitraries.oneOf(Arbitraries.of("Web", "a b", "ünï", "x.y", "-lead", "UPPER", "日本", "a'b"),
                Arbitraries.strings().alpha().numeric().withChars("-_.").ofMinLength(1).ofMaxLength(10))
                // a folder name must stay a folder of the repository
                .filter(name -> !name.matches("\\.+") && !name.equalsIgnoreCase(".git"));
    }

    // ---- writing text

    /** Writes a document with an indentation of 1 to 4 spaces; with mistakes, sometimes damages the text. */
    private Arbitrary<String> text(Arbitrary<Yaml> document) {
        Arbitrary<Damage> damage = mistakes == 0 ? Arbitraries.just(new Damage(Damage.Kind.NONE, 0, ' '))
                : Combinators.combine(
                        Arbitraries.frequencyOf(Tuple.of(100 - mistakes, Arbitraries.just(Damage.Kind.NONE)),
                                Tuple.of(mistakes, Arbitraries.of(Damage.Kind.values()))),
                        Arbitraries.doubles().between(0, 1),
                        Arbitraries.oneOf(Arbitraries.of(':', '-', '"', '\'', '\t', ' ', '{', '[', '#', '&', '*', '\n',
                                '\u0000'), Arbitraries.chars().all())).as(Damage::new);
        return Combinators.combine(document, Arbitraries.integers().between(1, 4), damage)
                .as((yaml, indent, harm) -> damage(String.join("\n", lines(yaml, indent)) + "\n", harm));
    }

    private static String damage(String text, Damage damage) {
        int at = (int) (damage.where() * text.length());
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        int line = (int) (damage.where() * (lines.size() - 1));
        switch (damage.kind()) {
            case NONE -> {
                return text;
            }
            case TRUNCATE -> {
                return text.substring(0, at);
            }
            case STRAY_CHARACTER -> {
                return text.substring(0, at) + damage.stray() + text.substring(at);
            }
            case SHIFT_LINE -> lines.set(line, " " + lines.get(line));
            case UNINDENT_LINE -> lines.set(line, lines.get(line).stripLeading());
            case DROP_LINE -> lines.remove(line);
        }
        return String.join("\n", lines);
    }

    static List<String> lines(Yaml yaml, int indent) {
        List<String> lines = new ArrayList<>();
        String pad = " ".repeat(indent);
        if (yaml instanceof Yaml.Mapping map && !map.flow() && !map.entries().isEmpty()) {
            for (Entry entry : map.entries()) {
                if (inline(entry.value())) {
                    lines.add(key(entry.key()) + ": " + flow(entry.value()));
                } else {
                    lines.add(key(entry.key()) + ":");
                    lines(entry.value(), indent).forEach(l -> lines.add(pad + l));
                }
            }
        } else if (yaml instanceof Yaml.Sequence seq && !seq.flow() && !seq.items().isEmpty()) {
            for (Yaml item : seq.items()) {
                if (inline(item)) {
                    lines.add("- " + flow(item));
                } else {
                    List<String> nested = lines(item, indent);
                    lines.add("- " + nested.get(0));
                    nested.subList(1, nested.size()).forEach(l -> lines.add("  " + l));
                }
            }
        } else {
            lines.add(flow(yaml));
        }
        return lines;
    }

    private static boolean inline(Yaml yaml) {
        if (yaml instanceof Yaml.Mapping map) {
            return map.flow() || map.entries().isEmpty();
        }
        if (yaml instanceof Yaml.Sequence seq) {
            return seq.flow() || seq.items().isEmpty();
        }
        return true;
    }

    private static String flow(Yaml yaml) {
        if (yaml instanceof Yaml.Scalar scalar) {
            return switch (scalar.style()) {
                case PLAIN -> scalar.text();
                case SINGLE -> "'" + scalar.text().replace("'", "''") + "'";
                case DOUBLE -> doubleQuoted(scalar.text());
            };
        }
        if (yaml instanceof Yaml.Sequence seq) {
            return "[" + String.join(", ", seq.items().stream().map(ManifestGrammar::flow).toList()) + "]";
        }
        if (yaml instanceof Yaml.Mapping map) {
            return "{" + String.join(", ", map.entries().stream().map(e -> key(e.key()) + ": " + flow(e.value())).toList())
                    + "}";
        }
        return ((Yaml.Raw) yaml).text();
    }

    private static String key(String key) {
        return key.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*") ? key : doubleQuoted(key);
    }

    private static String doubleQuoted(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || Character.isSurrogate(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private static Yaml plain(String text) {
        return new Yaml.Scalar(text, Style.PLAIN);
    }

    private static Yaml quoted(String text) {
        return new Yaml.Scalar(text, Style.DOUBLE);
    }

    private static Yaml flowList(List<String> items) {
        return new Yaml.Sequence(items.stream().map(ManifestGrammar::plain).toList(), true);
    }

    /** Plain when YAML reads it back as the same text, else quoted. */
    private static Yaml plainOrQuoted(String text) {
        return text.matches("[A-Za-z/~][A-Za-z0-9 ._/:@~-]*") && !text.contains(": ") && !text.endsWith(":")
                && !text.matches("(?i)true|false|null|yes|no|~") ? plain(text) : quoted(text);
    }

    private static <T> List<T> concat(List<? extends T> a, List<? extends T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
