package dev.driftless.engine;

import dev.driftless.apply.Applier;
import dev.driftless.apply.ApplyListener;
import dev.driftless.apply.ApplyResult;
import dev.driftless.health.HealthChecks;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.host.LiveEntry;
import dev.driftless.model.DesiredRepository;
import dev.driftless.plan.HostPlan;
import dev.driftless.plan.ImagePull;
import dev.driftless.plan.KnownFiles;
import dev.driftless.plan.Planner;
import dev.driftless.plan.RecordedCheck;
import dev.driftless.plan.Scope;
import dev.driftless.state.HostState;
import dev.driftless.state.StateFile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Plans or applies every chosen host of a workspace, several at once, one host's failure never
 * stopping the others.
 * Composes the planner and the applier; decides nothing of its own. A repository that does not
 * validate stops everything (a ValidationException passes through) before any host is changed.
 */
public final class Reconciler {

    private final Planner planner;
    private final Duration lockTimeout;
    private final Applier applier;
    private final KnownFiles known;
    private final Rollout rollout;
    private final Map<String, String> descriptions = new ConcurrentHashMap<>();

    /** For one command: what it learns of the hosts' files ends with it. */
    public Reconciler(Duration lockTimeout, Duration handlerTimeout) {
        this(lockTimeout, handlerTimeout, new KnownFiles());
    }

    /**
     * For a process that plans the same hosts again and again (the agent): files whose stat is the one
     * {@code known} holds from an earlier plan are not read again, and each check of a host's record
     * replaces what {@code known} holds of that host.
     */
    public Reconciler(Duration lockTimeout, Duration handlerTimeout, KnownFiles known) {
        this(lockTimeout, handlerTimeout, known, HealthChecks.inRealTime(), true);
    }

    /**
     * The same, checking the health of the services an apply changed with {@code checks}, and rolling a host
     * back to its last healthy commit when one fails, unless {@code rollback} is false (--no-rollback).
     */
    public Reconciler(Duration lockTimeout, Duration handlerTimeout, KnownFiles known, HealthChecks checks,
            boolean rollback) {
        this(lockTimeout, handlerTimeout, known, checks, rollback, ImagePull.WHEN_MISSING);
    }

    /** The same, an apply pulling the images of compose stacks as {@code pull} says. */
    public Reconciler(Duration lockTimeout, Duration handlerTimeout, KnownFiles known, HealthChecks checks,
            boolean rollback, ImagePull pull) {
        this(lockTimeout, handlerTimeout, known, checks, rollback, pull, true);
    }

    /**
     * The same; without {@code diffs} the changes of its plans carry no diff (a command that shows none): the
     * hosts' files are then not read for them.
     */
    public Reconciler(Duration lockTimeout, Duration handlerTimeout, KnownFiles known, HealthChecks checks,
            boolean rollback, ImagePull pull, boolean diffs) {
        this.planner = new Planner(pull, diffs);
        this.lockTimeout = lockTimeout;
        this.applier = new Applier(handlerTimeout);
        this.known = known;
        this.rollout = new Rollout(planner, applier, checks, rollback);
    }

    /** How each host was reached (for headers), filled in as hosts are connected. */
    public Map<String, String> descriptions() {
        return descriptions;
    }

    /** Plans every chosen host, up to {@code parallel} at once; {@code done} hears of each as it ends. */
    public List<HostOutcome> plan(Workspace workspace, int parallel, Consumer<HostOutcome> done) {
        return plan(workspace, parallel, done, (host, planned) -> { });
    }

    /**
     * The same; while each planned host is still connected, {@code connected} gets it with its plan (the agent's
     * drift check samples the health of the host's services over the same connection).
     */
    public List<HostOutcome> plan(Workspace workspace, int parallel, Consumer<HostOutcome> done,
            BiConsumer<Host, HostOutcome.Planned> connected) {
        workspace.prepareConnections();
        return eachHost(workspace.hosts(), parallel, model -> {
            HostOutcome outcome;
            try (Host host = workspace.connect(model)) {
                descriptions.put(host.name(), host.describe());
                HostOutcome.Planned planned = new HostOutcome.Planned(plan(workspace, model, host));
                connected.accept(host, planned);
                outcome = planned;
            } catch (HostException e) {
                outcome = new HostOutcome.Failed(model.name(), e.getMessage(), e.kind());
            }
            done.accept(outcome);
            return outcome;
        });
    }

