package dev.driftless.render;

import dev.driftless.model.Content;
import dev.driftless.model.DesiredRepository;
import dev.driftless.model.Host;
import dev.driftless.model.Location;
import dev.driftless.model.Ownership;
import dev.driftless.model.Problem;
import dev.driftless.model.Reference;
import dev.driftless.model.RegistryCredentials;
import dev.driftless.model.Setting;
import dev.driftless.model.Resource;
import dev.driftless.model.Health;
import dev.driftless.model.PackageSpec;
import dev.driftless.model.Service;
import dev.driftless.model.Unit;
import dev.driftless.model.ValidationException;
import dev.driftless.secrets.ReferencedValues;
import dev.driftless.secrets.SecretException;
import dev.driftless.secrets.Secrets;
import dev.driftless.source.RepoTree;
import dev.driftless.source.SourceException;
import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.cache.tag.NoOpTagCache;
import io.pebbletemplates.pebble.error.ClassAccessException;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Turns a validated repository into concrete per-host resources: reads sources, renders templates
 * (Pebble, strict: an undefined variable is an error) with repo vars, host vars and {@code host}.
 */
public final class Renderer {

    /** What a file rendered from a secret and given no mode gets: for its owner only, and managed. */
    static final int SENSITIVE_FILE_MODE = 0600;

    // a template error can quote anything the template computed, a secret transformed beyond what
    // redaction recognises (upper-cased, sliced) included: once a secret was read, say only where
    static final String WITHHELD = "template error (the message is withheld because this template reads secrets)";

    private final RepoTree tree;
    private final Secrets secrets;
    private final ReferencedValues references;
    private final SecretFunction secretFunction;
    private final RenderBudget budget;
    private final PebbleEngine pebble;
    // templates stopped by a limit for one host: they are not run again for the next hosts
    private final Set<String> overLimit = new HashSet<>();

    /** Renders from {@code tree} within the default limits. */
    public Renderer(RepoTree tree, Secrets secrets) {
        this(tree, secrets, RenderLimits.DEFAULT);
    }

    /** Renders from {@code tree}, each file within {@code limits}; one rendering at a time. */
    public Renderer(RepoTree tree, Secrets secrets, RenderLimits limits) {
        this(tree, secrets, limits, System.getenv());
    }

