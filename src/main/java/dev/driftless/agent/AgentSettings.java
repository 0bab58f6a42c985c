package dev.driftless.agent;

import dev.driftless.host.SshSettings;
import dev.driftless.render.RenderLimits;
import dev.driftless.secrets.AgeKeyring;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How an agent runs: what it watches, which hosts it keeps matching, and how often.
 *
 * @param hosts host names; empty means every host of the inventory
 * @param interval how often the source is fetched without a webhook
 * @param driftInterval how often the hosts are checked for drift against the applied commit
 * @param git how the repository's server is reached (token, deploy key, known_hosts)
 * @param unhealthyAfter how long one reconcile may run before {@code /healthz} says the agent is stuck
 * @param render how far one template may go
 * @param protectedPaths this machine's files the agent uses (its state directory, keys, tokens): no local host
 *     may manage them
 * @param agent this agent's name in the history (agents sharing one database keep their records apart)
 * @param dryRun plan, check and report only: never apply or heal
 * @param startSuspended start with automatic applies suspended on every host (until resumed)
 * @param cache where fetched repositories are kept
 * @param asHost the inventory host this machine is (--as-host): the agent applies to it alone, here, as a local
 *     host whatever its address says
 */
public record AgentSettings(String repo, Optional<String> ref, Optional<String> path, List<String> hosts,
        Duration interval, Duration driftInterval, Path stateDir, Optional<Path> root, SshSettings ssh,
        AgeKeyring keys, int parallel, Duration lockTimeout, Duration handlerTimeout,
        dev.driftless.source.RepoSource.GitAuth git, Duration unhealthyAfter, RenderLimits render,
        List<Path> protectedPaths, String agent, boolean dryRun, boolean startSuspended, Path cache,
        Optional<String> asHost) {

    public AgentSettings {
        // --as-host NAME works on NAME alone (Workspace refuses another --host)
        hosts = asHost.isPresent() && hosts.isEmpty() ? List.of(asHost.get()) : List.copyOf(hosts);
        protectedPaths = List.copyOf(protectedPaths);
    }

    /** An agent that reaches each host as the inventory says. */
    public AgentSettings(String repo, Optional<String> ref, Optional<String> path, List<String> hosts,
            Duration interval, Duration driftInterval, Path stateDir, Optional<Path> root, SshSettings ssh,
            AgeKeyring keys, int parallel, Duration lockTimeout, Duration handlerTimeout,
            dev.driftless.source.RepoSource.GitAuth git, Duration unhealthyAfter, RenderLimits render,
            List<Path> protectedPaths, String agent, boolean dryRun, boolean startSuspended, Path cache) {
        this(repo, ref, path, hosts, interval, driftInterval, stateDir, root, ssh, keys, parallel, lockTimeout,
                handlerTimeout, git, unhealthyAfter, render, protectedPaths, agent, dryRun, startSuspended, cache,
                Optional.empty());
    }

    /** The name an agent has unless told otherwise: this machine's. */
    public static String defaultName() {
        String name = System.getenv("HOSTNAME");
        if (name == null || name.isBlank()) {
            try {
                name = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                name = "agent";
            }
        }
        return name;
    }
}
