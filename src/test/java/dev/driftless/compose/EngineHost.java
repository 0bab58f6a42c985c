package dev.driftless.compose;

import dev.driftless.testing.Cli;
import dev.driftless.testing.DockerEngine;
import dev.driftless.testing.Images;
import dev.driftless.testing.Registry;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * This machine as a host of a test's repository (address: local, a name of its own, its state removed at the end),
 * with a container engine of the test's own as its {@code dockerHost} and a registry on 127.0.0.1 to push images to:
 * <pre>
 * try (EngineHost box = EngineHost.start(temp)) {
 *     Image web = box.images().push("web", "latest", Spec.busybox());
 *     box.repo().write("services/app/service.yaml", "hosts: [" + box.name() + "]\n...");
 *     box.driftless("apply");
 * }
 * </pre>
 */
final class EngineHost implements AutoCloseable {

    private final DockerEngine engine;
    private final Registry registry;
    private final Images images;
    private final TestRepo repo;
    private final String name;

    private EngineHost(DockerEngine engine, Registry registry, Images images, TestRepo repo, String name) {
        this.engine = engine;
        this.registry = registry;
        this.images = images;
        this.repo = repo;
        this.name = name;
    }

    /** Starts the engine and the registry under {@code temp}, with a repository whose driftless.yaml has the host. */
    static EngineHost start(Path temp) throws IOException, InterruptedException {
        DockerEngine engine = DockerEngine.start(temp.resolve("docker"));
        Registry registry;
        try {
            registry = Registry.start(temp.resolve("registry"));
        } catch (IOException | InterruptedException | RuntimeException e) {
            engine.close();
            throw e;
        }
        String name = "engine-host-" + UUID.randomUUID().toString().substring(0, 8);
        TestRepo repo = TestRepo.init(temp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  " + name + ":\n    address: local\n    dockerHost: unix://"
                + engine.socket() + "\n");
        return new EngineHost(engine, registry, new Images(engine, registry, temp.resolve("images")), repo, name);
    }

    DockerEngine engine() {
        return engine;
    }

    Images images() {
        return images;
    }

    TestRepo repo() {
        return repo;
    }

    /** The host's name in driftless.yaml. */
    String name() {
        return name;
    }

    /** The host's state file. */
    Path state() {
        return Path.of("/var/lib/driftless/state/" + name + ".json");
    }

    /** Runs the real command line on the repository. */
    Cli.Result driftless(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--repo", repo.dir().toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    @Override
    public void close() throws IOException {
        try {
            engine.close();
            registry.close();
        } finally {
            Files.deleteIfExists(state());
        }
    }
}
