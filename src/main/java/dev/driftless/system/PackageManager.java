package dev.driftless.system;

import dev.driftless.host.Shell;
import dev.driftless.render.Desired;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How a host installs packages: the shell commands Driftless sends it. Debian and Ubuntu (dpkg and apt) are
 * supported; an RPM host is recognised and refused with a clear message until rpm/dnf are tested.
 */
public sealed interface PackageManager {

    /** The name shown in plans and errors. */
    String name();

    /**
     * One command that installs every package of {@code install} (at its version, when given) and removes every
     * package of {@code remove}, non-interactively; {@code root} is the host's root ("/" for the machine itself).
     */
    String command(String root, List<Desired.Package> install, List<Desired.Package> remove);

    /** Debian and Ubuntu: dpkg-query to read, apt-get to change; under a root, inside it with chroot. */
    record Apt() implements PackageManager {
        @Override
        public String name() {
            return "apt";
        }

        @Override
        public String command(String root, List<Desired.Package> install, List<Desired.Package> remove) {
            StringBuilder script = new StringBuilder("export DEBIAN_FRONTEND=noninteractive; set -e; ");
            String options = " -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
                    + " -o Dpkg::Use-Pty=0";
            String apt = "apt-get -q" + options;
            if (!install.isEmpty()) {
                // only when something must be installed: lists are what a new package or version is found in;
                // -qq: its progress lines would crowd apt's own error out of the failure message, its errors stay
                script.append("apt-get -qq").append(options).append(" update; ");
                script.append(apt).append(" install --allow-downgrades -- ").append(install.stream()
                        .map(p -> Shell.quote(p.version().map(v -> p.name() + "=" + v).orElse(p.name())))
                        .collect(Collectors.joining(" "))).append("; ");
            }
            if (!remove.isEmpty()) {
                script.append(apt).append(" remove -- ").append(remove.stream().map(p -> Shell.quote(p.name()))
                        .collect(Collectors.joining(" "))).append("; ");
            }
            return inRoot(root, script.toString());
        }
    }

    /** Fedora, RHEL and their kin: recognised, refused at plan time until rpm and dnf are tested. */
    record Rpm() implements PackageManager {
        @Override
        public String name() {
            return "rpm";
        }

        @Override
        public String command(String root, List<Desired.Package> install, List<Desired.Package> remove) {
            throw new UnsupportedOperationException("rpm hosts are refused at plan time");
        }
    }

    /**
     * {@code script} run inside {@code root} (chroot), or as it is for the machine itself. Inside a root it gets a
     * /proc of its own in a PID namespace that ends with it: maintainer scripts need /proc (start-stop-daemon
     * refuses to run without it), and whatever they start (a daemon an init script launches) must not keep running
     * on this machine after an image was built. Where namespaces are not allowed (an unprivileged container), a
     * plain chroot still installs what needs no /proc.
     */
    static String inRoot(String root, String script) {
        if (root.equals("/")) {
            return script;
        }
        String chroot = "chroot " + Shell.quote(root) + " sh -c " + Shell.quote(script);
        String isolated = "unshare --mount --pid --fork --kill-child --mount-proc=" + Shell.quote(root + "/proc");
        return "if " + isolated + " true 2>/dev/null; then " + isolated + " " + chroot + "; else " + chroot + "; fi";
    }
}
