package dev.driftless.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Debian 12 machine with systemd as PID 1, booted by {@code systemd-nspawn} from a {@link DebianRoot}
 * and reached over SSH as root on its own 127.0.0.1 port. It shares the host's network, so it sees the
 * test's servers on 127.0.0.1 and the test sees its sshd. A test where it cannot boot is skipped, with the
 * end of the machine's console in the reason.
 */
public final class SystemdMachine implements AutoCloseable {

    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POWEROFF_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    private final DebianRoot root;
    private final boolean ownsRoot;
    private final int port;
    private final String name;
    private final Path console;
    private final Process nspawn;
    private final Thread killAtExit;
    private final long started;
    private long init;
    private Duration bootTime;

    private SystemdMachine(DebianRoot root, boolean ownsRoot, int port, Path console, Process nspawn, long started) {
        this.root = root;
        this.ownsRoot = ownsRoot;
        this.port = port;
        this.name = "driftless-" + port;
        this.console = console;
        this.nspawn = nspawn;
        this.started = started;
        // a JVM that ends without closing (a test run stopped half-way) must not leave a machine running
        this.killAtExit = new Thread(this::kill, "kill-" + name);
        Runtime.getRuntime().addShutdownHook(killAtExit);
    }

    /** Boots a machine of its own fresh root, letting in whoever holds the private key of {@code authorizedKey}. */
    public static SystemdMachine boot(Path authorizedKey) throws IOException, InterruptedException {
        return boot(DebianRoot.create(), true, authorizedKey);
    }

    /**
     * Boots {@code root} as it was prepared (packages installed, files written); closing the machine powers
     * it off and leaves the root to its owner.
     */
    public static SystemdMachine boot(DebianRoot root, Path authorizedKey) throws IOException, InterruptedException {
        return boot(root, false, authorizedKey, Map.of());
    }

    /**
     * The same, with folders of this machine visible read-only inside it, each (a key) at the path its value names:
     * a JDK and the build's classes, for a Driftless that runs there without being installed.
     */
    public static SystemdMachine boot(DebianRoot root, Path authorizedKey, Map<Path, String> readOnly)
            throws IOException, InterruptedException {
        return boot(root, false, authorizedKey, readOnly);
    }

    private static SystemdMachine boot(DebianRoot root, boolean ownsRoot, Path authorizedKey)
            throws IOException, InterruptedException {
        return boot(root, ownsRoot, authorizedKey, Map.of());
    }

    private static SystemdMachine boot(DebianRoot root, boolean ownsRoot, Path authorizedKey, Map<Path, String> readOnly)
            throws IOException, InterruptedException {
        SystemdMachine machine;
        try {
            machine = start(root, ownsRoot, authorizedKey, readOnly);
        } catch (IOException | RuntimeException e) { // a skip too
            if (ownsRoot) {
                root.close();
            }
            throw e;
        }
        String failure = machine.awaitBoot();
        if (failure != null) {
            String reason = "the machine did not boot: " + failure + "\n--- the end of its console\n" + machine.consoleTail(30);
            machine.close();
            Assumptions.abort(reason);
        }
        machine.bootTime = Duration.ofNanos(System.nanoTime() - machine.started);
        return machine;
    }

