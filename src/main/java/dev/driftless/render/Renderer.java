package dev.driftless.render;

import dev.driftless.model.Content;
import dev.driftless.model.DesiredRepository;
import dev.driftless.model.Host;
import dev.driftless.model.Location;
import dev.driftless.model.Ownership;
import dev.driftless.model.Problem;
import dev.driftless.model.Resource;
import dev.driftless.model.Service;
import dev.driftless.model.ValidationException;
import dev.driftless.secrets.SecretException;
import dev.driftless.secrets.Secrets;
import dev.driftless.source.RepoTree;
import dev.driftless.source.SourceException;
import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private final SecretFunction secretFunction;
    private final PebbleEngine pebble;

    public Renderer(RepoTree tree, Secrets secrets) {
        this.tree = tree;
        this.secrets = secrets;
        this.secretFunction = new SecretFunction(secrets);
        this.pebble = new PebbleEngine.Builder()
                .loader(new RepoTemplateLoader(tree))
                .extension(secretFunction)
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
        for (Service service : repository.services()) {
            if (!service.runsOn(host) || !chosen.test(service)) {
                continue;
            }
            services.add(service.name());
            handlers.put(service.name(), service.handlers());
            for (Resource resource : service.resources()) {
                if (resource instanceof Resource.File file) {
                    secretFunction.start(service.directory());
                    byte[] content = content(file, host, variables, problems);
                    if (content != null) {
                        boolean sensitive = secretFunction.read() || file.content() instanceof Content.Secret;
                        resources.add(new Desired.File(file.path(), service.name(), content,
                                sensitive ? privateByDefault(file.ownership()) : file.ownership(),
                                file.onChange(), file.where(), sensitive));
                    }
                } else if (resource instanceof Resource.Directory dir) {
                    resources.add(new Desired.Directory(dir.path(), service.name(), dir.ownership(), dir.where()));
                } else if (resource instanceof Resource.Symlink link) {
                    resources.add(new Desired.Symlink(link.path(), service.name(), link.target(), link.onChange(),
                            link.where()));
                }
            }
        }
        return new DesiredHost(host, repository.revision(), resources, handlers, services);
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
        try {
            PebbleTemplate template = pebble.getTemplate(path);
            StringWriter out = new StringWriter();
            template.evaluate(out, variables);
            return out.toString().getBytes(StandardCharsets.UTF_8);
        } catch (PebbleException e) {
            String file = e.getFileName() != null ? e.getFileName() : path;
            int line = e.getLineNumber() != null ? e.getLineNumber() : 0;
            problems.add(new Problem(new Location(file, line, "template"),
                    (secretFunction.read() ? WITHHELD : describe(e)) + " (rendering for host " + host.name() + ")"));
            return null;
        } catch (IOException | RuntimeException e) {
            problems.add(new Problem(new Location(path, 0, "template"), secretFunction.read()
                    ? WITHHELD + " (rendering for host " + host.name() + ")"
                    : "cannot be rendered for host " + host.name() + ": " + e.getMessage()));
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
