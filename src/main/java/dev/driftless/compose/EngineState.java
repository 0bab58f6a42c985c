package dev.driftless.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.host.Shell;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a host's container engine runs of Driftless's stacks, read in the plan's one round trip: which engine CLI
 * and which compose the host has (as their own CLIs find them), and every container labelled with a stack, from
 * {@code docker inspect} (or {@code podman inspect}), whose JSON is the engine API's own. Reading runs no compose
 * command: a no-op plan or drift check never starts compose.
 *
 * @param cli {@code docker} or {@code podman}, or empty when the host has neither
 * @param composes the compose commands the host has, in the order Driftless prefers them
 * @param error why the engine could not be read (not running, no permission), or empty
 */
public record EngineState(Optional<String> cli, List<String> composes, Optional<String> error,
        List<Container> containers) {

    /** Nothing asked, nothing read. */
    public static final EngineState NOTHING = new EngineState(Optional.empty(), List.of(), Optional.empty(), List.of());

    private static final String BEGIN = "@@containers";
    private static final String END = "@@containers-end";

    public EngineState {
        composes = List.copyOf(composes);
        containers = List.copyOf(containers);
    }

    /** One container of a stack, as the engine reports it. */
    public record Container(String id, String name, String stack, String service, String configHash, String status,
            Optional<String> health, String imageId, String image) {

        public boolean running() {
            return status.equals("running");
        }

        /** "running", "running, unhealthy", "exited", ... */
        public String describe() {
            return status + health.filter(h -> !h.equals("healthy")).map(h -> ", " + h).orElse("");
        }
    }

    /** The containers of one stack's compose service. */
    public List<Container> of(String stack, String service) {
        return containers.stream().filter(c -> c.stack().equals(stack) && c.service().equals(service)).toList();
    }

    /** The containers of one stack. */
    public List<Container> of(String stack) {
        return containers.stream().filter(c -> c.stack().equals(stack)).toList();
    }

    /** The compose command Driftless runs on this host, if it has one. */
    public Optional<String> compose() {
        return composes.stream().findFirst();
    }

    /**
     * The shell command that reads it; {@code dockerHost} is the engine's address when the host names one (else its
     * CLI finds it, from DOCKER_HOST or its default socket).
     */
    public static String script(Optional<String> dockerHost) {
        StringBuilder s = new StringBuilder();
        dockerHost.ifPresent(h -> s.append("export DOCKER_HOST=").append(Shell.quote(h))
                .append(" CONTAINER_HOST=").append(Shell.quote(h)).append("; "));
        s.append("if command -v docker >/dev/null 2>&1; then E=docker; elif command -v podman >/dev/null 2>&1; then")
                .append(" E=podman; else E=; fi; echo \"@@engine $E\"; ")
                // docker compose v2 is a CLI plugin: found by its file, without starting it
                .append("for d in \"$HOME/.docker/cli-plugins\" /usr/local/lib/docker/cli-plugins")
                .append(" /usr/local/libexec/docker/cli-plugins /usr/lib/docker/cli-plugins")
                .append(" /usr/libexec/docker/cli-plugins; do if [ -x \"$d/docker-compose\" ]; then")
                .append(" echo '@@compose docker compose'; break; fi; done; ")
                .append("command -v docker-compose >/dev/null 2>&1 && echo '@@compose docker-compose'; ")
                .append("command -v podman-compose >/dev/null 2>&1 && echo '@@compose podman-compose'; ")
                // warnings on stderr must not mix with the ids or the JSON; a container removed between the two
                // commands is left out of inspect's array (its complaint goes to stderr)
                .append("if [ -n \"$E\" ]; then if ids=$($E ps -aq --filter label=").append(ComposeFile.STACK_LABEL)
                .append(" 2>/dev/null); then echo '").append(BEGIN).append("'; if [ -n \"$ids\" ]; then")
                .append(" $E inspect $ids 2>/dev/null; else echo '[]'; fi; echo; echo '").append(END).append("'; else")
                .append(" echo \"@@engine-error $($E ps -q 2>&1 | head -n 3 | tr '\\n' ' ')\"; fi; fi; ");
        return s.toString();
    }

    /** Reads what {@link #script} printed (among other lines). */
    public static EngineState parse(String output) {
        Optional<String> cli = Optional.empty();
        List<String> composes = new ArrayList<>();
        StringBuilder error = new StringBuilder();
        StringBuilder json = null;
        String inspected = null;
        for (String line : output.split("\n", -1)) {
            if (json != null) {
                if (line.equals(END)) {
                    inspected = json.toString();
                    json = null;
                } else {
                    json.append(line).append('\n');
                }
            } else if (line.startsWith("@@engine-error")) {
                error.append(error.length() == 0 ? "" : " ").append(line.substring(14).strip());
            } else if (line.startsWith("@@engine ")) {
                cli = Optional.of(line.substring(9).strip()).filter(s -> !s.isEmpty());
            } else if (line.startsWith("@@compose ")) {
                composes.add(line.substring(10).strip());
            } else if (line.equals(BEGIN)) {
                json = new StringBuilder();
            }
        }
        List<Container> containers = new ArrayList<>();
        if (inspected != null && !inspected.isBlank()) {
            try {
                for (JsonNode c : Json.MAPPER.readTree(inspected)) {
                    containers.add(container(c));
                }
            } catch (IOException e) {
                error.append("the engine's inspect output cannot be read: ").append(e.getMessage().lines().findFirst()
                        .orElse(""));
            }
        } else if (cli.isPresent() && error.length() == 0) {
            error.append("the engine's answer was cut short");
        }
        return new EngineState(cli, composes, error.length() == 0 ? Optional.empty() : Optional.of(error.toString()),
                containers);
    }

    private static Container container(JsonNode c) {
        JsonNode labels = c.path("Config").path("Labels");
        JsonNode state = c.path("State");
        JsonNode health = state.has("Health") ? state.path("Health") : state.path("Healthcheck");
        String status = health.path("Status").asText("");
        return new Container(c.path("Id").asText(), c.path("Name").asText().replaceFirst("^/", ""),
                labels.path(ComposeFile.STACK_LABEL).asText(""), labels.path("com.docker.compose.service").asText(""),
                labels.path(ComposeFile.CONFIG_LABEL).asText(""), state.path("Status").asText("unknown"),
                status.isEmpty() ? Optional.empty() : Optional.of(status), imageId(c.path("Image").asText("")),
                c.path("Config").path("Image").asText(""));
    }

    /** Docker's "sha256:HEX"; Podman's inspect gives the bare HEX of the same ID. */
    static String imageId(String id) {
        return id.matches("[0-9a-f]{64}") ? "sha256:" + id : id;
    }

    /**
     * Made when first read: a plan of files only never parses the engine's JSON, and an ObjectMapper's start-up (its
     * date formats, type factory and defaults) is a few tens of milliseconds on the path of every SSH apply that
     * names this class for {@link #NOTHING}.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
