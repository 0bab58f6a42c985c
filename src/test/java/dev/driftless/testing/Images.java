package dev.driftless.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Tiny real images for container tests, made without any registry of the Internet: a root file system of
 * Debian's static busybox (plus files of the test's choosing) imported into a {@link DockerEngine}, tagged
 * and pushed to a {@link Registry}. Pushing another {@link Spec} under the same tag moves the tag, so digests
 * and a moving {@code :latest} are real:
 * <pre>
 * Images images = new Images(engine, registry, temp.resolve("images"));
 * Image v1 = images.push("app", "latest", Spec.busybox());
 * Image v2 = images.push("app", "latest", Spec.busybox().withFile("/etc/release", "2\n"));  // :latest moved
 * </pre>
 * Every image runs a shell that waits and ends at once on SIGTERM, so stopping one takes milliseconds, not
 * the ten seconds a PID 1 that ignores the signal costs.
 */
public final class Images {

    /** The image's command: a shell as PID 1 ignores SIGTERM unless it traps it. */
    public static final String COMMAND = "[\"sh\",\"-c\",\"trap 'exit 0' TERM; sleep 3600 & wait\"]";
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    /** What goes into an image besides busybox: files (absolute path to content) and a healthcheck command. */
    public record Spec(Map<String, String> files, String healthcheck) {

        public Spec {
            files = Map.copyOf(files);
        }

        /** Busybox alone, no healthcheck. */
        public static Spec busybox() {
            return new Spec(Map.of(), null);
        }

        /** This spec with one more file; a different file makes a different image (layer, digest). */
        public Spec withFile(String path, String content) {
            if (!path.startsWith("/") || path.contains("..")) {
                throw new IllegalArgumentException("an image file needs an absolute path without '..': " + path);
            }
            Map<String, String> more = new LinkedHashMap<>(files);
            more.put(path, content);
            return new Spec(more, healthcheck);
        }

        /** This spec with a HEALTHCHECK running {@code shellCommand} every second; one failure makes it unhealthy. */
        public Spec withHealthcheck(String shellCommand) {
            return new Spec(files, shellCommand);
        }

        /** This spec with the healthcheck a {@link HealthSwitch} turns: healthy while the switch is on. */
        public Spec withSwitchedHealth() {
            return withHealthcheck(HealthSwitch.CHECK);
        }
    }

    /** An image as pushed: {@code 127.0.0.1:PORT/name}, its tag, the registry's manifest digest, the engine's image ID. */
    public record Image(String repository, String tag, String digest, String id) {

        /** By tag, e.g. {@code 127.0.0.1:5000/app:latest}: follows the tag when it moves. */
        public String reference() {
            return repository + ":" + tag;
        }

        /** By digest, e.g. {@code 127.0.0.1:5000/app@sha256:…}: this image whatever the tag does. */
        public String pinned() {
            return repository + "@" + digest;
        }
    }

    /**
     * Makes a container's health pass or fail on demand: a host folder mounted at {@value #MOUNT_POINT}, where
     * the image's healthcheck looks for a file. Pass {@link #volume()} to {@code docker run -v} or compose's
     * {@code volumes:}.
     */
    public record HealthSwitch(Path dir) {

        public static final String MOUNT_POINT = "/health";
        static final String CHECK = "test -e " + MOUNT_POINT + "/ok";

        /** A switch in {@code dir}, off: the container turns unhealthy at its first check. */
        public static HealthSwitch in(Path dir) throws IOException {
            Files.createDirectories(dir);
            return new HealthSwitch(dir);
        }

        public void pass() throws IOException {
            Files.writeString(dir.resolve("ok"), "");
        }

        public void fail() throws IOException {
            Files.deleteIfExists(dir.resolve("ok"));
        }

        /** {@code HOST_DIR:/health}, for a bind mount. */
        public String volume() {
            return dir + ":" + MOUNT_POINT;
        }
    }

    private final DockerEngine engine;
    private final Registry registry;
    private final Path workDir;

    public Images(DockerEngine engine, Registry registry, Path workDir) {
        this.engine = engine;
        this.registry = registry;
        this.workDir = workDir;
    }

    /** Builds {@code spec}, imports it as {@code REGISTRY/name:tag}, pushes it and returns it with its digest. */
    public Image push(String name, String tag, Spec spec) throws IOException {
        Path dir = Files.createTempDirectory(Files.createDirectories(workDir), name.replace('/', '-'));
        Path tar = build(dir, spec);
        String repository = registry.address() + "/" + name;
        String reference = repository + ":" + tag;
        if (spec.healthcheck() == null) {
            engine.docker("import", "--change", "CMD " + COMMAND, tar.toString(), reference).orThrow();
        } else {
            engine.docker("import", "--change", "CMD " + COMMAND, "--change",
                    "HEALTHCHECK --interval=1s --timeout=1s --retries=1 CMD " + spec.healthcheck(), tar.toString(), reference)
                    .orThrow();
        }
        engine.docker("push", reference).orThrow();
        // the root's links point out of the folder: JUnit would warn about each of them
        Command.run(EngineCommand.TIMEOUT, "rm", "-rf", dir.toString()).orThrow();
        String id = engine.docker("image", "inspect", "--format", "{{.Id}}", reference).orThrow().output().strip();
        return new Image(repository, tag, registry.manifestDigest(name, tag), id);
    }

    /** The image's layer: busybox with its applets linked, plus the spec's files, as a reproducible tar. */
    private Path build(Path dir, Spec spec) throws IOException {
        Assumptions.assumeTrue(Command.run(EngineCommand.TIMEOUT, "dpkg-query", "-W", "-f", "${Status}", "busybox-static")
                .output().endsWith("ok installed"), "the images need a static /bin/busybox: scripts/test.sh installs busybox-static");
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.copy(BUSYBOX, Files.createDirectories(root.resolve("bin")).resolve("busybox"));
        // what `busybox --install -s` does inside a chroot, without one: a link per applet, where busybox wants it
        for (String applet : Command.run(EngineCommand.TIMEOUT, BUSYBOX.toString(), "--list-full").orThrow().output().lines().toList()) {
            Path link = root.resolve(applet);
            if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(link.getParent());
                Files.createSymbolicLink(link, Path.of("/bin/busybox"));
            }
        }
        Files.createDirectories(root.resolve("tmp"));
        for (Map.Entry<String, String> file : spec.files().entrySet()) {
            Path target = root.resolve(file.getKey().substring(1));
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getValue());
        }
        Path tar = dir.resolve("layer.tar");
        // the same files give the same layer digest: fixed order, owners and times
        Command.run(EngineCommand.TIMEOUT, "tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner",
                "--mtime=@0", "-C", root.toString(), "-cf", tar.toString(), ".").orThrow();
        return tar;
    }
}