    private HostPlan plan(Workspace workspace, dev.driftless.model.Host model, Host host) {
        return plan(workspace, model, host, StateFile.read(host));
    }

    /** Plans a host whose state was read (under its lock); one more round trip reads all else a plan needs. */
    private HostPlan plan(Workspace workspace, dev.driftless.model.Host model, Host host, HostState state) {
        Map<String, LiveEntry.Known> remembered = known.of(host.name());
        if (!workspace.allServices()) {
            return planner.plan(workspace.desired(model), host, Scope.SELECTED, remembered, state);
        }
        Optional<RecordedCheck> record = planner.fromRecord(host, workspace.revision(), remembered, state);
        if (record.isEmpty()) {
            return planner.plan(workspace.desired(model), host, Scope.EVERYTHING, remembered, state);
        }
        known.remember(host.name(), record.get().remembered());
        if (record.get().inSync()) {
            return record.get().inSyncPlan(model);
        }
        return planner.plan(workspace.desiredServices(model, record.get().driftedServices()), host, record.get());
    }

    /**
     * Applies every chosen host, up to {@code parallel} at once, in steps: every host is connected and its
     * recorded state read (without its lock, changing nothing); unless every host records this revision as
     * applied in full, the repository is validated and rendered, so that one that does not validate
     * leaves no trace on any host, not even a lock file; then every host is locked and planned; only when
     * all plans exist are they applied.
     */
    public List<HostOutcome> apply(Workspace workspace, int parallel, Function<String, ApplyListener> listeners,
            Consumer<HostOutcome> done) {
        return apply(workspace, parallel, listeners, done, plan -> plan);
    }

    /**
     * The same, with each host's plan passed through {@code review} (under the host's lock, before
     * anything is changed), which may hold changes back: the agent keeps hand edits of services that
     * only report drift.
     */
    public List<HostOutcome> apply(Workspace workspace, int parallel, Function<String, ApplyListener> listeners,
            Consumer<HostOutcome> done, UnaryOperator<HostPlan> review) {
        // what holds a connection or a lock, so that a surprise in any host's step releases every host
        List<Prepared> held = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Prepared> prepared;
        workspace.prepareConnections();
        // a remote host is rendered for in any case (its state is read under its lock): while it connects
        CompletableFuture<DesiredRepository> rendering = workspace.reachesRemoteHosts()
                ? CompletableFuture.supplyAsync(workspace::repository, Reconciler::renderAhead) : null;
        try {
            List<Prepared> connected = eachHost(workspace.hosts(), parallel, model -> {
                Prepared p = connect(workspace, model);
                held.add(p);
                return p;
            });
            if (rendering != null) {
                rendered(rendering); // throws a ValidationException before any host is locked
            } else if (connected.stream().anyMatch(Prepared::needsRendering)) {
                workspace.repository(); // the same
            }
            prepared = eachHost(connected, parallel, p -> {
                Prepared locked = lockAndPlan(workspace, p, listeners, review);
                held.add(locked);
                return locked;
            });
        } catch (RuntimeException e) {
            synchronized (held) {
                held.forEach(Prepared::release);
            }
            throw e;
        }
        return eachHost(prepared, parallel, p -> {
            HostOutcome outcome;
            try {
                outcome = p.failure() != null ? p.failure() : applyPlanned(workspace, p, listeners.apply(p.name()));
            } finally {
                p.release();
            }
            done.accept(outcome);
            return outcome;
        });
    }

