package dev.driftless.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A test's own writable Debian 12 root folder, for dpkg and apt tests without booting: an overlay over the
 * tree that {@code scripts/debian-tree.sh} builds and caches (a copy where overlayfs is not allowed), removed
 * on close. A test that finds no tree, or does not run as root, is skipped saying why.
 */
public final class DebianRoot implements AutoCloseable {

    /** The environment programs get inside the root: nothing of the test JVM's. */
    static final List<String> ENVIRONMENT = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME=/root", "LANG=C.UTF-8", "TERM=dumb", "DEBIAN_FRONTEND=noninteractive");
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);

    private final Path work;
    private final Path dir;
    private final boolean mounted;
    private final Thread unmountAtExit;

    private DebianRoot(Path work, Path dir, boolean mounted) {
        this.work = work;
        this.dir = dir;
        this.mounted = mounted;
        // a JVM that ends without closing (a test run stopped half-way) must not leave the mount behind
        this.unmountAtExit = new Thread(() -> Command.run(Duration.ofSeconds(10), "umount", "-l", dir.toString()),
                "unmount-" + dir);
        if (mounted) {
            Runtime.getRuntime().addShutdownHook(unmountAtExit);
        }
    }

    /** A fresh root: writes go to this root only, never to the cached tree nor to another test's root. */
    public static DebianRoot create() throws IOException {
        Path tree = Tree.require();
        Path work = Files.createTempDirectory("driftless-debian-root");
        Path dir = Files.createDirectories(work.resolve("root"));
        Path upper = Files.createDirectories(work.resolve("upper"));
        Path scratch = Files.createDirectories(work.resolve("work"));
        // overlayfs splits its options on ',' and ':'; neither is in the paths we make, but a cache folder could have one
        boolean plainPaths = (tree + "" + work).chars().noneMatch(c -> c == ',' || c == ':');
        if (plainPaths && Command.run(COMMAND_TIMEOUT, "mount", "-t", "overlay", "overlay", "-o",
                "lowerdir=" + tree + ",upperdir=" + upper + ",workdir=" + scratch, dir.toString()).exitCode() == 0) {
            return new DebianRoot(work, dir, true);
        }
        // overlayfs not allowed here (inside some containers): a copy, reflinked where the file system can
        Command.run(COMMAND_TIMEOUT, "cp", "-a", "--reflink=auto", tree + "/.", dir.toString()).orThrow();
        return new DebianRoot(work, dir, false);
    }

    /** The root folder as the host sees it. */
    public Path dir() {
        return dir;
    }

    /** Where an absolute path of the Debian system, e.g. {@code /etc/apt/sources.list}, is on the host. */
    public Path path(String absolute) {
        return resolve(dir, absolute);
    }

    static Path resolve(Path root, String absolute) {
        if (!absolute.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute path: " + absolute);
        }
        return root.resolve(absolute.substring(1));
    }

    /**
     * Runs a command chrooted into this root, as root, with its own /proc and /dev/pts (maintainer scripts
     * need them) in a private mount and PID namespace that ends with the command.
     */
    public Command.Result chroot(String... command) {
        List<String> argv = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--kill-child",
                "--mount-proc=" + dir.resolve("proc"), "sh", "-c",
                "mount -t devpts -o newinstance,ptmxmode=0666 devpts \"$0/dev/pts\" && exec chroot \"$0\" \"$@\"",
                dir.toString(), "env", "-i"));
        argv.addAll(ENVIRONMENT);
        argv.addAll(List.of(command));
        return Command.run(COMMAND_TIMEOUT, argv);
    }

    @Override
    public void close() {
        if (mounted) {
            Runtime.getRuntime().removeShutdownHook(unmountAtExit);
            if (Command.run(COMMAND_TIMEOUT, "umount", dir.toString()).exitCode() != 0) {
                // still busy (a process of the test holds a file): detach it, the kernel frees it later
                Command.run(COMMAND_TIMEOUT, "umount", "-l", dir.toString()).orThrow();
            }
        }
        // --one-file-system: never reach through a mount left inside the root into another file system
        Command.run(COMMAND_TIMEOUT, "rm", "-rf", "--one-file-system", work.toString()).orThrow();
    }

    /** Where the cached tree is, or why there is none; looked up once per test JVM. */
    static final class Tree {

        private static final Lookup LOOKUP = Lookup.find();

        private record Lookup(Path tree, String missing) {

            static Lookup find() {
                if (!isRoot()) {
                    return new Lookup(null, "the Debian tests need root (overlay mounts, chroot, systemd-nspawn)");
                }
                String given = System.getProperty("driftless.debian.tree", System.getenv("DRIFTLESS_DEBIAN_TREE"));
                if (given != null && !given.isBlank()) {
                    return Files.isDirectory(Path.of(given, "usr"))
                            ? new Lookup(Path.of(given), null)
                            : new Lookup(null, given + " (DRIFTLESS_DEBIAN_TREE or -Ddriftless.debian.tree) is not a Debian tree:"
                                    + " run scripts/debian-tree.sh, which prints where it built one");
                }
                String failed = System.getenv("DRIFTLESS_DEBIAN_TREE_ERROR");
                if (failed != null && !failed.isBlank()) {
                    return new Lookup(null, "no Debian tree: " + failed);
                }
                // run from an IDE or `mvn test` without scripts/test.sh: a tree built earlier is as good
                Path script = Path.of(System.getProperty("user.dir"), "scripts", "debian-tree.sh");
                if (!Files.isRegularFile(script)) {
                    return new Lookup(null, "no Debian tree: DRIFTLESS_DEBIAN_TREE is not set and " + script + " is missing");
                }
                Command.Result cached = Command.run(Duration.ofSeconds(30), "bash", script.toString(), "--cached");
                String[] lines = cached.output().strip().split("\n");
                String last = lines[lines.length - 1];
                return cached.exitCode() == 0 && Files.isDirectory(Path.of(last))
                        ? new Lookup(Path.of(last), null)
                        : new Lookup(null, cached.output().strip());
            }

            private static boolean isRoot() {
                try {
                    // /proc/self belongs to whoever runs this JVM
                    return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
                } catch (IOException | UnsupportedOperationException e) {
                    return false;
                }
            }
        }

        private Tree() {
        }

        /** The tree, or skips the calling test with the reason there is none. */
        static Path require() {
            Assumptions.assumeTrue(LOOKUP.tree() != null, LOOKUP.missing());
            return LOOKUP.tree();
        }
    }
}
