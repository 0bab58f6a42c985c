package dev.driftless.engine;

import dev.driftless.apply.Applier;
import dev.driftless.apply.ApplyListener;
import dev.driftless.apply.ApplyResult;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.plan.HostOutcome;
import dev.driftless.plan.HostPlan;
import dev.driftless.plan.Planner;
import dev.driftless.render.DesiredHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plans or applies every host of a workspace, one host's failure never stopping the others.
 * Composes the planner and the applier; decides nothing of its own.
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
        for (DesiredHost desired : workspace.hosts()) {
            try (Host host = workspace.connect(desired)) {
                descriptions.put(host.name(), host.describe());
                outcomes.add(new HostOutcome.Planned(planner.plan(desired, host, workspace.allServices())));
            } catch (HostException e) {
                outcomes.add(new HostOutcome.Failed(desired.host().name(), e.getMessage()));
            }
        }
        return outcomes;
    }

    public List<HostOutcome> apply(Workspace workspace, ApplyListener listener) {
        List<HostOutcome> outcomes = new ArrayList<>();
        for (DesiredHost desired : workspace.hosts()) {
            try (Host host = workspace.connect(desired);
                 AutoCloseable lock = host.lock(lockTimeout, listener::waiting)) {
                descriptions.put(host.name(), host.describe());
                HostPlan plan = planner.plan(desired, host, workspace.allServices());
                listener.started(plan, host.describe());
                ApplyResult result = applier.apply(plan, host, listener);
                outcomes.add(new HostOutcome.Applied(plan, result));
            } catch (HostException e) {
                outcomes.add(new HostOutcome.Failed(desired.host().name(), e.getMessage()));
            } catch (Exception e) {
                outcomes.add(new HostOutcome.Failed(desired.host().name(), String.valueOf(e.getMessage())));
            }
        }
        return outcomes;
    }
}
