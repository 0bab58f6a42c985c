package dev.driftless.engine;

import dev.driftless.load.Names;
import dev.driftless.model.Content;
import dev.driftless.model.Host;
import dev.driftless.model.Resource;
import dev.driftless.model.Service;
import dev.driftless.render.Desired;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One file of a service as one host gets it, found by its path on the host or by its name in the service's folder:
 * what {@code driftless render} prints.
 *
 * @param declared the entry of service.yaml (or the unit or stack) that the file comes from
 */
public record RenderedFile(Host host, Service service, Resource.File declared, Desired.File file) {

    /** The file asked for is not one the service has, or not for one host: the message says what there is. */
    public static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    /**
     * Finds {@code name} of {@code serviceName} among the workspace's chosen hosts: the one host the service goes to
     * (the workspace chose one, or the service goes to one only).
     */
    public static RenderedFile find(Workspace workspace, String serviceName, String name) {
        Service service = workspace.repository().services().stream().filter(s -> s.name().equals(serviceName))
                .findFirst().orElseThrow(() -> new NotFound("no service " + serviceName + " (no services/" + serviceName
                        + "/service.yaml)"));
        Resource.File declared = declared(service, name);
        Host host = host(workspace, service);
        Desired.File file = workspace.desired(host).resources().stream()
                .filter(d -> d instanceof Desired.File f && f.path().equals(declared.path())
                        && f.service().equals(service.name()))
                .map(Desired.File.class::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException(declared.path() + " was not rendered for " + host.name()));
        return new RenderedFile(host, service, declared, file);
    }

    private static Resource.File declared(Service service, String name) {
        String inFolder = service.directory() + "/" + name;
        List<String> names = new ArrayList<>();
        for (Resource resource : service.resources()) {
            names.add(resource.path());
            if (resource.path().equals(name) || repoPath(resource).filter(inFolder::equals).isPresent()) {
                if (resource instanceof Resource.File file) {
                    return file;
                }
                throw new NotFound(resource.path() + " of service " + service.name() + " is a "
                        + (resource instanceof Resource.Directory ? "directory" : "symbolic link") + ", not a file:"
                        + " there is nothing to render");
            }
            repoPath(resource).ifPresent(p -> names.add(p.substring(service.directory().length() + 1)));
        }
        String suggestion = Names.closest(name, names).map(s -> "did you mean '" + s + "'? ").orElse("");
        throw new NotFound("service " + service.name() + " has no file " + name + " (" + suggestion
                + (names.isEmpty() ? "it has no files" : "give its path on the host or its name in "
                + service.directory() + ": " + String.join(", ", names)) + ")");
    }

    private static Optional<String> repoPath(Resource resource) {
        if (resource instanceof Resource.File file) {
            Content content = file.content();
            if (content instanceof Content.Source source) {
                return Optional.of(source.repoPath());
            }
            if (content instanceof Content.Template template) {
                return Optional.of(template.repoPath());
            }
            if (content instanceof Content.Secret secret) {
                return Optional.of(secret.repoPath());
            }
        }
        return Optional.empty();
    }

    private static Host host(Workspace workspace, Service service) {
        List<Host> hosts = workspace.hosts().stream().filter(service::runsOn).toList();
        String selectors = service.directory() + "/service.yaml says hosts: [" + String.join(", ", service.hosts()) + "]";
        if (hosts.size() == 1) {
            return hosts.get(0);
        }
        if (hosts.isEmpty()) {
            throw new NotFound(workspace.hosts().size() == 1
                    ? "service " + service.name() + " does not go to host " + workspace.hosts().get(0).name() + " ("
                            + selectors + ")"
                    : "service " + service.name() + " goes to no host (" + selectors + ")");
        }
        throw new NotFound("service " + service.name() + " goes to " + hosts.size() + " hosts ("
                + String.join(", ", hosts.stream().map(Host::name).toList()) + "): choose one with --host");
    }
}
