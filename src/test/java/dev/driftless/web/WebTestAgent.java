package dev.driftless.web;

import dev.driftless.report.HealthState;
import dev.driftless.report.SyncState;
import dev.driftless.agent.AgentControl;
import dev.driftless.agent.AgentStatus;
import dev.driftless.agent.RollbackRefused;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A second, minimal implementation of the agent seam for the HTTP tests: it holds a status, counts the
 * reconciles asked for, suspends and resumes hosts in that status as the real agent does (refusing a host it does
 * not manage), and reports itself unhealthy when told to.
 */
public final class WebTestAgent implements AgentControl {

    private Optional<String> resumedBy = Optional.empty();

    public static final String COMMIT = "3f2a9c1d0e4b5a6978877665544332211000ffee";

    public final List<String> triggers = new CopyOnWriteArrayList<>();
    private volatile AgentStatus status;
    private volatile boolean ready = true;
    private volatile Optional<String> unhealthy = Optional.empty();

    public WebTestAgent(AgentStatus status) {
        this.status = status;
    }

    /** Two hosts, every service in sync at {@link #COMMIT}. */
    public static WebTestAgent inSync() {
        return new WebTestAgent(status(false, List.of(
                host("web-1", false, new AgentStatus.ServiceStatus("nginx", SyncState.IN_SYNC, HealthState.UNKNOWN, 0),
                        new AgentStatus.ServiceStatus("notes", SyncState.IN_SYNC, HealthState.UNKNOWN, 0)),
                host("db-1", false, new AgentStatus.ServiceStatus("postgres", SyncState.IN_SYNC, HealthState.UNKNOWN, 0)))));
    }

    public static AgentStatus status(boolean suspended, List<AgentStatus.HostStatus> hosts) {
        return new AgentStatus(AgentStatus.FORMAT_VERSION, "test-agent", "https://git.example.org/infra.git", "main",
                "ok", Optional.empty(), Optional.of(COMMIT), Optional.of(Instant.parse("2025-05-01T10:15:30Z")),
                Optional.of(COMMIT), Optional.empty(), Optional.empty(), suspended, false, hosts);
    }

    public static AgentStatus.HostStatus host(String name, boolean suspended, AgentStatus.ServiceStatus... services) {
        return new AgentStatus.HostStatus(name, suspended, Optional.empty(), Optional.of(COMMIT),
                java.util.Arrays.stream(services).map(AgentStatus.ServiceStatus::sync).reduce(SyncState.IN_SYNC,
                        SyncState::worst), List.of(services));
    }

    public int reconcileRequests() {
        return triggers.size();
    }

    public void setStatus(AgentStatus status) {
        this.status = status;
    }

    public void setReady(boolean ready) {
        this.ready = ready;
    }

    /** Makes the agent report itself unhealthy for this reason (empty: healthy again), as a stuck reconcile does. */
    public void setUnhealthy(Optional<String> reason) {
        this.unhealthy = reason;
    }

    @Override
    public Optional<String> unhealthy() {
        return unhealthy;
    }

    @Override
    public void requestReconcile(String trigger) {
        triggers.add(trigger);
    }

    @Override
    public AgentStatus status() {
        return status;
    }

    /** Suspends as the token named "test" would. */
    public void suspend(Optional<String> host) {
        suspend(host, "test");
    }

    @Override
    public synchronized void suspend(Optional<String> host, String by) {
        setSuspended(host, true, Optional.of(by));
    }

    @Override
    public synchronized void resume(Optional<String> host) {
        setSuspended(host, false, Optional.empty());
    }

    @Override
    public synchronized void resume(Optional<String> host, String by) {
        resume(host);
        resumedBy = Optional.of(by);
    }

    /** Who resumed last, as the API said (empty before any resume that said). */
    public synchronized Optional<String> resumedBy() {
        return resumedBy;
    }

    private void setSuspended(Optional<String> host, boolean suspended, Optional<String> by) {
        AgentStatus now = status;
        if (host.isPresent() && now.hosts().stream().noneMatch(h -> h.host().equals(host.get()))) {
            throw new IllegalArgumentException("unknown host '" + host.get() + "'");
        }
        List<AgentStatus.HostStatus> hosts = new ArrayList<>();
        for (AgentStatus.HostStatus h : now.hosts()) {
            boolean hit = host.isEmpty() || h.host().equals(host.get());
            hosts.add(hit ? new AgentStatus.HostStatus(h.host(), suspended, by, h.appliedCommit(), h.sync(),
                    h.services()) : h);
        }
        status = new AgentStatus(now.formatVersion(), now.agent(), now.repo(), now.ref(), now.source(), now.sourceError(),
                now.appliedCommit(), now.appliedAt(), now.latestCommit(), now.failedCommit(), now.failure(),
                host.isEmpty() ? suspended : now.suspended(), now.dryRun(), hosts);
    }

    /**
     * Holds the host at the commit as the real agent does, refusing a host it does not have; it reads no history, so
     * any commit id is taken as one that was healthy there.
     */
    @Override
    public synchronized AgentStatus.Hold rollback(String host, String commit, String by) {
        AgentStatus now = status;
        if (now.hosts().stream().noneMatch(h -> h.host().equals(host))) {
            throw new RollbackRefused(RollbackRefused.Reason.UNKNOWN_HOST, "unknown host '" + host + "'");
        }
        AgentStatus.Hold hold = new AgentStatus.Hold(commit, by, Instant.now());
        status = new AgentStatus(now.formatVersion(), now.agent(), now.repo(), now.ref(), now.source(), now.sourceError(),
                now.appliedCommit(), now.appliedAt(), now.latestCommit(), now.failedCommit(), now.failure(),
                now.suspended(), now.dryRun(), now.hosts().stream().map(h -> !h.host().equals(host) ? h
                        : new AgentStatus.HostStatus(h.host(), h.suspended(), h.suspendedBy(), h.appliedCommit(),
                                h.sync(), h.services(), Optional.of(hold))).toList());
        return hold;
    }

    @Override
    public boolean ready() {
        return ready;
    }
}
