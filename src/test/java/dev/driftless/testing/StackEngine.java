package dev.driftless.testing;

import dev.driftless.testing.Images.Image;
import dev.driftless.testing.Images.Spec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a test of stacks starts with: its own dockerd, a registry on 127.0.0.1 and one busybox image ({@code app:1})
 * pushed there, all under one folder; and a repository's app stack of two containers (web mounts web.conf, db) on
 * a host of this machine whose dockerHost is that engine.
 */
public final class StackEngine implements AutoCloseable {

    private final Path dir;
    private DockerEngine engine;
    private final Registry registry;
    private final Image image;

    private StackEngine(Path dir, DockerEngine engine, Registry registry, Image image) {
        this.dir = dir;
        this.engine = engine;
        this.registry = registry;
        this.image = image;
    }

    public static StackEngine start(Path dir) throws IOException, InterruptedException {
        DockerEngine engine = DockerEngine.start(dir.resolve("docker"));
        Registry registry;
        try {
            registry = Registry.start(dir.resolve("registry"));
        } catch (IOException | RuntimeException e) {
            engine.close();
            throw e;
        }
        try {
            return new StackEngine(dir, engine, registry, new Images(engine, registry, dir.resolve("images"))
                    .push("app", "1", Spec.busybox()));
        } catch (IOException | RuntimeException e) {
            engine.close();
            registry.close();
            throw e;
        }
    }

    public DockerEngine engine() {
        return engine;
    }

    public Registry registry() {
        return registry;
    }

    public Image image() {
        return image;
    }

    /**
     * Stops dockerd and starts a new one on the same socket, with none of the old one's containers or images (the
     * registry still has the image).
     */
    public DockerEngine replaceEngine() throws IOException, InterruptedException {
        engine.close();
        engine = DockerEngine.start(dir.resolve("docker"));
        return engine;
    }

    /** {@code docker run -d --network none --name NAME --label L... app:1} on the engine. */
    public void run(String name, String... labels) {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--network", "none", "--name", name));
        for (String label : labels) {
            args.add("--label");
            args.add(label);
        }
        args.add(image.reference());
        engine.docker(args.toArray(String[]::new)).orThrow();
    }

    /**
     * Writes driftless.yaml (host {@code host}, address local, dockerHost this engine) and service app: a stack in
     * {@code stack} of web (mounting web.conf, whose content is {@code config}) and db.
     */
    public void writeApp(TestRepo repo, String host, Path stack, String config) {
        repo.write("driftless.yaml", "hosts:\n  " + host + ":\n    address: local\n    dockerHost: unix://"
                + engine.socket() + "\n");
        repo.write("services/app/compose.yaml", """
                services:
                  web:
                    image: %s
                    volumes:
                      - ./web.conf:/etc/web.conf:ro
                  db:
                    image: %s
                """.formatted(image.reference(), image.reference()));
        repo.write("services/app/service.yaml", """
                hosts: [%s]
                compose:
                  source: compose.yaml
                  directory: %s
                files:
                  - path: %s/web.conf
                    content: "%s\\n"
                """.formatted(host, stack, stack, config));
    }

    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            registry.close();
        }
    }
}
