package dev.driftless.agent;

import dev.driftless.apply.ApplyListener;
import dev.driftless.apply.ApplyResult;
import dev.driftless.apply.HandlerResult;
import dev.driftless.engine.Reconciler;
import dev.driftless.engine.Selection;
import dev.driftless.engine.Workspace;
import dev.driftless.model.DriftPolicy;
import dev.driftless.model.Service;
import dev.driftless.model.ValidationException;
import dev.driftless.notify.Event;
import dev.driftless.plan.Cause;
import dev.driftless.plan.Change;
import dev.driftless.plan.HostOutcome;
import dev.driftless.plan.HostPlan;
import dev.driftless.plan.PlanPrinter;
import dev.driftless.source.RepoSource;
import dev.driftless.source.SourceException;
import dev.driftless.store.HandlerOutcome;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ResourceChange;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.web.AgentMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop of {@code driftless agent}: fetch, and apply each new commit to the hosts; check the hosts
 * for drift against the applied commit and heal or report it per service; remember everything in the
 * history store and tell people through notifications. One reconcile runs at a time;
 * requests that arrive meanwhile fold into exactly one more.
 */
public final class Agent implements AgentControl {

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final AgentSettings settings;
    private final RepoSource source;
    private final HistoryStore history;
    private final AgentMetrics metrics;
    private final Consumer<Event> notify;
    private final Clock clock;
    private final AgentMemory memory;
    private final Object lock = new Object();

    // guarded by lock
    private boolean requested;
    private String requestedBy = "start";
    private final Set<String> suspendedHosts = new LinkedHashSet<>();
    private boolean suspendedAll;

    // set once by stop(); also asked by the renderer along the way, so a SIGTERM does not wait for a
    // template that loops
    private volatile boolean stopping;
    // what the loop is doing and since when, for unhealthy(); null between reconciles
    private volatile Running running;
    // the hosts of the inventory at the newest commit read (suspend/resume refuse others)
    private volatile List<String> knownHosts = List.of();
    // the commit every host had at the last full apply recorded by an agent that kept no per-host targets
    private final String recordedApplied;

    /** What the loop is busy with. */
    private record Running(String what, Instant since) {
    }

    // written by the loop thread only, read by status()
    private volatile String appliedCommit;
    private volatile Instant appliedAt;
    private volatile String latestCommit;
    private volatile String failedCommit;
    private volatile String failure;
    private volatile String sourceError;
    private volatile boolean ready;
    private final Map<String, Map<String, AgentStatus.ServiceStatus>> services = new java.util.concurrent.ConcurrentHashMap<>();
    private Consumer<Workspace> onCheckout = w -> { };
    private Consumer<String> onCycle = c -> { };
    private int fetchFailures;
    private Instant nextFetch;
    private Instant nextDriftCheck;

    public Agent(AgentSettings settings, HistoryStore history, AgentMetrics metrics, Consumer<Event> notify, Clock clock) {
        this.settings = settings;
        this.source = new RepoSource(settings.cache(), settings.git(), true);
        this.history = history;
        this.metrics = metrics;
        this.notify = notify;
        this.clock = clock;
        this.memory = AgentMemory.load(settings.stateDir());
        // a restart resumes from what was applied: the same commit is not applied again
        Optional<Reconcile> last = history.lastApplied();
        last.ifPresent(r -> {
            appliedCommit = r.commit();
            appliedAt = r.finishedAt();
        });
        recordedApplied = last.map(Reconcile::commit).orElse(null);
        failedCommit = memory.failedCommit().orElse(null);
        memory.interrupted().ifPresent(this::diedWhileApplying);
        Instant now = clock.instant();
        nextFetch = now;
        nextDriftCheck = now.plus(jitter(settings.driftInterval()));
        synchronized (lock) {
            requested = true;
        }
    }

