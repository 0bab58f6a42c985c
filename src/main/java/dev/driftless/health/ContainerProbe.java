package dev.driftless.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.host.CommandResult;
import dev.driftless.host.Host;
import dev.driftless.host.Shell;
import dev.driftless.model.HealthCheck;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One sample of a {@code container:} check: the containers of one compose service of a stack, read with one
 * {@code docker inspect} (or {@code podman inspect}) that the host runs, so that it works over SSH as it does
 * locally, against the engine the host names ({@code dockerHost}) or else the one its CLI finds. Podman runs no
 * healthcheck by itself where nothing schedules them, so under Podman the sample runs each container's healthcheck
 * once ({@code podman healthcheck run}) before it reads it.
 */
final class ContainerProbe {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NO_ENGINE = "@@no-engine";
    private static final String PS_FAILED = "@@ps-failed";

    private ContainerProbe() {
    }

    static Sample take(Host host, HealthCheck.Container check, Optional<String> dockerHost, Duration limit) {
        CommandResult result = host.run(script(check, dockerHost), Map.of("LC_ALL", "C"), limit);
        String output = result.output();
        if (result.timedOut()) {
            return Sample.failed("the container engine did not answer within " + (limit.toMillis() + 999) / 1000 + "s");
        }
        if (output.startsWith(NO_ENGINE)) {
            return Sample.failed(host.name() + " has neither docker nor podman");
        }
        if (!result.succeeded()) {
            String why = OneLine.last(output.replace(PS_FAILED, ""));
            return Sample.failed("the container engine failed (exit " + result.exitCode() + ")"
                    + (why.isEmpty() ? "" : ": " + why));
        }
        List<Seen> containers;
        try {
            containers = read(output);
        } catch (IOException e) {
            return Sample.failed("the container engine's answer cannot be read: " + OneLine.of(String.valueOf(
                    e.getMessage()), 80));
        }
        return judge(check, containers);
    }

    /** The shell command of one sample. */
    static String script(HealthCheck.Container check, Optional<String> dockerHost) {
        StringBuilder s = new StringBuilder();
        dockerHost.ifPresent(h -> s.append("export DOCKER_HOST=").append(Shell.quote(h)).append(" CONTAINER_HOST=")
                .append(Shell.quote(h)).append("; "));
        s.append("if command -v docker >/dev/null 2>&1; then E=docker; elif command -v podman >/dev/null 2>&1; then")
                .append(" E=podman; else echo ").append(NO_ENGINE).append("; exit 0; fi; ")
                // what the CLI warns of on stderr must not mix with the ids or the JSON; when it fails, its words
                .append("ids=$($E ps -aq --filter ").append(Shell.quote("label=dev.driftless.stack=" + check.project()))
                .append(" --filter ").append(Shell.quote("label=com.docker.compose.service=" + check.service()))
                .append(" 2>/dev/null) || { echo ").append(PS_FAILED).append("; $E ps -q 2>&1 | head -n 3; exit 1; }; ")
                .append("if [ -z \"$ids\" ]; then echo '[]'; exit 0; fi; ")
                .append("if [ $E = podman ]; then for id in $ids; do podman healthcheck run $id >/dev/null 2>&1;")
                .append(" done; fi; ")
                .append("$E inspect $ids 2>/dev/null || { echo; echo 'a container went away while it was read'; exit 1; }");
        return s.toString();
    }

    /** A container as one sample saw it. */
    private record Seen(String id, String name, String status, int exitCode, String startedAt, String health,
            String healthOutput) {

        boolean passes() {
            return status.equals("running") && (health.isEmpty() || health.equals("healthy"));
        }

        String describe() {
            if (!status.equals("running")) {
                return name + " is " + status + (status.equals("exited") ? " (exit " + exitCode + ")" : "");
            }
            if (health.isEmpty() || health.equals("healthy")) {
                return name + (health.isEmpty() ? " running" : " healthy");
            }
            return name + " is " + health + (healthOutput.isEmpty() ? "" : ": " + healthOutput);
        }
    }

    private static List<Seen> read(String output) throws IOException {
        List<Seen> containers = new ArrayList<>();
        for (JsonNode c : JSON.readTree(output)) {
            JsonNode state = c.path("State");
            // Docker's key, then Podman 4's
            JsonNode health = state.has("Health") ? state.path("Health") : state.path("Healthcheck");
            JsonNode log = health.path("Log");
            String last = log.isArray() && !log.isEmpty() ? OneLine.last(log.get(log.size() - 1).path("Output")
                    .asText("")) : "";
            containers.add(new Seen(c.path("Id").asText(), c.path("Name").asText().replaceFirst("^/", ""),
                    state.path("Status").asText("unknown"), state.path("ExitCode").asInt(),
                    state.path("StartedAt").asText(""), health.path("Status").asText(""), last));
        }
        return containers;
    }

    private static Sample judge(HealthCheck.Container check, List<Seen> containers) {
        if (containers.isEmpty()) {
            return Sample.failed("no container of compose service " + check.service() + " (stack " + check.project()
                    + ")");
        }
        List<String> failing = containers.stream().filter(c -> !c.passes()).map(Seen::describe).toList();
        if (!failing.isEmpty()) {
            return Sample.failed(String.join("; ", failing));
        }
        // the same containers, started at the same time: one that restarted between two samples is another run
        String run = String.join(" ", containers.stream().map(c -> c.id() + "@" + c.startedAt()).sorted().toList());
        return Sample.passed(String.join(", ", containers.stream().map(Seen::describe).toList()), run);
    }
}
