package dev.driftless.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.model.NotificationEvent;
import dev.driftless.model.Problem;
import dev.driftless.model.ValidationException;
import dev.driftless.scaffold.Scaffold;
import dev.driftless.source.RepoSource;
import dev.driftless.source.RepoSource.ReadFrom;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * The JSON Schemas of {@code driftless schema} and the loader agree: every example repository is valid for both, and
 * every broken repository of the loader's own tests (src/test/resources/invalid/, each rejected by the loader in
 * {@link InvalidRepositoryTest}) is rejected by the schema too, except the cases one file read alone cannot decide,
 * listed with the reason in {@link #ONLY_THE_LOADER_CAN_TELL}. The schema reads YAML as editors do (YAML 1.2's core
 * types), and allows exactly the keys the loader allows, place by place.
 */
class SchemaAgreementTest {

    private static final String SYNTAX = "a YAML syntax error: the editor's YAML parser reports it before any schema";
    private static final String ACROSS_FILES = "it takes the other files of the repository";
    private static final String SAME_FILE = "it compares one value with another of the same file, which JSON Schema"
            + " cannot";
    private static final String RENDERING = "it takes rendering (templates, unit files, the machine's environment)";

    /** The broken repositories whose mistake no schema of one file can see, and why. */
    static final Map<String, String> ONLY_THE_LOADER_CAN_TELL = Map.ofEntries(
            Map.entry("control-character", SYNTAX),
            Map.entry("duplicate-key", SYNTAX),
            Map.entry("malformed-yaml-bad-indentation", SYNTAX),
            Map.entry("malformed-yaml-missing-colon", SYNTAX),
            Map.entry("malformed-yaml-tab-indentation", SYNTAX),
            Map.entry("malformed-yaml-unclosed-quote", SYNTAX),
            Map.entry("two-documents", SYNTAX),
            Map.entry("missing-inventory", "a missing file: a schema sees one file's contents"),
            Map.entry("service-name-invalid", "the service's name is its folder's, not in the file"),
            Map.entry("dependson-cycle", ACROSS_FILES),
            Map.entry("dependson-self", "the service's own name is its folder's, not in the file"),
            Map.entry("dependson-unknown-service", ACROSS_FILES),
            Map.entry("unknown-host-or-group", ACROSS_FILES),
            Map.entry("two-services-claim-one-path", ACROSS_FILES),
            Map.entry("path-below-a-managed-file", ACROSS_FILES),
            Map.entry("path-below-a-managed-symlink", ACROSS_FILES),
            Map.entry("restart-on-unmanaged-file", ACROSS_FILES),
            Map.entry("compose-two-stacks-claim-one-container-name", ACROSS_FILES + " and their rendered compose"
                    + " files"),
            Map.entry("compose-two-stacks-publish-one-host-port", ACROSS_FILES + " and their rendered compose files"),
            Map.entry("missing-source-file", "it takes the repository's other files: the source is not committed"),
            Map.entry("missing-template-file", "it takes the repository's other files: the template is not"
                    + " committed"),
            Map.entry("source-is-symlink", "it takes the repository's other files: the source is a link"),
            Map.entry("group-named-like-a-host", SAME_FILE),
            Map.entry("local-hosts-with-nested-roots", SAME_FILE),
            Map.entry("same-path-twice-in-one-service", SAME_FILE),
            Map.entry("path-below-a-symlink-of-the-same-service", SAME_FILE),
            Map.entry("unknown-handler-in-onchange", SAME_FILE),
            Map.entry("path-component-too-long", "the limit is 255 bytes of UTF-8; a schema counts characters (its"
                    + " 255 characters are exact for ASCII names only)"),
            Map.entry("template-includes-itself", RENDERING),
            Map.entry("template-includes-missing-file", RENDERING),
            Map.entry("template-includes-outside-repository", RENDERING),
            Map.entry("template-syntax-error", RENDERING),
            Map.entry("undefined-host-attribute", RENDERING),
            Map.entry("undefined-template-variable", RENDERING),
            Map.entry("unit-file-syntax-error", RENDERING),
            Map.entry("registry-password-variable-not-set", RENDERING));

    private static final ObjectMapper JSON = new ObjectMapper();
    /** networknt's validator, for draft 2020-12 as the schemas' $schema says. */
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<Schema, com.networknt.schema.Schema> COMPILED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Pattern ALLOWED = Pattern.compile("allowed here: ([^)]*)\\)");

    @TempDir
    Path tmp;

    /** What the schema says of a file. */
    enum Verdict { VALID, INVALID, NOT_YAML }

