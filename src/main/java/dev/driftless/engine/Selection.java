package dev.driftless.engine;

import dev.driftless.render.RenderLimits;
import dev.driftless.secrets.Secrets;
import dev.driftless.source.RepoSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a command works on: a repository at a revision, some of its hosts and services, and an
 * optional sandbox root.
 *
 * @param hosts host names; empty means every host of the inventory
 * @param services service names; empty means every service
 * @param ssh how SSH hosts are reached
 * @param keys the age keys that decrypt the repository's secrets
 * @param render how far one template may go (time, output size, shutdown)
 * @param protectedPaths files and folders of this machine that Driftless itself uses (the agent's state
 *     directory, keys, tokens): no local host may manage them or anything below them
 * @param asHost the inventory host this machine is (--as-host): the only host chosen, and reached as a local
 *     host whatever its address says, so that an agent on a machine the inventory reaches over SSH from
 *     elsewhere applies to the machine itself
 * @param secrets whether secrets are decrypted, or only their names checked ({@code validate --no-secrets})
 */
public record Selection(RepoSource.Request source, List<String> hosts, List<String> services, Optional<Path> root,
        dev.driftless.host.SshSettings ssh, dev.driftless.secrets.AgeKeyring keys, RenderLimits render,
        List<Path> protectedPaths, Optional<String> asHost, Secrets.Reading secrets) {

    public Selection {
        hosts = List.copyOf(hosts);
        services = List.copyOf(services);
        protectedPaths = List.copyOf(protectedPaths);
    }

    /** A selection whose hosts are reached as the inventory says and whose secrets are decrypted. */
    public Selection(RepoSource.Request source, List<String> hosts, List<String> services, Optional<Path> root,
            dev.driftless.host.SshSettings ssh, dev.driftless.secrets.AgeKeyring keys, RenderLimits render,
            List<Path> protectedPaths) {
        this(source, hosts, services, root, ssh, keys, render, protectedPaths, Optional.empty());
    }

    /** A selection whose secrets are decrypted. */
    public Selection(RepoSource.Request source, List<String> hosts, List<String> services, Optional<Path> root,
            dev.driftless.host.SshSettings ssh, dev.driftless.secrets.AgeKeyring keys, RenderLimits render,
            List<Path> protectedPaths, Optional<String> asHost) {
        this(source, hosts, services, root, ssh, keys, render, protectedPaths, asHost, Secrets.Reading.DECRYPTED);
    }

    /** Whether {@code host} is this machine by --as-host, so reached as a local host. */
    public boolean isThisMachine(dev.driftless.model.Host host) {
        return asHost.filter(host.name()::equals).isPresent();
    }
}
