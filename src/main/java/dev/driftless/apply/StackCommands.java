package dev.driftless.apply;

import dev.driftless.compose.ComposeFile;
import dev.driftless.host.Shell;
import dev.driftless.model.Compose;
import dev.driftless.render.Desired;
import dev.driftless.render.RegistryLogin;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The shell scripts that bring a stack up and down with a host's compose, in one command each. Up goes in steps that
 * change nothing until the last: compose's own {@code config} check (of a compose file the apply wrote), then the
 * images pulled, then {@code up}; when {@code up} fails, the containers it had set aside (compose v1 stops a
 * container it recreates and renames it to {@code ID_NAME} before it creates the new one, and leaves it so when that
 * fails) get their names back and run again, so a configuration the engine refuses never takes down what ran before. podman-compose 1.0.3 has no
 * {@code config}, recreates nothing (its configuration hash is a constant), removes no orphans and exits 0 whatever
 * failed: for it the script sets aside the containers of another configuration itself and checks afterwards that
 * every service runs one of its own.
 *
 * <p>The script marks its steps on lines of their own ({@link #STEP}, {@link #KEPT}, {@link #NOT_RUNNING}), so that a
 * failure can say where it happened.
 */
final class StackCommands {

    /** Printed before each step: config, pull, up. */
    static final String STEP = "@@step ";
    /** A container of the previous configuration, running again under its name after {@code up} failed. */
    static final String KEPT = "@@kept ";
    /** A compose service without a running container of its configuration after podman-compose's up. */
    static final String NOT_RUNNING = "@@not-running ";

    static final String PODMAN_COMPOSE = "podman-compose";
    private static final String PROJECT_LABEL = "com.docker.compose.project";
    private static final String SERVICE_LABEL = "com.docker.compose.service";

    private StackCommands() {
    }

    /**
     * Brings {@code stack} up with {@code compose}; {@code engine} is the host's container CLI. Images are pulled
     * when missing, or always when {@code pull} or the stack says so. The services that reload get their signal when
     * a file they mount is among {@code written}. With {@code logins}, the command reads the host's registry logins
     * on its standard input ({@link RegistryLogins}) and pulls with them.
     */
    static String up(Desired.Stack stack, Optional<String> dockerHost, String engine, String compose, boolean pull,
            Set<String> written, List<RegistryLogin> logins) {
        boolean podmanCompose = compose.equals(PODMAN_COMPOSE);
        // podman-compose runs podman, whatever else the host has
        String cli = podmanCompose ? "podman" : engine;
        String invoke = composeCommand(compose, stack.project());
        StringBuilder s = new StringBuilder(environment(dockerHost))
                .append(logins.isEmpty() ? "" : RegistryLogins.prelude())
                .append("cd ").append(Shell.quote(stack.directory())).append(" || exit 1; ");
        // compose's own check of a compose file this apply wrote (one more compose start, 0.7 s for compose v1):
        // a file it accepted before is not checked again when a heal or a changed config file brings the stack up
        if (!podmanCompose && written.contains(stack.file())) {
            s.append(step("config")).append(invoke).append(" config -q || exit 1; ");
        }
        s.append(step("pull"));
        for (Desired.StackService service : stack.services()) {
            // an image named with ${VARIABLES} is left to compose, which knows their values
            service.image().filter(i -> !i.contains("$")).map(Shell::quote).ifPresent(image -> {
                if (!pull && !stack.pullAlways()) {
                    s.append(cli).append(" image inspect ").append(image).append(" >/dev/null 2>&1 || ");
                }
                s.append(cli).append(" pull -q ").append(image).append(" >/dev/null || exit 1; ");
            });
        }
        s.append(step("up"));
        if (podmanCompose) {
            s.append(setAside(stack, cli));
        }
        s.append("ok=1; ").append(invoke).append(" up -d").append(podmanCompose ? "" : " --remove-orphans")
                .append(compose.equals("docker compose") ? " --wait" : "").append(" || ok=; ");
        if (podmanCompose) {
            for (Desired.StackService service : stack.services()) {
                s.append("[ -n \"$(podman ps -q").append(label(ComposeFile.STACK_LABEL, stack.project()))
                        .append(label(SERVICE_LABEL, service.name())).append(label(ComposeFile.CONFIG_LABEL, service.hash()))
                        .append(" --filter status=running)\" ] || { echo ").append(Shell.quote(NOT_RUNNING + service.name()))
                        .append("; ok=; }; ");
            }
        }
        String project = label(PROJECT_LABEL, stack.project());
        // a container set aside is named ID_NAME, ID its own 12 first hex digits
        String setAside = cli + " ps -a" + project + " --format '{{.ID}} {{.Names}}' | while read -r id name; do"
                + " case \"$name\" in \"$id\"_*) ";
        s.append("if [ -z \"$ok\" ]; then ").append(setAside).append("n=${name#\"$id\"_}; ").append(cli)
                .append(" rm -f \"$n\" >/dev/null 2>&1; ").append(cli).append(" rename \"$id\" \"$n\" && ").append(cli)
                .append(" start \"$n\" >/dev/null && echo \"").append(KEPT).append("$n\";; esac; done; exit 1; fi; ")
                .append(setAside).append(cli).append(" rm -f \"$id\" >/dev/null;; esac; done");
        for (Desired.StackService service : stack.services()) {
            if (service.signal().isPresent() && service.mounts().stream().anyMatch(written::contains)) {
                s.append(" && ids=$(").append(cli).append(" ps -q").append(label(ComposeFile.STACK_LABEL, stack.project()))
                        .append(label(SERVICE_LABEL, service.name())).append(") && { [ -z \"$ids\" ] || ").append(cli)
                        .append(" kill -s ").append(Shell.quote(service.signal().get())).append(" $ids >/dev/null; }");
            }
        }
        return s.toString();
    }

    /**
     * Stops the stack's containers that are not of their service's configuration (or of no service the stack still
     * has) and renames each to {@code ID_NAME}, as compose v1 does before it recreates one.
     */
    private static String setAside(Desired.Stack stack, String cli) {
        StringBuilder wanted = new StringBuilder(" ");
        stack.services().forEach(service -> wanted.append(service.name()).append('=').append(service.hash()).append(' '));
        return cli + " ps -a" + label(ComposeFile.STACK_LABEL, stack.project()) + " --format '{{.ID}} {{.Names}} {{index"
                + " .Labels \"" + SERVICE_LABEL + "\"}} {{index .Labels \"" + ComposeFile.CONFIG_LABEL + "\"}}' | while read"
                + " -r id name service hash; do case \"$name\" in \"$id\"_*) continue;; esac; case "
                + Shell.quote(wanted.toString()) + " in *\" $service=$hash \"*) ;; *) " + cli + " stop \"$id\" >/dev/null && "
                + cli + " rename \"$id\" \"${id}_$name\" || exit 1;; esac; done || exit 1; ";
    }

    /**
     * Brings down a stack that left the repository: with compose while its files are still there, then whatever of
     * the project is left (its containers, found by the project label, and its networks, which podman-compose's down
     * leaves) removed by the engine's CLI; volumes go only when it said {@code removeVolumes: true}.
     */
    static String down(String project, String directory, Optional<String> dockerHost, boolean removeVolumes,
            String engine, Optional<String> compose) {
        String cli = compose.filter(PODMAN_COMPOSE::equals).map(c -> "podman").orElse(engine);
        String dir = Shell.quote(directory);
        String label = label(PROJECT_LABEL, project);
        StringBuilder s = new StringBuilder(environment(dockerHost));
        compose.ifPresent(c -> s.append("if [ -f ").append(dir).append('/').append(Compose.FILE_NAME).append(" ] && [ -f ")
                .append(dir).append('/').append(Compose.OVERRIDE_NAME).append(" ]; then (cd ").append(dir).append(" && ")
                .append(composeCommand(c, project)).append(" down").append(c.equals(PODMAN_COMPOSE) ? "" : " --remove-orphans")
                .append(removeVolumes ? " --volumes" : "").append("); fi; "));
        s.append("ids=$(").append(cli).append(" ps -aq").append(label).append(") && { [ -z \"$ids\" ] || ").append(cli)
                .append(" rm -f").append(removeVolumes ? " -v" : "").append(" $ids >/dev/null; } && nets=$(").append(cli)
                .append(" network ls -q").append(label).append(") && { [ -z \"$nets\" ] || ").append(cli)
                .append(" network rm $nets >/dev/null; }");
        return s.toString();
    }

    private static String step(String name) {
        return "echo '" + STEP + name + "'; ";
    }

    private static String label(String name, String value) {
        return " --filter " + Shell.quote("label=" + name + "=" + value);
    }

    private static String composeCommand(String compose, String project) {
        return compose + " -p " + Shell.quote(project) + " -f " + Compose.FILE_NAME + " -f " + Compose.OVERRIDE_NAME;
    }

    private static String environment(Optional<String> dockerHost) {
        return dockerHost.map(h -> "export DOCKER_HOST=" + Shell.quote(h) + " CONTAINER_HOST=" + Shell.quote(h) + "; ")
                .orElse("");
    }
}
