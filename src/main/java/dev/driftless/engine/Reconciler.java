package dev.driftless.engine;

import dev.driftless.apply.Applier;
import dev.driftless.apply.ApplyListener;
import dev.driftless.apply.ApplyResult;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.plan.HostOutcome;
import dev.driftless.plan.HostPlan;
import dev.driftless.plan.Planner;
import dev.driftless.plan.RecordedCheck;
import dev.driftless.plan.Scope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Plans or applies every chosen host of a workspace, one host's failure never stopping the others.
 * Composes the planner and the applier; decides nothing of its own. A repository that does not
 * validate stops everything (a ValidationException passes through) before any host is changed.
 */
public final class Reconciler {

    private final Planner planner = new Planner();
    private final Duration lockTimeout;
    private final Applier applier;
    private final Map<String, String> descriptions = new LinkedHashMap<>();

    public Reconciler(Duration lockTimeout, Duration handlerTimeout) {
        this.lockTimeout = lockTimeout;
        this.applier = new Applier(handlerTimeout);
    }

    /** How each host was reached (for headers), filled in as hosts are connected. */
    public Map<String, String> descriptions() {
        return descriptions;
    }

    public List<HostOutcome> plan(Workspace workspace) {
        List<HostOutcome> outcomes = new ArrayList<>();
        for (dev.driftless.model.Host model : workspace.hosts()) {
            try (Host host = workspace.connect(model)) {
                descriptions.put(host.name(), host.describe());
                outcomes.add(new HostOutcome.Planned(plan(workspace, model, host)));
            } catch (HostException e) {
                outcomes.add(new HostOutcome.Failed(model.name(), e.getMessage()));
            }
        }
        return outcomes;
    }

    private HostPlan plan(Workspace workspace, dev.driftless.model.Host model, Host host) {
        if (!workspace.allServices()) {
            return planner.plan(workspace.desired(model), host, Scope.SELECTED);
        }
        Optional<RecordedCheck> record = planner.fromRecord(host, workspace.revision());
        if (record.isEmpty()) {
            return planner.plan(workspace.desired(model), host, Scope.EVERYTHING);
        }
        if (record.get().inSync()) {
            return record.get().inSyncPlan(model);
        }
        return planner.plan(workspace.desiredServices(model, record.get().driftedServices()), host, Scope.DRIFTED,
                record.get().state());
    }

    public List<HostOutcome> apply(Workspace workspace, ApplyListener listener) {
        List<HostOutcome> outcomes = new ArrayList<>();
        for (dev.driftless.model.Host model : workspace.hosts()) {
            try (Host host = workspace.connect(model)) {
                descriptions.put(host.name(), host.describe());
                outcomes.add(applyLocked(workspace, model, host, listener));
            } catch (HostException e) {
                outcomes.add(new HostOutcome.Failed(model.name(), e.getMessage()));
            }
        }
        return outcomes;
    }

    private HostOutcome applyLocked(Workspace workspace, dev.driftless.model.Host model, Host host,
            ApplyListener listener) {
        AutoCloseable lock = host.lock(lockTimeout, listener::waiting);
        try {
            HostPlan plan = plan(workspace, model, host);
            listener.started(plan, host.describe());
            ApplyResult result = applier.apply(plan, host, listener);
            return new HostOutcome.Applied(plan, result);
        } finally {
            try {
                lock.close();
            } catch (Exception e) {
                // the lock goes with the process anyway; nothing to undo
            }
        }
    }
}