    private static void renderAhead(Runnable render) {
        Thread thread = new Thread(render, "driftless-render");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits for the rendering started ahead, throwing what it threw. */
    private static void rendered(CompletableFuture<DesiredRepository> rendering) {
        try {
            rendering.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /** A host connected, locked and planned (each step in turn), or the reason it could not be. */
    private record Prepared(String name, Host host, boolean needsRendering, AutoCloseable lock, HostPlan plan,
            HostOutcome failure) {
        void release() {
            try {
                if (lock != null) {
                    lock.close();
                }
            } catch (Exception e) {
                // the lock goes with the process or the connection anyway; nothing to undo
            }
            if (host != null) {
                host.close();
            }
        }

        static Prepared failed(String name, HostException e) {
            return new Prepared(name, null, false, null, null, new HostOutcome.Failed(name, e.getMessage(), e.kind()));
        }
    }

    private Prepared connect(Workspace workspace, dev.driftless.model.Host model) {
        Host host = null;
        try {
            host = workspace.connect(model);
            descriptions.put(host.name(), host.describe());
            // a remote host's state is read under its lock, in the lock's round trip: the repository is then
            // rendered (validated) first, so that one that does not validate still leaves no trace there
            boolean recorded = !host.remote() && workspace.allServices()
                    && planner.recordsApplied(host, workspace.revision());
            return new Prepared(model.name(), host, !recorded, null, null, null);
        } catch (HostException e) {
            if (host != null) {
                host.close();
            }
            return Prepared.failed(model.name(), e);
        } catch (RuntimeException e) {
            if (host != null) {
                host.close();
            }
            throw e;
        }
    }

    private Prepared lockAndPlan(Workspace workspace, Prepared connected, Function<String, ApplyListener> listeners,
            UnaryOperator<HostPlan> review) {
        if (connected.failure() != null) {
            return connected;
        }
        AutoCloseable lock = null;
        try {
            Host host = connected.host();
            if (connected.needsRendering() && !host.remote()) {
                // a host without an owner or group the repository names is left alone, not even locked (a remote
                // host is told in the plan, in the same round trip as the rest of what the plan reads)
                planner.requireAccounts(workspace.desired(model(workspace, connected.name())), host);
            }
            Host.Locked locked = host.lockAndRead(lockTimeout, listeners.apply(connected.name())::waiting,
                    StateFile.pathFor(host.name()), StateFile.MAX_BYTES);
            lock = locked;
            HostState state = StateFile.parse(host, locked.read());
            return new Prepared(connected.name(), host, connected.needsRendering(), lock,
                    review.apply(plan(workspace, model(workspace, connected.name()), host, state)), null);
        } catch (HostException e) {
            new Prepared(connected.name(), connected.host(), false, lock, null, null).release();
            return Prepared.failed(connected.name(), e);
        } catch (RuntimeException e) {
            new Prepared(connected.name(), connected.host(), false, lock, null, null).release();
            throw e;
        }
    }

    private static dev.driftless.model.Host model(Workspace workspace, String name) {
        return workspace.hosts().stream().filter(h -> h.name().equals(name)).findFirst().orElseThrow();
    }

    private HostOutcome applyPlanned(Workspace workspace, Prepared prepared, ApplyListener listener) {
        try {
            listener.started(prepared.plan(), prepared.host().describe());
            ApplyResult result = applier.apply(prepared.plan(), prepared.host(), workspace::redact, listener,
                    Rollout.healthyOnceApplied(prepared.plan()));
            return rollout.settle(workspace, prepared.host(), prepared.plan(), result, listener);
        } catch (HostException e) {
            return new HostOutcome.Failed(prepared.name(), e.getMessage(), e.kind());
        } catch (RuntimeException e) {
            // one host's surprise must not take the other hosts' results with it
            return new HostOutcome.Failed(prepared.name(), "unexpected error: " + e);
        }
    }

    /**
     * Runs {@code work} for each item, up to {@code parallel} at once, and returns the results in the
     * items' order. A RuntimeException of one item (a repository that does not validate) is rethrown.
     */
    private static <T, R> List<R> eachHost(List<T> items, int parallel, Function<T, R> work) {
        if (items.size() <= 1 || parallel <= 1) {
            List<R> results = new ArrayList<>();
            items.forEach(item -> results.add(work.apply(item)));
            return results;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, items.size()), r -> {
            Thread thread = new Thread(r, "driftless-host");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<R>> futures = new ArrayList<>();
            items.forEach(item -> futures.add(pool.submit(() -> work.apply(item))));
            List<R> results = new ArrayList<>();
            RuntimeException first = null;
            for (Future<R> future : futures) {
                try {
                    results.add(future.get());
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            if (first != null) {
                throw first;
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