    static Stream<String> invalidCases() throws IOException {
        try (Stream<Path> dirs = Files.list(resource("/invalid"))) {
            return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> dirs = Files.list(Path.of("examples"))) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve(RepositoryLoader.INVENTORY_FILE))).sorted().toList()
                    .stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void everyExampleIsValidForTheLoaderAndForTheSchema(Path example) throws IOException {
        Path repo = tmp.resolve("repo");
        try (TestRepo git = TestRepo.init(repo); Stream<Path> files = Files.walk(example)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                git.write(example.relativize(file).toString(), Files.readAllBytes(file));
            }
            git.commit("example " + example.getFileName());
        }
        try (RepoSource.Checkout checkout = new RepoSource(tmp.resolve("cache")).open(
                new RepoSource.Request(repo.toString(), Optional.empty(), Optional.empty(), ReadFrom.COMMIT))) {
            assertThat(new RepositoryLoader().load(checkout.tree()).services()).isNotEmpty();
        }

        Map<String, List<String>> errors = schemaErrors(example);
        assertThat(errors).as("the files of %s", example).isNotEmpty();
        assertThat(errors).allSatisfy((file, found) -> assertThat(found).as(file).isEmpty());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCases")
    void everyBrokenRepositoryIsRejectedByTheSchemaUnlessOnlyTheLoaderCanTell(String name) throws IOException {
        Map<String, List<String>> errors = schemaErrors(resource("/invalid").resolve(name));
        Set<Verdict> verdicts = errors.values().stream().map(SchemaAgreementTest::verdict).collect(Collectors.toSet());

        if (ONLY_THE_LOADER_CAN_TELL.containsKey(name)) {
            assertThat(verdicts).as("%s is listed as beyond the schema (%s), yet the schema rejects it: %s", name,
                    ONLY_THE_LOADER_CAN_TELL.get(name), errors).doesNotContain(Verdict.INVALID);
        } else {
            assertThat(verdicts).as("the schema rejects %s as the loader does: %s", name, errors)
                    .contains(Verdict.INVALID);
        }
    }

    @Test
    void everyCaseLeftToTheLoaderIsInTheCorpus() throws IOException {
        assertThat(invalidCases().toList()).containsAll(ONLY_THE_LOADER_CAN_TELL.keySet());
    }

    @Test
    void theRepositoryOfInitIsValidForTheSchema() {
        for (Scaffold.File file : new Scaffold("box").files()) {
            Schema.of(file.path()).ifPresent(schema -> assertThat(errors(schema, file.text())).as(file.path()).isEmpty());
        }
    }

    @Test
    void theSchemaNamesExactlyTheEventsTheLoaderKnowsInAnySpellingTheLoaderTakes() throws IOException {
        JsonNode events = JSON.readTree(Schema.INVENTORY.text())
                .at("/$defs/notification/properties/events/items/anyOf/0/enum");
        List<String> named = new ArrayList<>();
        events.forEach(event -> named.add(event.asText()));

        assertThat(named).containsExactlyElementsOf(
                Arrays.stream(NotificationEvent.values()).map(NotificationEvent::id).toList());
        String host = "hosts:\n  web-1:\n    address: local\n";
        assertThat(errors(Schema.INVENTORY, host + "notifications:\n  ops: { slack: { url: { env: X } },"
                + " events: [untrusted-commit, Rewind_Refused, UNTRUSTED_COMMIT] }\n")).isEmpty();
        assertThat(errors(Schema.INVENTORY, host + "notifications:\n  ops: { slack: { url: { env: X } },"
                + " events: [untrusted] }\n")).isNotEmpty();
    }

    /** A place of a file where the loader allows some keys, and the schema's properties there. */
    record Place(String name, String inventory, String service, Schema schema, String properties) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Place> places() {
        String host = "hosts:\n  web-1:\n    address: local\n";
        String service = "hosts: [web-1]\n";
        String ref = "{ env: X }";
        List<Place> places = new ArrayList<>(List.of(
                new Place("driftless.yaml", host + "zzz: 1\n", service, Schema.INVENTORY, "/properties"),
                new Place("a host", host + "    zzz: 1\n", service, Schema.INVENTORY, "/$defs/host/properties"),
                new Place("a registry login", host + "    registries:\n      r.example.org: { username: a, password: "
                        + ref + ", zzz: 1 }\n", service, Schema.INVENTORY, "/$defs/login/properties"),
                new Place("a notification", host + "notifications:\n  ops: { slack: { url: " + ref + " }, zzz: 1 }\n",
                        service, Schema.INVENTORY, "/$defs/notification/properties"),
                new Place("service.yaml", host, service + "zzz: 1\n", Schema.SERVICE, "/properties"),
                new Place("a file", host, service + "files:\n  - { path: /etc/x, content: x, zzz: 1 }\n",
                        Schema.SERVICE, "/$defs/file/properties"),
                new Place("a package", host, service + "packages:\n  - { name: curl, zzz: 1 }\n", Schema.SERVICE,
                        "/$defs/package/anyOf/1/properties"),
                new Place("a unit", host, service + "units:\n  - { name: a.service, zzz: 1 }\n", Schema.SERVICE,
                        "/$defs/unit/properties"),
                new Place("a drop-in", host, service + "units:\n  - { name: a.service, dropIns: [{ name: x.conf,"
                        + " content: \"[Service]\\n\", zzz: 1 }] }\n", Schema.SERVICE,
                        "/$defs/unit/properties/dropIns/items/properties"),
                new Place("compose", host, service + "compose: { content: \"services: {}\\n\", zzz: 1 }\n",
                        Schema.SERVICE, "/$defs/compose/properties"),
                new Place("a health check", host, service + "health:\n  - { command: 'true', zzz: 1 }\n",
                        Schema.SERVICE, "/$defs/check/properties")));
        Map<String, String> destinations = new LinkedHashMap<>();
        destinations.put("slack", "url: " + ref);
        destinations.put("discord", "url: " + ref);
        destinations.put("ntfy", "topic: t");
        destinations.put("webhook", "url: https://example.org, secret: " + ref);
        destinations.put("email", "host: h, from: a@example.org, to: b@example.org");
        destinations.put("pagerduty", "routing-key: " + ref);
        destinations.put("github", "owner: o, repo: r, token: " + ref);
        destinations.put("gitea", "url: https://example.org, owner: o, repo: r, token: " + ref);
        destinations.put("forgejo", "url: https://example.org, owner: o, repo: r, token: " + ref);
        destinations.forEach((type, settings) -> places.add(new Place("notifications by " + type, host
                + "notifications:\n  ops: { " + type + ": { " + settings + ", zzz: 1 } }\n", service,
                Schema.INVENTORY, "/$defs/destination-" + type + "/properties")));
        return places.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("places")
    void theSchemaAllowsTheKeysTheLoaderAllows(Place place) throws IOException {
        try (TestRepo git = TestRepo.init(tmp.resolve("repo"))) {
            git.write(RepositoryLoader.INVENTORY_FILE, place.inventory());
            git.write("services/app/service.yaml", place.service());
            git.commit(place.name());
        }
        Set<String> loaderAllows = new TreeSet<>();
        try (RepoSource.Checkout checkout = new RepoSource(tmp.resolve("cache")).open(new RepoSource.Request(
                tmp.resolve("repo").toString(), Optional.empty(), Optional.empty(), ReadFrom.COMMIT))) {
            assertThatThrownBy(() -> new RepositoryLoader().load(checkout.tree()))
                    .isInstanceOfSatisfying(ValidationException.class, e -> {
                        List<String> unknown = e.problems().stream().map(Problem::toString)
                                .filter(p -> p.contains("zzz: unknown key")).toList();
                        assertThat(unknown).as("%s", e.problems()).hasSize(1);
                        Matcher allowed = ALLOWED.matcher(unknown.get(0));
                        assertThat(allowed.find()).isTrue();
                        loaderAllows.addAll(Arrays.asList(allowed.group(1).split(", ")));
                    });
        }
        JsonNode properties = JSON.readTree(place.schema().text()).at(place.properties());
        assertThat(properties.isObject()).as("%s in %s", place.properties(), place.schema().fileName()).isTrue();
        Set<String> schemaAllows = new TreeSet<>();
        properties.fieldNames().forEachRemaining(schemaAllows::add);

        assertThat(schemaAllows).isEqualTo(loaderAllows);
        String text = place.schema() == Schema.INVENTORY ? place.inventory() : place.service();
        assertThat(errors(place.schema(), text)).as("the schema refuses zzz too").isNotEmpty();
    }

    /** The schema's errors for each driftless.yaml and service.yaml of a repository folder. */
    private static Map<String, List<String>> schemaErrors(Path repo) throws IOException {
        Map<String, List<String>> errors = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(repo)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                String relative = repo.relativize(file).toString();
                boolean checked = relative.equals(RepositoryLoader.INVENTORY_FILE)
                        || relative.matches("services/[^/]+/service\\.yaml");
                if (checked) {
                    errors.put(relative, errors(Schema.of(relative).orElseThrow(),
                            new String(Files.readAllBytes(file), StandardCharsets.UTF_8)));
                }
            }
        }
        return errors;
    }

    private static Verdict verdict(List<String> errors) {
        return errors.isEmpty() ? Verdict.VALID : errors.get(0).startsWith(NOT_YAML) ? Verdict.NOT_YAML
                : Verdict.INVALID;
    }

    private static final String NOT_YAML = "not YAML: ";

    /**
     * What the schema finds wrong with {@code yaml}, read as an editor reads it (YAML 1.2 core types, a key given
     * twice and a second document being errors); one entry starting {@link #NOT_YAML} when it is not YAML.
     */
    static List<String> errors(Schema schema, String yaml) {
        Object data;
        try {
            data = new Load(LoadSettings.builder().setSchema(new CoreSchema()).setAllowDuplicateKeys(false).build())
                    .loadFromString(yaml);
        } catch (YamlEngineException e) {
            return List.of(NOT_YAML + e.getMessage());
        }
        try {
            String json = data == null ? "null" : JSON.writeValueAsString(data);
            return COMPILED.computeIfAbsent(schema, s -> REGISTRY.getSchema(s.text()))
                    .validate(json, InputFormat.JSON).stream().map(Error::toString).toList();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path resource(String name) {
        try {
            return Path.of(Objects.requireNonNull(SchemaAgreementTest.class.getResource(name), name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
