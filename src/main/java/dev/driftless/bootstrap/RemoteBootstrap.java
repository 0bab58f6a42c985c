package dev.driftless.bootstrap;

import dev.driftless.host.HostException;
import dev.driftless.host.Shell;
import dev.driftless.host.SshConnections;
import dev.driftless.host.SshHost;
import dev.driftless.host.SshSettings;
import dev.driftless.model.Address;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code driftless bootstrap ssh://root@HOST}: a machine that has only sshd gets Driftless's package over SSH,
 * installs it, then runs {@code driftless bootstrap} itself with the credentials on that command's standard input
 * (never in its command line, never in a file); what it prints comes back line by line.
 */
public final class RemoteBootstrap {

    /** Which package was installed last, by its SHA-256: the same one is neither copied nor installed again. */
    static final String INSTALLED_RECORD = "/var/lib/driftless/bootstrap-package.sha256";
    private static final Duration INSTALL_LIMIT = Duration.ofMinutes(15);
    /** The first apply may install packages and pull images: long, but not for ever. */
    private static final Duration BOOTSTRAP_LIMIT = Duration.ofHours(2);
    private static final Duration COMMAND_LIMIT = Duration.ofMinutes(1);
    private static final InputStream NOTHING = InputStream.nullInputStream();

    /** What a package file is, by its name: a .deb, or a tarball with an install.sh. */
    public enum PackageKind {
        DEB, TARBALL;

        /** @throws IllegalArgumentException for any other file name */
        public static PackageKind of(Path file) {
            String name = file.getFileName().toString();
            if (name.endsWith(".deb")) {
                return DEB;
            }
            if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) {
                return TARBALL;
            }
            throw new IllegalArgumentException("--package " + file + " is neither a .deb nor a .tar.gz: give"
                    + " driftless_VERSION_amd64.deb or driftless-VERSION-linux-x64.tar.gz (scripts/package.sh)");
        }
    }

    private final SshSettings ssh;

    public RemoteBootstrap(SshSettings ssh) {
        this.ssh = ssh;
    }

    /**
     * Installs {@code pkg} on {@code target} unless it is installed already, then bootstraps it as {@code request}
     * says, handing each line to {@code out}. Returns the exit status of the remote bootstrap.
     *
     * @throws BootstrapException or {@link HostException} when the machine cannot be reached or the package cannot
     *     be installed
     */
    public int run(Address.Ssh target, Path pkg, Bootstrap.Request request, Credentials credentials,
            Consumer<String> out) {
        PackageKind kind = PackageKind.of(pkg);
        String sha256 = sha256(pkg);
        try (SshConnections connections = new SshConnections(ssh);
                SshHost machine = connections.connect(target.hostname(), target, Optional.empty(), Optional.empty(),
                        Optional.empty())) {
            String uid = String.join("", lines(machine, "id -u", COMMAND_LIMIT)).strip();
            if (!uid.equals("0")) {
                throw new BootstrapException(target + " logs in as a user other than root (uid " + uid + "), and"
                        + " bootstrap installs a package and a system service: give ssh://root@" + target.hostname()
                        + (target.port() == 0 ? "" : ":" + target.port()));
            }
            String installed = String.join("", lines(machine, "cat " + INSTALLED_RECORD + " 2>/dev/null;"
                    + " command -v driftless >/dev/null || echo missing", COMMAND_LIMIT)).strip();
            if (installed.equals(sha256)) {
                out.accept(new Step(Step.Action.UNCHANGED, "package " + pkg.getFileName(), "installed").line());
            } else {
                install(machine, pkg, kind, sha256);
                out.accept(new Step(Step.Action.INSTALLED, "package " + pkg.getFileName()).line());
            }
            return machine.execute(bootstrapCommand(request), new ByteArrayInputStream(credentials.bundle()), out,
                    BOOTSTRAP_LIMIT);
        }
    }

    /** Copies the package into a folder of its own, installs it from there, removes the folder. */
    private static void install(SshHost machine, Path pkg, PackageKind kind, String sha256) {
        String dir = String.join("", lines(machine, "d=$(mktemp -d /tmp/driftless-bootstrap.XXXXXX) && chmod 0755"
                + " \"$d\" && echo \"$d\"", COMMAND_LIMIT)).strip();
        if (!dir.startsWith("/tmp/driftless-bootstrap.")) {
            throw new BootstrapException(machine.name() + ": cannot make a folder to copy the package into: " + dir);
        }
        String file = Shell.quote(dir + "/" + pkg.getFileName());
        try {
            List<String> said = java.util.Collections.synchronizedList(new ArrayList<>());
            int copied;
            try (InputStream content = Files.newInputStream(pkg)) {
                copied = machine.execute("cat > " + file + " && chmod 0644 " + file, content, said::add, INSTALL_LIMIT);
            } catch (IOException e) {
                throw new BootstrapException("cannot read --package " + pkg + ": " + e.getMessage(), e);
            }
            if (copied != 0) {
                throw new BootstrapException(machine.name() + ": cannot copy the package to " + dir + ": "
                        + String.join("\n", said));
            }
            // apt-get takes a .deb by its path (with a '/'); a tarball says itself where its files go
            String command = kind == PackageKind.DEB
                    ? "DEBIAN_FRONTEND=noninteractive apt-get install -y -q " + file
                    : "mkdir " + Shell.quote(dir + "/unpacked") + " && tar -xzf " + file + " -C " + Shell.quote(dir
                            + "/unpacked") + " && s=$(find " + Shell.quote(dir + "/unpacked") + " -maxdepth 2 -name"
                            + " install.sh | head -n 1) && if [ -z \"$s\" ]; then echo 'the tarball holds no"
                            + " install.sh'; exit 3; fi && sh \"$s\"";
            List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
            int exit = machine.execute(command + " && mkdir -p /var/lib/driftless && echo " + sha256 + " > "
                    + INSTALLED_RECORD, NOTHING, output::add, INSTALL_LIMIT);
            if (exit != 0) {
                List<String> tail = output.subList(Math.max(0, output.size() - 20), output.size());
                throw new BootstrapException(machine.name() + ": installing " + pkg.getFileName() + " failed (exit "
                        + exit + "):\n  " + String.join("\n  ", tail));
            }
        } finally {
            lines(machine, "rm -rf -- " + Shell.quote(dir), COMMAND_LIMIT);
        }
    }

    /** The remote command line: no credential in it, they come on its standard input. */
    static String bootstrapCommand(Bootstrap.Request request) {
        List<String> words = new ArrayList<>(List.of("driftless", "bootstrap", "--credentials-from-stdin",
                "--repo", request.repo(), "--host", request.host()));
        request.ref().ifPresent(ref -> words.addAll(List.of("--ref", ref)));
        request.path().ifPresent(path -> words.addAll(List.of("--path", path)));
        request.listen().ifPresent(listen -> words.addAll(List.of("--listen", listen)));
        return String.join(" ", words.stream().map(Shell::quote).toList());
    }

    private static List<String> lines(SshHost machine, String command, Duration limit) {
        // handed on by the SSH client's thread
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        machine.execute(command, NOTHING, lines::add, limit);
        return List.copyOf(lines);
    }

    private static String sha256(Path file) {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file),
                MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (IOException e) {
            throw new BootstrapException("cannot read --package " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
