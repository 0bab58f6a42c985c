package dev.driftless.system;

import dev.driftless.testing.AptRepo;
import dev.driftless.testing.AptRepo.Deb;
import dev.driftless.testing.Cli;
import dev.driftless.testing.Command;
import dev.driftless.testing.DebianRoot;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The package tests' host: lab, the one local host of a test repository, placed by --root in a Debian root of its
 * own whose apt knows the demo packages (its lists are current, as on a host that ran apt-get update) and whose
 * apt-get writes each invocation to a log, so that a test can count the commands Driftless ran there.
 */
final class PackageLab implements AutoCloseable {

    /** Where the counting apt-get writes its arguments, one invocation a line, inside the root. */
    private static final String CALLS = "/var/log/apt-get.calls";

    private static AptRepo demo;

    private final DebianRoot root;
    private final TestRepo repo;

    private PackageLab(DebianRoot root, TestRepo repo) {
        this.root = root;
        this.repo = repo;
    }

    /** A fresh root, and a repository in {@code repoDir} with lab and no service yet. */
    static PackageLab open(Path repoDir) throws IOException {
        DebianRoot root = debianHost();
        TestRepo repo = TestRepo.init(repoDir);
        repo.write("driftless.yaml", "hosts:\n  lab:\n    address: local\n");
        return new PackageLab(root, repo);
    }

    /**
     * demo-app 1.0 and 1.1 (1.1 needs demo-lib), demo-lib 1.0, demo-tool 1.0, and demo-daemon 1.0, whose postinst
     * starts a daemon as an init script would. Built once for all the package tests of a JVM: dpkg-deb is not quick.
     */
    static synchronized AptRepo demoPackages() throws IOException {
        if (demo == null) {
            Path dir = Files.createTempDirectory("driftless-demo-packages");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> Command.run(Duration.ofSeconds(30), "rm", "-rf",
                    dir.toString())));
            demo = AptRepo.create(dir)
                    .add(Deb.of("demo-lib", "1.0").file("/usr/share/demo-lib/version", "1.0\n"))
                    .add(Deb.of("demo-app", "1.0").script("/usr/bin/demo-app", "#!/bin/sh\necho demo 1.0\n"))
                    .add(Deb.of("demo-app", "1.1").depends("demo-lib (>= 1.0)")
                            .script("/usr/bin/demo-app", "#!/bin/sh\necho demo 1.1\n"))
                    .add(Deb.of("demo-tool", "1.0").script("/usr/bin/demo-tool", "#!/bin/sh\necho tool\n"))
                    // start-stop-daemon needs /proc, and the daemon it starts runs on and on
                    .add(Deb.of("demo-daemon", "1.0").script("/usr/bin/demo-daemon", "#!/bin/sh\nexec sleep 86400\n")
                            .postinst("#!/bin/sh\nset -e\n"
                                    + "start-stop-daemon --start --background --exec /usr/bin/demo-daemon\n"));
        }
        return demo;
    }

    /** A fresh root with the demo packages as its only apt source, its lists read, and apt-get counted. */
    static DebianRoot debianHost() throws IOException {
        AptRepo packages = demoPackages();
        DebianRoot root = DebianRoot.create();
        try {
            packages.publishTo(root.dir());
            root.chroot("apt-get", "update").orThrow();
            Path aptGet = root.path("/usr/bin/apt-get");
            Files.move(aptGet, root.path("/usr/bin/apt-get.real"));
            Files.writeString(aptGet, "#!/bin/sh\necho \"$*\" >> " + CALLS + "\nexec /usr/bin/apt-get.real \"$@\"\n");
            Files.setPosixFilePermissions(aptGet, PosixFilePermissions.fromString("rwxr-xr-x"));
            return root;
        } catch (IOException | RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /** The version dpkg has installed in {@code root}, or empty when it has none (removed, purged, never there). */
    static Optional<String> installed(DebianRoot root, String name) {
        Command.Result query = root.chroot("dpkg-query", "-W", "-f=${db:Status-Abbrev}${Version}", "--", name);
        String line = query.output();
        // "ii 1.1": the second letter is the package's status, 'i' for installed (the first is what is wanted of it)
        return query.exitCode() == 0 && line.length() > 3 && line.charAt(1) == 'i' ? Optional.of(line.substring(3))
                : Optional.empty();
    }

    /** Makes {@code serviceYaml} the service.yaml of service app, and commits it. */
    PackageLab app(String serviceYaml) {
        repo.write("services/app/service.yaml", serviceYaml).commit("app");
        return this;
    }

    TestRepo repo() {
        return repo;
    }

    DebianRoot root() {
        return root;
    }

    /** driftless COMMAND on the repository, lab placed in the root by --root. */
    Cli.Result run(String command, String... more) {
        return Cli.on(command, repo.dir(), root.dir(), more);
    }

    Optional<String> installed(String name) {
        return installed(root, name);
    }

    /** The apt-get commands run in the root since it was made: the subcommand and what follows it. */
    List<String> aptGetCalls() throws IOException {
        Path log = root.path(CALLS);
        List<String> calls = new ArrayList<>();
        if (Files.exists(log)) {
            for (String line : Files.readAllLines(log)) {
                // Driftless's options first (-q -y -o ...), then the subcommand: keep from the subcommand on
                int at = line.indexOf(" update");
                at = at >= 0 ? at : Math.max(line.indexOf(" install "), line.indexOf(" remove "));
                calls.add(at >= 0 ? line.substring(at + 1) : line);
            }
        }
        return calls;
    }

    /** The entries of the root's /var/log/apt/history.log, one a command that changed packages. */
    List<String> aptHistory() throws IOException {
        Path log = root.path("/var/log/apt/history.log");
        return Files.exists(log) ? List.of(Files.readString(log).strip().split("\n\n")) : List.of();
    }

    /** The processes of this machine whose root directory is the root: what runs inside it. */
    List<String> processes() throws IOException {
        List<String> inside = new ArrayList<>();
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().matches("[0-9]+")).toList()) {
                try {
                    if (Files.readSymbolicLink(process.resolve("root")).equals(root.dir())) {
                        inside.add(process.getFileName() + " " + Files.readString(process.resolve("cmdline"))
                                .replace('\0', ' ').strip());
                    }
                } catch (IOException e) {
                    // ended meanwhile
                }
            }
        }
        return inside;
    }

    @Override
    public void close() {
        repo.close();
        root.close();
    }
}