    /**
     * Renders from {@code tree}, each file within {@code limits}; {@code env} is the environment that
     * {@code { env: VAR }} of driftless.yaml (a host's registry logins) reads.
     */
    public Renderer(RepoTree tree, Secrets secrets, RenderLimits limits, Map<String, String> env) {
        this.tree = tree;
        this.secrets = secrets;
        this.references = new ReferencedValues(name -> {
            try {
                return secrets.value("", name);
            } catch (SecretException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }, Map.copyOf(env));
        this.secretFunction = new SecretFunction(secrets);
        this.budget = new RenderBudget(limits);
        this.pebble = new PebbleEngine.Builder()
                .loader(new RepoTemplateLoader(tree))
                .extension(secretFunction, new Checkpoints(budget))
                .registerExtensionCustomizer(pebbles -> new LimitedExtension(pebbles, budget))
                .methodAccessValidator(new ReadOnlyMethods())
                // Pebble's own count also covers what a macro builds without printing it
                .maxRenderedSize(budget.maxRenderedChars())
                // {% cache %} kept one host's text for the next hosts, and an entry per key without bound
                .tagCache(new NoOpTagCache())
                .strictVariables(true)
                .autoEscaping(false)
                .newLineTrimming(false) // config files keep their lines as written; trim with {%- -%}
                .build();
    }

    /**
     * Renders every chosen host; throws a {@link ValidationException} listing every template problem
     * of every host, so nothing is applied from a repository that does not render.
     */
    public List<DesiredHost> render(DesiredRepository repository, Collection<Host> hosts, Predicate<Service> chosen) {
        List<Problem> problems = new ArrayList<>();
        List<DesiredHost> result = new ArrayList<>();
        overLimit.clear();
        for (Host host : hosts) {
            result.add(render(repository, host, chosen, problems));
        }
        if (!problems.isEmpty()) {
            // a template error can quote what it was working on, which may be a secret's value; a file
            // that cannot be read is the same problem for every host it goes to: say it once
            throw new ValidationException(problems.stream()
                    .map(p -> new Problem(p.where(), secrets.redact(p.message()))).distinct().toList());
        }
        return result;
    }

    private DesiredHost render(DesiredRepository repository, Host host, Predicate<Service> chosen, List<Problem> problems) {
        Map<String, Object> variables = variables(repository, host);
        List<Desired> resources = new ArrayList<>();
        Map<String, Map<String, String>> handlers = new LinkedHashMap<>();
        List<String> services = new ArrayList<>();
        Map<String, Health> health = new LinkedHashMap<>();
        StackRendering stacks = new StackRendering();
        for (Service service : repository.services()) {
            if (!service.runsOn(host) || !chosen.test(service)) {
                continue;
            }
            services.add(service.name());
            handlers.put(service.name(), service.handlers());
            health.put(service.name(), service.health());
            for (PackageSpec p : service.packages()) {
                resources.add(new Desired.Package(p.name(), p.version(), p.present(), service.name(), p.where()));
            }
            for (Resource resource : service.resources()) {
                if (resource instanceof Resource.File file) {
                    secretFunction.start(service.directory());
                    byte[] content = content(file, host, variables, problems);
                    if (content != null) {
                        SecretLines secretLines = file.content() instanceof Content.Secret ? SecretLines.WHOLE_FILE
                                : secretFunction.read()
                                ? secretLines(((Content.Template) file.content()).repoPath(), variables, content)
                                : SecretLines.NONE;
                        resources.add(new Desired.File(file.path(), service.name(), content,
                                secretLines.sensitive() ? privateByDefault(file.ownership()) : file.ownership(),
                                file.onChange(), file.where(), secretLines));
                    }
                } else if (resource instanceof Resource.Directory dir) {
                    resources.add(new Desired.Directory(dir.path(), service.name(), dir.ownership(), dir.where()));
                } else if (resource instanceof Resource.Symlink link) {
                    resources.add(new Desired.Symlink(link.path(), service.name(), link.target(), link.onChange(),
                            link.where()));
                }
            }
            for (Unit unit : service.units().stream().filter(u -> !u.template()).toList()) {
                resources.add(new Desired.Unit(unit.name(), unit.enabled(), unit.running(), unit.files(),
                        unit.restartOn(), unit.reload(), service.name(), unit.where()));
            }
            service.compose().flatMap(c -> stacks.render(service.name(), c, service.health(), resources, host,
                    problems))
                    .ifPresent(resources::addAll);
        }
        // read only for a host with stacks: the key is needed then, and a host without any needs none
        List<RegistryLogin> registries = resources.stream().anyMatch(Desired.Stack.class::isInstance)
                ? registries(host, problems) : List.of();
        return new DesiredHost(host, repository.revision(), resources, handlers, services, health, registries);
    }

    /** The host's registry logins with their values read; a value that cannot be had is a problem at its line. */
    private List<RegistryLogin> registries(Host host, List<Problem> problems) {
        List<RegistryLogin> logins = new ArrayList<>();
        String forHost = " (rendering for host " + host.name() + ")";
        for (RegistryCredentials credentials : host.registries()) {
            List<Problem> found = new ArrayList<>();
            Optional<String> username = Optional.of(credentials.username()).filter(Setting.Text.class::isInstance)
                    .map(text -> ((Setting.Text) text).value());
            if (credentials.username() instanceof Reference user) {
                // text was checked by the loader; a value read is checked here, with the same words
                username = references.read(user, found);
                username.filter(u -> u.isBlank() || u.contains(":")).ifPresent(u -> found.add(new Problem(user.where(),
                        "the value of " + user.describe() + (u.isBlank() ? " is empty"
                                : " contains ':', which the registry's basic login cannot carry"))));
            }
            Optional<String> password = references.read(credentials.password(), found);
            password.filter(String::isEmpty).ifPresent(p -> found.add(new Problem(credentials.password().where(),
                    "the value of " + credentials.password().describe() + " is empty")));
            if (!found.isEmpty()) {
                found.forEach(p -> problems.add(new Problem(p.where(), p.message() + forHost)));
                continue;
            }
            // the environment's values and the login as the engine's file holds it are hidden as secrets are
            secrets.conceal(password.get());
            secrets.conceal(Base64.getEncoder().encodeToString((username.get() + ":" + password.get())
                    .getBytes(StandardCharsets.UTF_8)));
            logins.add(new RegistryLogin(credentials.registry(), username.get(), password.get()));
        }
        return logins;
    }

    private static Ownership privateByDefault(Ownership ownership) {
        return ownership.mode().isPresent() ? ownership
                : new Ownership(Optional.of(SENSITIVE_FILE_MODE), ownership.owner(), ownership.group());
    }

    private byte[] content(Resource.File file, Host host, Map<String, Object> variables, List<Problem> problems) {
        Content content = file.content();
        if (content instanceof Content.Inline inline) {
            return inline.text().getBytes(StandardCharsets.UTF_8);
        }
        if (content instanceof Content.Source source) {
            try {
                return tree.read(source.repoPath()).orElseThrow();
            } catch (SourceException e) {
                problems.add(new Problem(file.where().at(file.where().line(), file.where().key() + ".source"),
                        e.getMessage()));
                return null;
            }
        }
        if (content instanceof Content.Secret secret) {
            try {
                return secrets.file(secret.repoPath());
            } catch (SecretException | SourceException e) {
                problems.add(new Problem(file.where().at(file.where().line(), file.where().key() + ".secret"),
                        e.getMessage() + " (rendering for host " + host.name() + ")"));
                return null;
            }
        }
        return renderTemplate(((Content.Template) content).repoPath(), host, variables, problems);
    }

    private byte[] renderTemplate(String path, Host host, Map<String, Object> variables, List<Problem> problems) {
        if (budget.shutDown() || overLimit.contains(path)) {
            return null; // said once already: the first host's problem stands for all
        }
        try {
            return evaluate(path, variables);
        } catch (IOException | RuntimeException e) {
            problems.add(problem(path, host, e));
            return null;
        } catch (StackOverflowError e) {
            // Pebble has no depth limit: a template that includes itself (or a macro that calls
            // itself) recurses until the stack runs out; the stack is unwound again here
            problems.add(new Problem(new Location(path, 0, "template"), "never finishes rendering for host "
                    + host.name() + ": it includes itself or calls a macro that calls itself, directly or through"
                    + " other templates"));
            return null;
        }
    }

    private byte[] evaluate(String path, Map<String, Object> variables) throws IOException {
        budget.start(path);
        PebbleTemplate template = pebble.getTemplate(path);
        MeteredWriter out = new MeteredWriter(budget);
        template.evaluate(out, variables);
        return out.bytes();
    }

    /**
     * Which lines of a template's output came from secrets: it is rendered again twice with stand-ins for the
     * secrets' values, and the lines that are not the same in all three renders are the secret ones.
     */
    private SecretLines secretLines(String path, Map<String, Object> variables, byte[] rendered) {
        Optional<byte[]> first = withStandIns(SecretFunction.Values.FIRST_STAND_IN, path, variables);
        Optional<byte[]> second = withStandIns(SecretFunction.Values.SECOND_STAND_IN, path, variables);
        return SecretLines.compare(rendered, first, second);
    }

    /** The template rendered with stand-ins, or empty when that fails (which says nothing new about the template). */
    private Optional<byte[]> withStandIns(SecretFunction.Values values, String path, Map<String, Object> variables) {
        secretFunction.give(values);
        try {
            return Optional.of(evaluate(path, variables));
        } catch (IOException | RuntimeException | StackOverflowError e) {
            return Optional.empty();
        } finally {
            secretFunction.give(SecretFunction.Values.DECRYPTED);
        }
    }

    private Problem problem(String path, Host host, Exception e) {
        String forHost = " (rendering for host " + host.name() + ")";
        Optional<RenderBudget.Exceeded> limit = budget.limitIn(e);
        if (limit.isPresent()) {
            // our own words, which quote nothing of what the template computed
            RenderBudget.Exceeded stop = limit.get();
            overLimit.add(path);
            return new Problem(where(stop, path), budget.describe(stop.reason())
                    + (stop.reason() == RenderBudget.Reason.SHUTDOWN ? "" : forHost));
        }
        if (e instanceof PebbleException pebble) {
            return new Problem(where(pebble, path), (secretFunction.read() ? WITHHELD : describe(pebble)) + forHost);
        }
        return new Problem(new Location(path, 0, "template"), secretFunction.read() ? WITHHELD + forHost
                : "cannot be rendered for host " + host.name() + ": " + e.getMessage());
    }

    private static Location where(PebbleException e, String path) {
        String file = e.getFileName() != null && !e.getFileName().isEmpty() ? e.getFileName() : path;
        return new Location(file, e.getLineNumber() != null ? e.getLineNumber() : 0, "template");
    }

    private static String describe(PebbleException e) {
        String message = e.getPebbleMessage();
        if (e instanceof io.pebbletemplates.pebble.error.RootAttributeNotFoundException) {
            int start = message.indexOf('[');
            int end = message.indexOf(']');
            if (start >= 0 && end > start) {
                return "undefined template variable '" + message.substring(start + 1, end)
                        + "' (define it under 'vars:' of driftless.yaml or of the host)";
            }
        }
        if (e instanceof io.pebbletemplates.pebble.error.AttributeNotFoundException attribute) {
            return "undefined attribute '" + attribute.getAttributeName() + "' (host has name, groups and address;"
                    + " a variable has the keys written under 'vars:')";
        }
        if (e instanceof ClassAccessException) {
            return "a template may not call " + message.replaceFirst("(?s).*[. ](\\w+)\\(.*", "$1()")
                    + ": it reads values and never changes them (methods without arguments of texts and numbers,"
                    + " getters, size and length are allowed; use a filter such as | upper or | replace)";
        }
        return message;
    }

    /** Repo vars, then host vars (which win), then {@code host}: name, groups, address. */
    static Map<String, Object> variables(DesiredRepository repository, Host host) {
        Map<String, Object> variables = new LinkedHashMap<>(repository.inventory().vars());
        variables.putAll(host.vars());
        Map<String, Object> self = new LinkedHashMap<>();
        self.put("name", host.name());
        self.put("groups", host.groups());
        self.put("address", host.address().toString());
        variables.put("host", self);
        return variables;
    }
}
