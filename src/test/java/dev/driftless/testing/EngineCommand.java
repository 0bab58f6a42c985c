package dev.driftless.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a container CLI (docker, docker-compose, podman, podman-compose) against a test's own engine: in a
 * given folder, with the engine's environment, and without the variables of whoever runs the tests that
 * would point it elsewhere (a DOCKER_CONTEXT, a COMPOSE_PROJECT_NAME).
 */
final class EngineCommand {

    static final Duration TIMEOUT = Duration.ofMinutes(2);
    static final String DOCKER_COMPOSE = "/usr/bin/docker-compose";
    private static final List<String> FOREIGN = List.of("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG",
            "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES",
            "CONTAINER_HOST", "CONTAINER_CONNECTION", "CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF",
            "CONTAINERS_REGISTRIES_CONF");

    private EngineCommand() {
    }

    /** Runs {@code program} with {@code args} in {@code dir} (null: wherever) with {@code environment}. */
    static Command.Result run(Map<String, String> environment, Path dir, String program, String... args) {
        List<String> command = new ArrayList<>(List.of(program));
        command.addAll(List.of(args));
        return run(environment, dir, command);
    }

    /** Runs {@code command} in {@code dir} (null: wherever) with {@code environment} added to the JVM's, less FOREIGN. */
    static Command.Result run(Map<String, String> environment, Path dir, List<String> command) {
        // env(1) rather than a ProcessBuilder of our own: Command keeps its deadline and its output file
        List<String> argv = new ArrayList<>(List.of("env"));
        if (dir != null) {
            argv.add("--chdir=" + dir);
        }
        FOREIGN.forEach(name -> argv.add("--unset=" + name));
        environment.forEach((name, value) -> argv.add(name + "=" + value));
        argv.addAll(command);
        return Command.run(TIMEOUT, argv);
    }
}