    private static SystemdMachine start(DebianRoot root, boolean ownsRoot, Path authorizedKey, Map<Path, String> readOnly)
            throws IOException {
        Assumptions.assumeTrue(Command.run(PROBE_TIMEOUT, "sh", "-c", "command -v systemd-nspawn").exitCode() == 0,
                "systemd-nspawn is missing: scripts/debian-tree.sh installs systemd-container");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Files.writeString(root.path("/etc/ssh/sshd_config.d/00-port.conf"), "Port " + port + "\n");
        Path keys = Files.createDirectories(root.path("/root/.ssh"));
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rwx------"));
        Path authorized = Files.copy(authorizedKey, keys.resolve("authorized_keys"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(authorized, PosixFilePermissions.fromString("rw-------"));

        Path console = Files.createTempFile("driftless-machine-" + port, ".console");
        long started = System.nanoTime();
        // --register=no and --keep-unit: no machined and no host systemd to ask for a scope (there is none here);
        // --link-journal=no: the journal stays inside the machine; SYSTEMD_COLORS=0: a console a reason can quote
        List<String> argv = new ArrayList<>(List.of("systemd-nspawn", "--boot", "--register=no", "--keep-unit",
                "--link-journal=no", "--console=read-only", "--setenv=SYSTEMD_COLORS=0", "--machine=driftless-" + port,
                "-D", root.dir().toString()));
        readOnly.forEach((folder, inside) -> argv.add("--bind-ro=" + folder + ":" + inside));
        Process nspawn = new ProcessBuilder(argv)
                .redirectErrorStream(true).redirectOutput(console.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        return new SystemdMachine(root, ownsRoot, port, console, nspawn, started);
    }

    /** Polls until multi-user.target is active and sshd answers; null when it has, else why not. */
    private String awaitBoot() throws InterruptedException {
        long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        boolean multiUser = false;
        while (System.nanoTime() < deadline) {
            if (!nspawn.isAlive()) {
                return "systemd-nspawn ended with exit code " + nspawn.exitValue();
            }
            if (init == 0) {
                init = findInit().orElse(0L);
            }
            if (init != 0 && !multiUser) {
                multiUser = Command.run(PROBE_TIMEOUT, nsenter("systemctl", "is-active", "multi-user.target"))
                        .output().strip().equals("active");
            }
            if (multiUser && sshdAnswers()) {
                return null;
            }
            if (multiUser && Command.run(PROBE_TIMEOUT, nsenter("systemctl", "is-failed", "ssh.service")).exitCode() == 0) {
                // e.g. another process took the port between our probe and sshd's bind: say so now, not in a minute
                return "ssh.service failed:\n" + Command.run(PROBE_TIMEOUT,
                        nsenter("journalctl", "--no-pager", "-n", "10", "-u", "ssh.service")).output();
            }
            Thread.sleep(50);
        }
        return "not up within " + BOOT_TIMEOUT.toSeconds() + " s (multi-user.target "
                + (multiUser ? "reached" : "not reached") + ", sshd on 127.0.0.1:" + port + " not answering)";
    }

    /** The machine's PID 1 as the host numbers it: the child of nspawn that runs systemd. */
    private Optional<Long> findInit() {
        return nspawn.children().map(ProcessHandle::pid).filter(pid -> {
            try {
                return Files.readString(Path.of("/proc", pid.toString(), "comm")).strip().equals("systemd");
            } catch (IOException e) {
                return false; // gone meanwhile
            }
        }).findFirst();
    }

    private boolean sshdAnswers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(1000);
            String banner = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            return banner != null && banner.startsWith("SSH-2.0-");
        } catch (IOException e) {
            return false;
        }
    }

    private List<String> nsenter(String... command) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--target", Long.toString(init), "--all", "env", "-i"));
        argv.addAll(DebianRoot.ENVIRONMENT);
        argv.addAll(List.of(command));
        return argv;
    }

    /** The port of the machine's sshd on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The machine's file system as the host sees it; writes show inside the running machine at once. */
    public Path root() {
        return root.dir();
    }

    /** Where an absolute path of the machine, e.g. {@code /etc/systemd/system}, is on the host. */
    public Path path(String absolute) {
        return root.path(absolute);
    }

    /** The machine's line for a known_hosts file (its ed25519 host key; every machine has the tree's keys). */
    public String knownHostsLine() throws IOException {
        return "[127.0.0.1]:" + port + " " + Files.readString(path("/etc/ssh/ssh_host_ed25519_key.pub")).strip();
    }

    /** From starting systemd-nspawn to multi-user.target reached and sshd answering. */
    public Duration bootTime() {
        return bootTime;
    }

    /**
     * Runs a command inside the machine as root, in all its namespaces (as if logged in, without SSH),
     * with a clean environment.
     */
    public Command.Result exec(String... command) {
        return Command.run(COMMAND_TIMEOUT, nsenter(command));
    }

    /** The last lines the machine printed on its console (systemd's boot and shutdown messages). */
    public String consoleTail(int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(console), StandardCharsets.UTF_8)
                    .replace("\r", "").lines().toList(); // the console ends its lines with \r\n
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(console unreadable: " + e.getMessage() + ")";
        }
    }

    /** Powers the machine off (SIGTERM to nspawn asks systemd to), kills it if it takes too long, removes its root. */
    @Override
    public void close() throws InterruptedException {
        nspawn.destroy();
        if (!nspawn.waitFor(POWEROFF_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
        }
        Runtime.getRuntime().removeShutdownHook(killAtExit);
        try {
            Files.deleteIfExists(console);
        } catch (IOException e) {
            // a console log left in the temporary folder harms nobody
        }
        // nspawn cannot remove this itself where /run is not a tmpfs
        Command.run(PROBE_TIMEOUT, "rm", "-rf", "--one-file-system", "/run/systemd/nspawn/propagate/" + name);
        if (ownsRoot) {
            root.close();
        }
    }

    /** Kills PID 1 of the machine, which ends every process in it, then nspawn. */
    private void kill() {
        long pid = init != 0 ? init : findInit().orElse(0L);
        if (pid != 0) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        nspawn.destroyForcibly();
        try {
            nspawn.waitFor(POWEROFF_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