    /**
     * The last run started applying a commit and never finished: the process was killed, ran out of
     * memory or was restarted by its supervisor during it. Trying it again would likely end the same
     * way, so it is recorded as failed and skipped until a newer commit arrives.
     */
    private void diedWhileApplying(AgentMemory.Attempt attempt) {
        Instant now = clock.instant();
        String error = "the agent stopped while applying this commit (started " + attempt.startedAt() + "): the process"
                + " was killed, ran out of memory or was restarted; the commit is not tried again until a newer one"
                + " arrives";
        history.record(new Reconcile(0, Reconcile.Kind.APPLY, "restart", attempt.commit(), "", "",
                parseInstant(attempt.startedAt(), now), now, Reconcile.Result.FAILED, error, List.of()));
        memory.failed(attempt.commit());
        failedCommit = attempt.commit();
        failure = error;
        LOG.warn("commit {} failed: {}", attempt.commit(), error);
        notify.accept(new Event(Event.Kind.FAILED, "", "", attempt.commit(), error, now));
    }

    private static Instant parseInstant(String text, Instant fallback) {
        try {
            return Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            return fallback;
        }
    }

    /** Called with each commit's workspace before it is applied (the notification settings live there). */
    public void onCheckout(Consumer<Workspace> listener) {
        this.onCheckout = listener;
    }

    /** Called after each cycle of the loop ("fetch" or "drift"), once its results are recorded. */
    public void onCycle(Consumer<String> listener) {
        this.onCycle = listener;
    }

    /** One fetch and apply, now, on the calling thread (for {@code agent --once} and tests). */
    public void reconcileOnce(String trigger) {
        fetchAndApply(trigger);
        metrics.observe(status());
    }

    /** One drift check (and heal), now, on the calling thread. */
    public void checkDriftOnce() {
        checkDrift();
        metrics.observe(status());
    }

