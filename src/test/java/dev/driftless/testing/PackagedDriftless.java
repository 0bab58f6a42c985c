package dev.driftless.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;

/**
 * Driftless installed from a .deb with apt on a {@link SystemdMachine}, as a user installs it
 * ({@code apt-get install ./driftless_….deb}), and its agent's unit there: what systemctl says about it, and
 * waiting for what the agent does.
 */
public final class PackagedDriftless {

    public static final String UNIT = "driftless-agent.service";
    private static final Duration AGENT_DEADLINE = Duration.ofSeconds(90);
    private static final Duration REPACK_TIMEOUT = Duration.ofMinutes(3);

    private final SystemdMachine machine;

    private PackagedDriftless(SystemdMachine machine) {
        this.machine = machine;
    }

    /**
     * The package of this build, $DRIFTLESS_DEB (scripts/test.sh builds it and sets it); the test is skipped when it
     * is not set, and fails when it names no file.
     */
    public static Path debOfThisBuild() {
        String given = System.getenv("DRIFTLESS_DEB");
        Assumptions.assumeTrue(given != null && !given.isBlank(), "DRIFTLESS_DEB is not set: scripts/test.sh builds"
                + " the package and sets it; by hand: mvn -B -ntp -DskipTests package && export"
                + " DRIFTLESS_DEB=$(scripts/package.sh)");
        Path deb = Path.of(given);
        // set but wrong is a mistake to see, not a reason to skip
        assertThat(deb).as("DRIFTLESS_DEB").isRegularFile();
        return deb;
    }

    /** Copies {@code deb} into the machine and installs it: apt-get install ./driftless_….deb. */
    public static PackagedDriftless install(SystemdMachine machine, Path deb) {
        PackagedDriftless driftless = new PackagedDriftless(machine);
        driftless.aptInstall(deb);
        return driftless;
    }

    /** Installs {@code deb} over the installed package, as an upgrade is done by hand. */
    public void upgrade(Path deb) {
        aptInstall(deb);
    }

    private void aptInstall(Path deb) {
        try {
            Files.copy(deb, machine.path("/root/" + deb.getFileName()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot copy " + deb + " into the machine: " + e.getMessage(), e);
        }
        machine.exec("sh", "-c", "cd /root && apt-get install -y ./" + deb.getFileName()).orThrow();
    }

    /** A package's Version, as its control file says. */
    public static String version(Path deb) {
        return Command.run(REPACK_TIMEOUT, "dpkg-deb", "--field", deb.toString(), "Version").orThrow().output().strip();
    }

    /**
     * {@code deb} with another Version in its control file and nothing else changed (its files, maintainer scripts
     * and md5sums are those of {@code deb}), built in {@code dir}: two packages of one build to upgrade between.
     */
    public static Path withVersion(Path deb, String version, Path dir) throws IOException {
        Path tree = dir.resolve("repack");
        Command.run(REPACK_TIMEOUT, "dpkg-deb", "--raw-extract", deb.toString(), tree.toString()).orThrow();
        Path control = tree.resolve("DEBIAN/control");
        String fields = Files.readString(control);
        String changed = fields.replaceFirst("(?m)^Version: .*$", "Version: " + version);
        assertThat(changed).as("the Version field of " + deb).isNotEqualTo(fields);
        Files.writeString(control, changed);
        Path repacked = dir.resolve("driftless_" + version + "_amd64.deb");
        // gzip, fast: the package lives for one test
        Command.run(REPACK_TIMEOUT, "dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", tree.toString(),
                repacked.toString()).orThrow();
        Command.run(REPACK_TIMEOUT, "rm", "-rf", tree.toString()).orThrow();
        return repacked;
    }

    /** The installed package's version, as dpkg knows it. */
    public String installedVersion() {
        return machine.exec("dpkg-query", "--showformat=${Version}", "--show", "driftless").orThrow().output();
    }

    /** What {@code systemctl show -P NAME} says of the agent's unit (ActiveState, MainPID, ConditionResult, …). */
    public String unitProperty(String name) {
        return machine.exec("systemctl", "show", "-P", name, UNIT).orThrow().output().strip();
    }

    /** What {@code systemctl is-active} or {@code is-enabled} says of the agent's unit, stripped. */
    public String unitIs(String state) {
        return machine.exec("systemctl", "is-" + state, UNIT).output().strip();
    }

    /** The agent's process (the JVM: the launcher execs it), 0 when it is not running. */
    public long mainPid() {
        return Long.parseLong(unitProperty("MainPID"));
    }

    /**
     * Commits to {@code repo} an inventory of one host, box, that is the machine the agent runs on, and a service
     * 'demo' that writes /etc/demo.conf with {@code content} and a newline.
     */
    public static void commitDemo(TestRepo repo, String content) {
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n")
                .write("services/demo/README.md", "A demo file.\n")
                .write("services/demo/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/demo.conf\n"
                        + "    content: \"" + content + "\\n\"\n")
                .commit("demo file on box says " + content);
    }

    /**
     * Writes the agent's settings, /etc/driftless/agent.yaml: it follows the repository in the machine's folder
     * {@code repo} every 2 s, its dashboard on a free port (the machine shares the network of the one running the
     * tests). Returns the file as the test sees it.
     */
    public Path configureAgent(String repo) throws IOException {
        return Files.writeString(machine.path("/etc/driftless/agent.yaml"),
                "repo: " + repo + "\ninterval: 2s\nlisten: 127.0.0.1:0\n");
    }

    /** A file of the machine as it is now; empty while it is missing or being written. */
    public String read(String absolute) {
        try {
            return Files.readString(machine.path(absolute));
        } catch (IOException e) {
            return "";
        }
    }

    /** Polls until {@code done} within the deadline; fails with the unit's journal otherwise. */
    public void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + AGENT_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (done.getAsBoolean()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + ": not within " + AGENT_DEADLINE.toSeconds() + " s; the unit's journal:\n"
                + machine.exec("journalctl", "--no-pager", "-n", "40", "-u", UNIT).output());
    }
}
