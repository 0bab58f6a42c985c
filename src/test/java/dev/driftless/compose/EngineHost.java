package dev.driftless.compose;

import dev.driftless.testing.Cli;
import dev.driftless.testing.DockerEngine;
import dev.driftless.testing.Images;
import dev.driftless.testing.StackEngine;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * This machine as a host of a test's repository (address: local, a name of its own, its state removed at the end),
 * with the container engine of a {@link StackEngine} as its {@code dockerHost} and its registry to push images to:
 * <pre>
 * try (EngineHost box = EngineHost.start(temp)) {
 *     Image web = box.images().push("web", "latest", Spec.busybox());
 *     box.repo().write("services/app/service.yaml", "hosts: [" + box.name() + "]\n...");
 *     box.driftless("apply");
 * }
 * </pre>
 */
final class EngineHost implements AutoCloseable {

    private final StackEngine engines;
    private final Images images;
    private final TestRepo repo;
    private final String name;

    private EngineHost(StackEngine engines, Images images, TestRepo repo, String name) {
        this.engines = engines;
        this.images = images;
        this.repo = repo;
        this.name = name;
    }

    /** Starts the engine and the registry under {@code temp}, with a repository whose driftless.yaml has the host. */
    static EngineHost start(Path temp) throws IOException, InterruptedException {
        StackEngine engines = StackEngine.start(temp);
        String name = "engine-host-" + UUID.randomUUID().toString().substring(0, 8);
        TestRepo repo = TestRepo.init(temp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  " + name + ":\n    address: local\n    dockerHost: unix://"
                + engines.engine().socket() + "\n");
        return new EngineHost(engines, new Images(engines.engine(), engines.registry(), temp.resolve("images")), repo,
                name);
    }

    DockerEngine engine() {
        return engines.engine();
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
            engines.close();
        } finally {
            Files.deleteIfExists(state());
        }
    }
}
