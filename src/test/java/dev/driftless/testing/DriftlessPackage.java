package dev.driftless.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Driftless as a {@link SystemdMachine} gets it: the package named by {@code DRIFTLESS_DEB} (what scripts/package.sh
 * built), or else a minimal .deb made here with dpkg-deb that holds the package's contract (/usr/bin/driftless, the
 * agent's unit, /etc/driftless) and whose launcher runs this build's classes with this JVM, both bind-mounted
 * read-only into the machine ({@link #binds}).
 */
public final class DriftlessPackage {

    /** Where this JVM and the classpath appear inside the machine. */
    private static final String INSIDE = "/opt/driftless-test";
    private static final String UNIT = """
            [Unit]
            Description=Driftless agent (the tests' minimal package)
            ConditionPathExists=/etc/driftless/agent.yaml

            [Service]
            Type=exec
            ExecStart=/usr/bin/driftless agent --config /etc/driftless/agent.yaml
            Restart=on-failure
            StateDirectory=driftless

            [Install]
            WantedBy=multi-user.target
            """;

    private final Map<Path, String> binds = new LinkedHashMap<>();
    private final List<String> classpath = new ArrayList<>();

    private DriftlessPackage() {
        binds.put(Path.of(System.getProperty("java.home")), INSIDE + "/jdk");
        // Debian's JDK links its configuration (jvm.cfg, java.security) to there
        Path config = Path.of("/etc/java-17-openjdk");
        if (Files.isDirectory(config)) {
            binds.put(config, config.toString());
        }
        Path repository = Path.of(System.getProperty("user.home"), ".m2", "repository");
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry).toAbsolutePath();
            if (path.startsWith(repository)) {
                binds.putIfAbsent(repository, INSIDE + "/m2");
                classpath.add(INSIDE + "/m2/" + repository.relativize(path));
            } else if (Files.exists(path)) {
                String inside = binds.computeIfAbsent(path, p -> INSIDE + "/cp/" + binds.size());
                classpath.add(inside);
            }
        }
    }

    /** The build's Driftless, for machines booted with {@link #binds}. */
    public static DriftlessPackage ofThisBuild() {
        return new DriftlessPackage();
    }

    /** What a machine must be booted with for {@link #command} and the minimal package to run. */
    public Map<Path, String> binds() {
        return Map.copyOf(binds);
    }

    /** The command line that runs this build's Driftless inside such a machine, without any package. */
    public List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(INSIDE + "/jdk/bin/java", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-cp", String.join(":", classpath), "dev.driftless.cli.Main"));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * The package to install: $DRIFTLESS_DEB when set (switching the tests to the real package is that variable),
     * else the minimal one, built in {@code dir}.
     */
    public Path deb(Path dir) throws IOException {
        String real = System.getenv("DRIFTLESS_DEB");
        return real != null && !real.isBlank() ? Path.of(real) : minimalDeb(dir);
    }

    /**
     * A minimal tarball as scripts/package.sh makes one, the same files in a folder of their own with an install.sh
     * that puts them in place, built in {@code dir}.
     */
    public Path tarball(Path dir) throws IOException {
        Path tree = Files.createDirectories(dir.resolve("driftless-tarball/driftless-0.0.0-test"));
        files(tree);
        Path install = Files.writeString(tree.resolve("install.sh"), """
                #!/bin/sh
                set -e
                here=$(cd "$(dirname "$0")" && pwd)
                install -D -m 0755 "$here/usr/bin/driftless" /usr/bin/driftless
                install -D -m 0644 "$here/lib/systemd/system/driftless-agent.service" \\
                    /lib/systemd/system/driftless-agent.service
                install -d -m 0755 /etc/driftless /var/lib/driftless
                systemctl daemon-reload
                echo "install.sh: installed"
                """);
        Files.setPosixFilePermissions(install, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tarball = dir.resolve("driftless-0.0.0-test-linux-x64.tar.gz");
        Command.run(Duration.ofMinutes(1), "tar", "-C", tree.getParent().toString(), "--owner=0", "--group=0",
                "-czf", tarball.toString(), tree.getFileName().toString()).orThrow();
        return tarball;
    }

    /** The package's contract: the launcher, the agent's unit, /etc/driftless. */
    private void files(Path tree) throws IOException {
        StringBuilder launcher = new StringBuilder("#!/bin/sh\nexec");
        command().forEach(word -> launcher.append(" '").append(word).append('\''));
        launcher.append(" \"$@\"\n");
        Path bin = Files.writeString(Files.createDirectories(tree.resolve("usr/bin")).resolve("driftless"), launcher);
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(Files.createDirectories(tree.resolve("lib/systemd/system")).resolve("driftless-agent.service"),
                UNIT);
        Files.createDirectories(tree.resolve("etc/driftless"));
    }

    private Path minimalDeb(Path dir) throws IOException {
        Path tree = Files.createDirectories(dir.resolve("driftless-deb"));
        files(tree);
        Files.writeString(Files.createDirectories(tree.resolve("DEBIAN")).resolve("control"), """
                Package: driftless
                Version: 0.0.0~test
                Architecture: amd64
                Maintainer: Driftless tests <tests@driftless.invalid>
                Description: Driftless for tests
                 Runs the build's classes with a JDK bind-mounted into the machine.
                """);
        Path deb = dir.resolve("driftless_0.0.0~test_amd64.deb");
        Command.run(Duration.ofMinutes(1), "dpkg-deb", "--root-owner-group", "-Zgzip", "--build", tree.toString(),
                deb.toString()).orThrow();
        return deb;
    }
}