    /** Runs until {@link #stop}; a reconcile under way when stop is asked finishes first. */
    public void run() {
        while (true) {
            String trigger;
            synchronized (lock) {
                while (!stopping && !requested && clock.instant().isBefore(earliest())) {
                    long wait = Math.max(1, Duration.between(clock.instant(), earliest()).toMillis());
                    try {
                        lock.wait(wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (stopping) {
                    return;
                }
                trigger = requested ? requestedBy : null;
                requested = false;
            }
            try {
                Instant now = clock.instant();
                if (trigger != null || !now.isBefore(nextFetch)) {
                    fetchAndApply(trigger != null ? trigger : "interval");
                    metrics.observe(status());
                    onCycle.accept("fetch");
                }
                if (!clock.instant().isBefore(nextDriftCheck)) {
                    nextDriftCheck = clock.instant().plus(jitter(settings.driftInterval()));
                    checkDrift();
                    metrics.observe(status());
                    onCycle.accept("drift");
                }
            } catch (Throwable e) {
                // nothing a commit, a host or a bug does may end the loop: the agent is what heals the rest
                running = null;
                LOG.error("a reconcile failed unexpectedly; the agent carries on", e);
                Instant now = clock.instant();
                if (!nextFetch.isAfter(now)) {
                    nextFetch = now.plus(jitter(settings.interval()));
                }
                if (!nextDriftCheck.isAfter(now)) {
                    nextDriftCheck = now.plus(jitter(settings.driftInterval()));
                }
                onCycle.accept("failed");
            }
        }
    }

    private Instant earliest() {
        return nextFetch.isBefore(nextDriftCheck) ? nextFetch : nextDriftCheck;
    }

    /** Asks the loop to end after the reconcile under way, if any. */
    public void stop() {
        synchronized (lock) {
            stopping = true; // a rendering under way stops; an apply under way finishes
            lock.notifyAll();
        }
    }

    @Override
    public void requestReconcile(String trigger) {
        synchronized (lock) {
            requested = true;
            requestedBy = trigger;
            lock.notifyAll();
        }
    }

    @Override
    public boolean ready() {
        return ready;
    }

    @Override
    public void suspend(Optional<String> host) {
        host.ifPresent(this::checkKnown);
        synchronized (lock) {
            if (host.isPresent()) {
                suspendedHosts.add(host.get());
            } else {
                suspendedAll = true;
            }
        }
        metrics.suspended(true);
        LOG.warn("automatic applies suspended on {}", host.orElse("every host"));
    }

    @Override
    public void resume(Optional<String> host) {
        host.ifPresent(this::checkKnown);
        boolean any;
        synchronized (lock) {
            if (host.isPresent()) {
                suspendedHosts.remove(host.get());
            } else {
                suspendedAll = false;
                suspendedHosts.clear();
            }
            any = suspendedAll || !suspendedHosts.isEmpty();
            requested = true; // catch up with what was held back
            requestedBy = "resume";
            lock.notifyAll();
        }
        metrics.suspended(any);
    }

    private void checkKnown(String host) {
        List<String> known = knownHosts;
        if (!known.isEmpty() && !known.contains(host)) {
            throw new IllegalArgumentException("'" + host + "' is not a host this agent manages (hosts: "
                    + String.join(", ", known) + ")");
        }
    }

    @Override
    public Optional<String> unhealthy() {
        Running now = running;
        if (now == null) {
            return Optional.empty();
        }
        Duration took = Duration.between(now.since(), clock.instant());
        if (took.compareTo(settings.unhealthyAfter()) <= 0) {
            return Optional.empty();
        }
        return Optional.of(now.what() + " has been running for " + took.toSeconds() + " s, longer than --unhealthy-after "
                + settings.unhealthyAfter().toSeconds() + " s");
    }

    private boolean overBudget() {
        return unhealthy().isPresent();
    }

    /** The commit a host must have: the last one the agent applied to it. */
    private Optional<String> target(String host) {
        return memory.target(host).or(() -> Optional.ofNullable(recordedApplied));
    }

    private boolean suspended(String host) {
        synchronized (lock) {
            return suspendedAll || suspendedHosts.contains(host);
        }
    }

    @Override
    public AgentStatus status() {
        List<AgentStatus.HostStatus> hosts = new ArrayList<>();
        services.forEach((host, byService) -> {
            boolean held = suspended(host);
            List<AgentStatus.ServiceStatus> list = new ArrayList<>();
            byService.values().forEach(s -> list.add(held && !s.state().equals("in sync")
                    ? new AgentStatus.ServiceStatus(s.service(), "suspended", s.driftedResources()) : s));
            hosts.add(new AgentStatus.HostStatus(host, held, target(host), list));
        });
        hosts.sort(java.util.Comparator.comparing(AgentStatus.HostStatus::host));
        boolean all;
        synchronized (lock) {
            all = suspendedAll;
        }
        return new AgentStatus(settings.repo(), settings.ref().orElse("HEAD"), sourceError == null ? "ok" : "unavailable",
                Optional.ofNullable(sourceError), Optional.ofNullable(appliedCommit), Optional.ofNullable(appliedAt),
                Optional.ofNullable(latestCommit), Optional.ofNullable(failedCommit), Optional.ofNullable(failure), all,
                hosts);
    }

    // ---------------------------------------------------------------- fetch and apply

    private void fetchAndApply(String trigger) {
        metrics.fetched();
        nextFetch = clock.instant().plus(jitter(settings.interval()));
        try {
            source.fetch(settings.repo());
        } catch (SourceException e) {
            fetchFailures++;
            Duration backoff = backoff(fetchFailures);
            nextFetch = clock.instant().plus(backoff);
            metrics.fetchFailed();
            boolean first = sourceError == null;
            sourceError = e.getMessage();
            LOG.warn("source unavailable (attempt {}, next in {} s): {}", fetchFailures, backoff.toSeconds(),
                    e.getMessage());
            if (first) {
                notify.accept(new Event(Event.Kind.SOURCE_UNAVAILABLE, "", "", Optional.ofNullable(appliedCommit)
                        .orElse(""), e.getMessage(), clock.instant()));
            }
            ready = ready || appliedCommit != null;
            return;
        }
        if (sourceError != null) {
            notify.accept(new Event(Event.Kind.RECOVERED, "", "", Optional.ofNullable(appliedCommit).orElse(""),
                    "source reachable again after " + fetchFailures + " failed fetch(es)", clock.instant()));
        }
        sourceError = null;
        fetchFailures = 0;

        Selection selection = selection(settings.ref(), settings.hosts(), List.of());
        try {
            RepoSource.Checkout checkout = source.openFetched(selection.source());
            RepoSource.CommitInfo commit = checkout.commit();
            latestCommit = commit.id();
            if (commit.id().equals(failedCommit)) {
                checkout.close();
                return; // failed already: not retried in a loop; the next commit is
            }
            Workspace workspace;
            try {
                workspace = Workspace.open(selection, checkout);
            } catch (ValidationException e) {
                // driftless.yaml itself is broken: no host can be told apart, the commit fails as a whole
                Instant now = clock.instant();
                fail(commit, trigger, now, now, "the repository does not validate: " + problems(e), List.of());
                return;
            }
            try (workspace) {
                knownHosts = workspace.hosts().stream().map(dev.driftless.model.Host::name).toList();
                onCheckout.accept(workspace);
                // every host that does not have this commit yet: all of them for a new commit, a resumed
                // host (or one new in the inventory) for the commit the others already have
                List<String> behind = knownHosts.stream().filter(h -> !target(h).equals(Optional.of(commit.id())))
                        .toList();
                List<String> held = behind.stream().filter(this::suspended).toList();
                markPending(held);
                List<String> active = behind.stream().filter(h -> !held.contains(h)).toList();
                if (active.isEmpty()) {
                    if (!held.isEmpty()) {
                        LOG.warn("commit {} not applied on {}: automatic applies are suspended", commit.id(), held);
                    }
                    return;
                }
                apply(workspace, active, trigger);
            }
        } catch (SourceException e) {
            failure = e.getMessage();
            LOG.warn("cannot read {}: {}", settings.repo(), e.getMessage());
        } finally {
            ready = true;
        }
    }

    private void apply(Workspace workspace, List<String> hosts, String trigger) {
        Instant started = clock.instant();
        RepoSource.CommitInfo commit = workspace.commit();
        memory.begin(commit.id(), started);
        running = new Running("the apply of commit " + commit.id(), started);
        LOG.info("applying commit {} on {}", commit.id(), String.join(", ", hosts));
        boolean decided = false;
        try {
            List<ServiceOutcome> outcomes = new ArrayList<>();
            List<String> applied = new ArrayList<>();
            String error = null;
            try (Workspace narrowed = hosts.size() < workspace.hosts().size()
                    ? open(selection(Optional.of(commit.id()), hosts, List.of())) : null) {
                List<HostOutcome> results = new Reconciler(settings.lockTimeout(), settings.handlerTimeout())
                        .apply(narrowed != null ? narrowed : workspace, settings.parallel(), h -> ApplyListener.SILENT,
                                o -> { });
                if (record(results, outcomes, false)) {
                    error = outcomes.stream().filter(o -> o.status() == ServiceOutcome.Status.FAILED)
                            .map(o -> where(o) + ": " + o.error()).reduce((a, b) -> a + "; " + b).orElse("failed");
                }
                for (HostOutcome result : results) {
                    if (result instanceof HostOutcome.Applied a && a.result().succeeded()) {
                        applied.add(a.host());
                    }
                }
            } catch (ValidationException e) {
                if (stopping && !overBudget()) {
                    // a SIGTERM stopped the rendering: not the commit's fault, tried again after the restart
                    LOG.warn("stopped while rendering commit {}; it is applied after the next start", commit.id());
                    memory.abandon();
                    decided = true;
                    return;
                }
                error = "the repository does not validate: " + problems(e);
            } catch (RuntimeException e) {
                error = String.valueOf(e.getMessage());
            } catch (StackOverflowError | OutOfMemoryError e) {
                // what a hostile commit can still do that no limit caught: fail the commit, keep the agent
                error = "the apply ran out of " + (e instanceof OutOfMemoryError ? "memory" : "stack") + " (" + e + ")";
                LOG.error("commit {} exhausted the agent", commit.id(), e);
            }
            Instant finished = clock.instant();
            if (error != null) {
                fail(commit, trigger, started, finished, error, outcomes);
                memory.finish(commit.id(), applied, true);
                notifyApplied(outcomes, commit.id(), finished);
            } else {
                Reconcile.Result result = outcomes.stream().allMatch(o -> o.status() == ServiceOutcome.Status.UNCHANGED)
                        ? Reconcile.Result.NO_CHANGES : Reconcile.Result.SUCCEEDED;
                history.record(new Reconcile(0, Reconcile.Kind.APPLY, trigger, commit.id(), commit.author(),
                        commit.message(), started, finished, result, null, outcomes));
                metrics.reconcileFinished(Duration.between(started, finished), result.name().toLowerCase(java.util.Locale.ROOT));
                memory.finish(commit.id(), applied, false);
                appliedCommit = commit.id();
                appliedAt = finished;
                failedCommit = null;
                failure = null;
                metrics.applied(finished);
                notifyApplied(outcomes, commit.id(), finished);
            }
            decided = true;
        } finally {
            running = null;
            if (!decided) {
                memory.abandon();
            }
        }
    }

    /**
     * Records, logs and notifies a commit that failed; it is not tried again until a newer one arrives. Each
     * service (or host) that failed is logged and notified on its own; a commit that failed as a whole (it does
     * not validate) once.
     */
    private void fail(RepoSource.CommitInfo commit, String trigger, Instant started, Instant finished, String error,
            List<ServiceOutcome> outcomes) {
        history.record(new Reconcile(0, Reconcile.Kind.APPLY, trigger, commit.id(), commit.author(), commit.message(),
                started, finished, Reconcile.Result.FAILED, error, outcomes));
        metrics.reconcileFinished(Duration.between(started, finished), "failed");
        memory.failed(commit.id());
        failedCommit = commit.id();
        failure = error;
        List<ServiceOutcome> failed = outcomes.stream().filter(o -> o.status() == ServiceOutcome.Status.FAILED).toList();
        if (failed.isEmpty()) {
            LOG.warn("commit {} failed: {}", commit.id(), error);
            notify.accept(new Event(Event.Kind.FAILED, "", "", commit.id(), error, finished));
        }
        for (ServiceOutcome o : failed) {
            String report = failureReport(o);
            LOG.warn("commit {} failed on {}: {}", commit.id(), where(o), report.replace("\n", "\n    "));
            notify.accept(new Event(Event.Kind.FAILED, o.host(), o.service(), commit.id(), report, finished));
        }
    }

    private void notifyApplied(List<ServiceOutcome> outcomes, String commit, Instant finished) {
        for (ServiceOutcome o : outcomes) {
            if (o.status() == ServiceOutcome.Status.APPLIED) {
                notify.accept(new Event(Event.Kind.APPLIED, o.host(), o.service(), commit, summary(o.changes()),
                        finished));
            }
        }
    }

    /** {@code box/web}, or {@code box} for an outcome of the whole host. */
    private static String where(ServiceOutcome o) {
        return o.service() == null || o.service().isEmpty() ? o.host() : o.host() + "/" + o.service();
    }

    /** Why a service failed, then the end of the output of each handler of it that failed. */
    private static String failureReport(ServiceOutcome o) {
        List<HandlerOutcome> failed = o.handlers().stream().filter(h -> !h.succeeded()).toList();
        if (failed.isEmpty()) {
            return o.error();
        }
        return failed.stream().map(h -> ("handler " + h.handler() + " " + h.result() + "\n" + h.output()).strip())
                .reduce((a, b) -> a + "\n" + b).orElseThrow();
    }

    private static String problems(ValidationException e) {
        return e.problems().stream().map(Object::toString).reduce((a, b) -> a + "; " + b).orElse("");
    }

    /** Turns host outcomes into history rows and status; returns whether any host failed. */
    private boolean record(List<HostOutcome> results, List<ServiceOutcome> outcomes, boolean healing) {
        boolean failed = false;
        for (HostOutcome outcome : results) {
            Map<String, AgentStatus.ServiceStatus> status = services.computeIfAbsent(outcome.host(),
                    h -> new java.util.concurrent.ConcurrentSkipListMap<>());
            if (outcome instanceof HostOutcome.Failed f) {
                failed = true;
                outcomes.add(new ServiceOutcome(f.host(), "", ServiceOutcome.Status.FAILED, f.message(), List.of()));
                status.replaceAll((s, v) -> new AgentStatus.ServiceStatus(s, "failed", v.driftedResources()));
                continue;
            }
            HostOutcome.Applied applied = (HostOutcome.Applied) outcome;
            HostPlan plan = applied.plan();
            ApplyResult result = applied.result();
            Map<String, List<ResourceChange>> byService = new LinkedHashMap<>();
            plan.desired().services().forEach(s -> byService.put(s, new ArrayList<>()));
            for (Change change : result.applied()) {
                byService.computeIfAbsent(change.service(), s -> new ArrayList<>()).add(resourceChange(change));
            }
            result.handlers().forEach(h -> byService.computeIfAbsent(h.handler().service(), s -> new ArrayList<>()));
            failed |= !result.succeeded();
            // only the service whose change or handler failed fails; one the apply stopped before is pending
            byService.forEach((service, changes) -> {
                ServiceOutcome.Status s = result.failed(service) ? ServiceOutcome.Status.FAILED
                        : applied.cutShort(service) ? ServiceOutcome.Status.PENDING
                        : changes.isEmpty() ? ServiceOutcome.Status.UNCHANGED
                        : healing ? ServiceOutcome.Status.HEALED : ServiceOutcome.Status.APPLIED;
                outcomes.add(new ServiceOutcome(applied.host(), service, s, failure(applied, service), changes,
                        result.handlersOf(service).stream().map(Agent::handlerOutcome).toList()));
                status.put(service, new AgentStatus.ServiceStatus(service, s == ServiceOutcome.Status.FAILED ? "failed"
                        : s == ServiceOutcome.Status.PENDING ? "pending" : "in sync", 0));
                metrics.driftedResources(applied.host(), service, 0);
            });
        }
        return failed;
    }

    /** Why a service failed, in one line: the change its host refused, or each of its handlers that failed. */
    private static String failure(HostOutcome.Applied applied, String service) {
        Optional<String> refused = applied.result().failure().filter(f -> f.change().service().equals(service))
                .map(f -> PlanPrinter.withoutHost(applied.host(), f.message()));
        return refused.or(() -> applied.result().handlersOf(service).stream().filter(h -> !h.succeeded())
                .map(h -> "handler " + h.handler().handler() + " " + h.verdict()).reduce((a, b) -> a + "; " + b))
                .orElse(null);
    }

    private static HandlerOutcome handlerOutcome(HandlerResult result) {
        return new HandlerOutcome(result.handler().handler(), result.succeeded(), result.exitCode().orElse(null),
                result.verdict(), result.output().shown());
    }

    private void markPending(List<String> hosts) {
        for (String host : hosts) {
            services.computeIfAbsent(host, h -> new java.util.concurrent.ConcurrentSkipListMap<>())
                    .replaceAll((s, v) -> new AgentStatus.ServiceStatus(s, "pending", v.driftedResources()));
        }
    }

    // ---------------------------------------------------------------- drift

    private void checkDrift() {
        Map<String, List<String>> byTarget = hostsByTarget();
        if (byTarget.isEmpty()) {
            return;
        }
        running = new Running("the drift check", clock.instant());
        try {
            byTarget.forEach(this::checkDrift);
        } finally {
            running = null;
        }
    }

    /**
     * The hosts to check, grouped by the commit each must have. A host the agent never applied to has no
     * target and is not checked; an agent that kept no targets yet checks every host against the commit
     * history says was applied (an empty host list means every host).
     */
    private Map<String, List<String>> hostsByTarget() {
        List<String> hosts = knownHosts.isEmpty() ? List.copyOf(memory.targets().keySet()) : knownHosts;
        Map<String, List<String>> byTarget = new LinkedHashMap<>();
        if (hosts.isEmpty()) {
            if (recordedApplied != null) {
                byTarget.put(recordedApplied, settings.hosts());
            }
            return byTarget;
        }
        for (String host : hosts) {
            target(host).ifPresent(commit -> byTarget.computeIfAbsent(commit, c -> new ArrayList<>()).add(host));
        }
        return byTarget;
    }

    /**
     * Checks hosts against the commit they must have. Every difference counts, drift and "pending" alike:
     * a host someone took to another commit by hand ({@code driftless apply --ref OLD}) is as far from its
     * target as one edited by hand, and is healed or reported per service the same way.
     */
    private void checkDrift(String commit, List<String> hosts) {
        Instant started = clock.instant();
        Selection selection = selection(Optional.of(commit), hosts, List.of());
        List<ServiceOutcome> outcomes = new ArrayList<>();
        boolean healedAny = false;
        try (Workspace workspace = open(selection)) {
            List<HostOutcome> results = new Reconciler(settings.lockTimeout(), settings.handlerTimeout())
                    .plan(workspace, settings.parallel(), o -> { });
            Map<String, DriftPolicy> policies = new LinkedHashMap<>();
            for (HostOutcome outcome : results) {
                if (!(outcome instanceof HostOutcome.Planned planned)) {
                    continue;
                }
                Map<String, List<ResourceChange>> drifted = new LinkedHashMap<>();
                for (Change change : planned.plan().changes()) {
                    drifted.computeIfAbsent(change.service(), s -> new ArrayList<>()).add(resourceChange(change));
                }
                Map<String, AgentStatus.ServiceStatus> status = services.computeIfAbsent(outcome.host(),
                        h -> new java.util.concurrent.ConcurrentSkipListMap<>());
                status.replaceAll((s, v) -> drifted.containsKey(s) || v.state().equals("failed") ? v
                        : new AgentStatus.ServiceStatus(s, "in sync", 0));
                if (drifted.isEmpty()) {
                    status.keySet().forEach(s -> metrics.driftedResources(outcome.host(), s, 0));
                    continue;
                }
                if (policies.isEmpty()) {
                    for (Service service : workspace.repository().services()) {
                        policies.put(service.name(), service.drift());
                    }
                }
                List<String> heal = new ArrayList<>();
                for (Map.Entry<String, List<ResourceChange>> e : drifted.entrySet()) {
                    String service = e.getKey();
                    int count = e.getValue().size();
                    metrics.driftedResources(outcome.host(), service, count);
                    boolean healable = policies.getOrDefault(service, DriftPolicy.HEAL) == DriftPolicy.HEAL
                            && !suspended(outcome.host());
                    if (healable) {
                        heal.add(service);
                    } else {
                        status.put(service, new AgentStatus.ServiceStatus(service, "drifted", count));
                        outcomes.add(new ServiceOutcome(outcome.host(), service, ServiceOutcome.Status.DRIFTED, null,
                                e.getValue()));
                        notify.accept(new Event(Event.Kind.DRIFT_FOUND, outcome.host(), service, commit,
                                summary(e.getValue()), clock.instant()));
                    }
                }
                if (!heal.isEmpty()) {
                    healedAny |= heal(outcome.host(), heal, commit, drifted, outcomes);
                }
            }
        } catch (SourceException | ValidationException e) {
            LOG.warn("drift check of {} failed: {}", commit, e.getMessage());
            return;
        }
        if (!outcomes.isEmpty()) {
            Instant finished = clock.instant();
            boolean found = outcomes.stream().anyMatch(o -> o.status() == ServiceOutcome.Status.DRIFTED
                    || o.status() == ServiceOutcome.Status.FAILED);
            Reconcile.Result result = found ? Reconcile.Result.DRIFT_FOUND : Reconcile.Result.DRIFT_HEALED;
            history.record(new Reconcile(0, Reconcile.Kind.DRIFT_CHECK, "drift", commit, "", "", started, finished,
                    result, null, outcomes));
            metrics.reconcileFinished(Duration.between(started, finished), healedAny ? "healed" : "drift");
        }
    }

    private boolean heal(String host, List<String> heal, String commit, Map<String, List<ResourceChange>> drifted,
            List<ServiceOutcome> outcomes) {
        Selection selection = selection(Optional.of(commit), List.of(host), heal);
        try (Workspace workspace = open(selection)) {
            List<HostOutcome> results = new Reconciler(settings.lockTimeout(), settings.handlerTimeout())
                    .apply(workspace, 1, h -> ApplyListener.SILENT, o -> { });
            List<ServiceOutcome> healed = new ArrayList<>();
            record(results, healed, true);
            boolean healedAny = false;
            for (ServiceOutcome o : healed) {
                if (!heal.contains(o.service()) && o.status() != ServiceOutcome.Status.FAILED) {
                    continue;
                }
                List<ResourceChange> found = drifted.getOrDefault(o.service(), o.changes());
                // a service whose own change or handler failed is still drifted; the others of the host are healed
                ServiceOutcome.Status s = o.status() == ServiceOutcome.Status.FAILED ? ServiceOutcome.Status.FAILED
                        : o.status() == ServiceOutcome.Status.PENDING ? ServiceOutcome.Status.DRIFTED
                        : ServiceOutcome.Status.HEALED;
                healedAny |= s == ServiceOutcome.Status.HEALED;
                outcomes.add(new ServiceOutcome(o.host(), o.service(), s, o.error(), found, o.handlers()));
                String text = s == ServiceOutcome.Status.FAILED ? summary(found) + "\n" + failureReport(o) : summary(found);
                notify.accept(new Event(s == ServiceOutcome.Status.HEALED ? Event.Kind.DRIFT_HEALED
                        : Event.Kind.DRIFT_FOUND, o.host(), o.service(), commit, text.strip(), clock.instant()));
            }
            return healedAny;
        }
    }

    // ---------------------------------------------------------------- helpers

    /** What the last fetch brought, never fetching again (the source may be down). */
    private Workspace open(Selection selection) {
        return Workspace.open(selection, source.openFetched(selection.source()));
    }

    private Selection selection(Optional<String> ref, List<String> hosts, List<String> services) {
        return new Selection(new RepoSource.Request(settings.repo(), ref, settings.path(), RepoSource.ReadFrom.COMMIT),
                hosts, services, settings.root(), settings.ssh(), settings.keys(),
                settings.render().stoppingWhen(() -> stopping), settings.protectedPaths());
    }

    private static ResourceChange resourceChange(Change change) {
        // the diff is already "(sensitive content changed)" for a file rendered from a secret
        return new ResourceChange(change.path(), change.action().name().toLowerCase(java.util.Locale.ROOT),
                change.causes().contains(Cause.DRIFT) ? "drift" : "pending", change.diff().orElse(null));
    }

    /** "~ /etc/a, + /etc/b" (at most five paths), for notifications. */
    static String summary(List<ResourceChange> changes) {
        StringBuilder text = new StringBuilder();
        int shown = 0;
        for (ResourceChange c : changes) {
            if (shown == 5) {
                text.append(", and ").append(changes.size() - 5).append(" more");
                break;
            }
            if (shown++ > 0) {
                text.append(", ");
            }
            text.append(switch (c.action()) {
                case "create" -> "+ ";
                case "delete" -> "- ";
                default -> "~ ";
            }).append(c.path());
        }
        return text.toString();
    }

    private static Duration jitter(Duration base) {
        long millis = base.toMillis();
        long spread = millis / 10; // up to 10% either way, so many agents do not fetch in step
        return Duration.ofMillis(Math.max(1, millis + (spread == 0 ? 0 : ThreadLocalRandom.current().nextLong(-spread, spread + 1))));
    }

    private Duration backoff(int failures) {
        Duration cap = settings.interval().compareTo(MAX_BACKOFF) > 0 ? settings.interval() : MAX_BACKOFF;
        long seconds = 1L << Math.min(failures - 1, 16);
        Duration d = Duration.ofSeconds(seconds);
        return d.compareTo(cap) > 0 ? cap : d;
    }

}
