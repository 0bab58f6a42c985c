package dev.driftless.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.host.Shell;
import java.io.IOException;
import java.util.Optional;

/**
 * The container engine's event stream, as far as it concerns Driftless's stacks: the command that follows it on a
 * host (the engine CLI found as {@link EngineState#script} finds it) and the reading of its lines. Only the events
 * that can leave a stack's container not running are asked for: die, stop, kill and destroy (Podman: died, stop,
 * kill, remove).
 */
public final class EngineEvents {

    /** The line the command prints once the engine answered, just before it follows the events. */
    public static final String FOLLOWING = "@@following";

    private static final ObjectMapper JSON = new ObjectMapper();

    private EngineEvents() {
    }

    /** One event of a stack's container: {@code action} as the engine names it ("die", "died", "kill", ...). */
    public record ContainerEvent(String stack, String container, String action) {

        /** "container app_web_1 of stack app: die". */
        public String describe() {
            return "container " + container + " of stack " + stack + ": " + action;
        }
    }

    /**
     * The shell command that follows the events until it is ended; {@code dockerHost} is the engine's address when
     * the host names one. It prints {@link #FOLLOWING} once the engine answered, then one JSON object a line; it ends
     * when the engine goes away (with the CLI's message) and exits 127 when the host has neither docker nor podman.
     */
    public static String script(Optional<String> dockerHost) {
        StringBuilder s = new StringBuilder();
        dockerHost.ifPresent(h -> s.append("export DOCKER_HOST=").append(Shell.quote(h))
                .append(" CONTAINER_HOST=").append(Shell.quote(h)).append("; "));
        // Podman 4.3 matches label=KEY only with a value: its events are told apart by their attributes instead
        s.append("if command -v docker >/dev/null 2>&1; then docker version >/dev/null || exit; echo ")
                .append(FOLLOWING).append("; exec docker events --filter type=container --filter label=")
                .append(ComposeFile.STACK_LABEL).append(" --filter event=die --filter event=stop --filter event=kill")
                .append(" --filter event=destroy --format '{{json .}}'; ")
                .append("elif command -v podman >/dev/null 2>&1; then podman version >/dev/null || exit; echo ")
                .append(FOLLOWING).append("; exec podman events --filter type=container --filter event=died")
                .append(" --filter event=stop --filter event=kill --filter event=remove --format '{{json .}}'; ")
                .append("else echo 'neither docker nor podman is on the PATH of this host'; exit 127; fi");
        return s.toString();
    }

    /**
     * The event a line of {@link #script}'s output tells of; empty for any other line (the engine's messages) and for
     * containers of no stack.
     */
    public static Optional<ContainerEvent> parse(String line) {
        if (!line.startsWith("{")) {
            return Optional.empty();
        }
        JsonNode event;
        try {
            event = JSON.readTree(line);
        } catch (IOException e) {
            return Optional.empty();
        }
        // Docker: Action and Actor.Attributes (name among them); Podman: Status, Name and Attributes
        JsonNode attributes = event.has("Actor") ? event.path("Actor").path("Attributes") : event.path("Attributes");
        String stack = attributes.path(ComposeFile.STACK_LABEL).asText("");
        if (stack.isEmpty() || !event.path("Type").asText("container").equals("container")) {
            return Optional.empty();
        }
        String name = attributes.path("name").asText(event.path("Name").asText(""));
        String action = event.path(event.has("Action") ? "Action" : "Status").asText("");
        return Optional.of(new ContainerEvent(stack, name, action));
    }
}
