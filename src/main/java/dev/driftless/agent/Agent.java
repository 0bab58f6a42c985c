package dev.driftless.agent;

import dev.driftless.engine.PlanPrinter;
import dev.driftless.engine.Workspace;
import dev.driftless.health.HealthChecks;
import dev.driftless.notify.Event;
import dev.driftless.report.SyncState;
import dev.driftless.source.RepoSource;
import dev.driftless.store.HistoryKeep;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code driftless agent}: a loop that, when its {@link Schedule} or a request says so, runs the
 * {@link ApplyCycle} (fetch, apply the newest commit to the hosts that lack it) and the {@link DriftCycle}
 * (check each host against its commit, heal or report), and hands each cycle's report to the
 * {@link ReportSink}. One cycle runs at a time; requests that arrive meanwhile fold into exactly one more.
 * What it must remember across restarts is in {@link AgentMemory}; what it knows now, in the
 * {@link StatusBoard}.
 */
public final class Agent implements AgentControl {

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final AgentSettings settings;
    private final Clock clock;
    private final AgentMemory memory;
    private final StatusBoard board;
    private final Activity activity;
    private final Schedule schedule;
    private final AgentMetrics metrics;
    private final ReportSink sink;
    private final StoreOutage outage;
    private final Workspaces workspaces;
    private final ApplyCycle applyCycle;
    private final DriftCycle driftCycle;
    private final EngineWatch engineWatch;
    private final FileWatch fileWatch;
    private final RollbackCheck rollbackCheck;
    private final Object lock = new Object();
    private final HistoryStore history;
    private Optional<HistoryKeep> keep = Optional.empty();
    private Instant nextPrune = Instant.MIN;

    // guarded by lock
    private boolean requested;
    private String requestedBy = "start";
    private final DriftRequests driftRequests;
    // the targets the followed engines and watched files were chosen for (only the loop's thread reads and writes it)
    private Map<String, String> watchedTargets;
    // set once by stop(); also asked by the renderer along the way, so a SIGTERM does not wait for a
    // template that loops
    private volatile boolean stopping;
    private volatile boolean ready;
    private Consumer<String> onCycle = c -> { };
    private final List<Runnable> changeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public Agent(AgentSettings settings, HistoryStore history, AgentMetrics metrics, Consumer<Event> notify, Clock clock) {
        this(settings, history, metrics, notify, clock, RandomGenerator.getDefault(), HealthChecks.inRealTime());
    }

    /** With health checks whose clock and pause the caller chooses (a test moves its clock instead of sleeping). */
    Agent(AgentSettings settings, HistoryStore history, AgentMetrics metrics, Consumer<Event> notify, Clock clock,
            HealthChecks checks) {
        this(settings, history, metrics, notify, clock, RandomGenerator.getDefault(), checks);
    }

    Agent(AgentSettings settings, HistoryStore history, AgentMetrics metrics, Consumer<Event> notify, Clock clock,
            RandomGenerator random, HealthChecks checks) {
        this.settings = settings;
        this.history = history;
        this.clock = clock;
        this.board = new StatusBoard(clock);
        this.metrics = metrics;
        this.outage = new StoreOutage(clock);
        this.memory = AgentMemory.load(history, outage);
        this.activity = new Activity(clock);
        this.schedule = new Schedule(settings.interval(), settings.driftInterval(), clock, random);
        this.sink = new ReportSink(history, metrics, notify, outage);
        RepoSource source = new RepoSource(settings.cache(), settings.git(), true);
        this.workspaces = new Workspaces(settings, source, () -> stopping);
        this.applyCycle = new ApplyCycle(settings, source, memory, board, schedule, activity, metrics, clock, workspaces,
                checks);
        this.driftCycle = new DriftCycle(settings, memory, board, activity, clock, workspaces, checks);
        this.driftRequests = new DriftRequests(settings.driftInterval());
        this.rollbackCheck = new RollbackCheck(settings, workspaces, memory, history);
        this.engineWatch = new EngineWatch(settings.ssh(), settings.driftInterval(), this::requestDriftCheck);
        this.fileWatch = new FileWatch(FileWatch.limitOfThisMachine(), settings.driftInterval(),
                (host, why) -> requestDriftCheck(host, DriftRequests.Trigger.FILE_CHANGE, why));
        // a restart resumes from what was applied: the same commit is not applied again, and every host and
        // service the agent knew is shown at once
        history.lastApplied().ifPresent(r -> {
            board.appliedCommit = r.commit();
            board.appliedAt = r.finishedAt();
        });
        board.resume(history, settings.agent());
        memory.failures().values().stream().max(Comparator.comparing(AgentMemory.Failure::at)).ifPresent(f -> {
            board.failedCommit = f.commit();
            board.failure = f.error();
        });
        // a commit refused as a step back after the newest failure is what status says went wrong last
        memory.refusals().entrySet().stream().max(Comparator.comparing(e -> e.getValue().at()))
                .filter(e -> memory.failures().values().stream()
                        .noneMatch(f -> f.at().compareTo(e.getValue().at()) > 0))
                .ifPresent(e -> {
                    board.failedCommit = e.getValue().commit();
                    board.failure = "rewind refused on " + e.getKey() + ": " + e.getValue().why() + "; "
                            + ForwardOnly.remedy(e.getValue().commit());
                });
        memory.interrupted().ifPresent(this::diedWhileApplying);
        if (settings.startSuspended() && !memory.suspended(AgentMemory.EVERY_HOST)) {
            memory.suspend(AgentMemory.EVERY_HOST, new AgentMemory.Suspension("--start-suspended",
                    clock.instant().toString()));
        }
        metrics.suspended(!memory.suspensions().isEmpty());
        synchronized (lock) {
            requested = true;
        }
    }

    /**
     * The last run started applying a commit and never finished: the process was killed, ran out of
     * memory or was restarted by its supervisor during it. Trying it again would likely end the same
     * way, so it is recorded as failed on every host and skipped until a newer commit arrives.
     */
    private void diedWhileApplying(AgentMemory.Attempt attempt) {
        Instant now = clock.instant();
        String error = "the agent stopped while applying this commit (started " + attempt.startedAt() + "): the process"
                + " was killed, ran out of memory or was restarted; the commit is not tried again until a newer one"
                + " arrives";
        Instant started;
        try {
            started = Instant.parse(attempt.startedAt());
        } catch (java.time.format.DateTimeParseException e) {
            started = now;
        }
        List<String> hosts = new ArrayList<>(memory.targets().keySet());
        hosts.addAll(board.hosts());
        for (String host : hosts.stream().distinct().toList()) {
            if (!memory.target(host).equals(Optional.of(attempt.commit()))) {
                memory.failed(host, new AgentMemory.Failure(attempt.commit(), dev.driftless.report.FailureKind.DETERMINISTIC,
                        error, now.toString(), 1, now.toString()));
            }
        }
        // a host the agent never applied to yet has no memory: the commit is failed as a whole
        memory.failed(AgentMemory.EVERY_HOST, new AgentMemory.Failure(attempt.commit(),
                dev.driftless.report.FailureKind.DETERMINISTIC, error, now.toString(), 1, now.toString()));
        memory.end();
        board.failedCommit = attempt.commit();
        board.failure = error;
        sink.publish(new CycleReport()
                .record(new Reconcile(0, Reconcile.Kind.APPLY, "restart", attempt.commit(), "", "", started, now,
                        Reconcile.Result.FAILED, error, List.of()))
                .event(new Event(Event.Kind.FAILED, "", "", attempt.commit(), error, now)));
    }

    /** Called with each commit's workspace before it is applied (the notification settings live there). */
    public void onCheckout(Consumer<Workspace> listener) {
        applyCycle.onCheckout(listener);
    }

    /**
     * From now on only commits with a good signature from a key of {@code trust} are applied (--verify-signatures);
     * an untrusted commit is recorded and notified once, and every host keeps the commit it has.
     */
    public void verifySignatures(dev.driftless.trust.TrustSettings trust) {
        applyCycle.verifySignatures(new dev.driftless.trust.SignatureCheck(trust, clock));
        memory.distrust().ifPresent(d -> board.untrusted = new AgentStatus.Untrusted(d.commit(), d.reason(),
                Optional.of(d.signer()).filter(s -> !s.isEmpty()), d.detail(), Instant.parse(d.at())));
    }

    /** Called after each cycle of the loop ("fetch", "drift", or "failed" when one ended in surprise). */
    public void onCycle(Consumer<String> listener) {
        this.onCycle = listener;
    }

    /** Prunes the history to what {@code keep} says (agent --history-keep): when the loop starts, then daily. */
    public void keepHistory(HistoryKeep keep) {
        this.keep = Optional.of(keep);
    }

    /** The history is pruned at start and then once a day; a failure is logged, and tried again the next day. */
    private void pruneIfDue() {
        Instant now = clock.instant();
        if (keep.isEmpty() || now.isBefore(nextPrune)) {
            return;
        }
        nextPrune = now.plus(Duration.ofDays(1));
        try {
            int pruned = history.prune(keep.get(), now);
            LOG.info("pruned {} reconcile(s) from the history (--history-keep)", pruned);
        } catch (StoreException e) {
            LOG.warn("cannot prune the history (--history-keep): {}", e.getMessage());
        }
    }

    /** One fetch and apply, now, on the calling thread (for {@code agent --once} and tests). */
    public void reconcileOnce(String trigger) {
        publish(applyCycle.run(trigger));
        ready = true;
    }

    /** What {@code agent --once} did, in a line, and its exit code: 0 in sync or applied, 1 failed, 2 drift. */
    public record Once(int exitCode, String summary) {
    }

    /** One fetch, apply and drift check, now, on the calling thread (for cron), summarised. */
    public Once once() {
        pruneIfDue();
        CycleReport applied = applyCycle.run("once");
        ready = true;
        sink.publish(applied);
        CycleReport checked = driftCycle.run();
        publish(checked);
        if (board.sourceError != null) {
            return new Once(1, "source unavailable: " + board.sourceError);
        }
        String latest = Optional.ofNullable(board.latestCommit).map(PlanPrinter::shortRevision).orElse("nothing");
        AgentStatus.Untrusted untrusted = board.untrusted;
        if (untrusted != null && untrusted.commit().equals(board.latestCommit)) {
            return new Once(1, board.failure);
        }
        for (Reconcile r : applied.reconciles()) {
            if (r.kind() == Reconcile.Kind.APPLY && r.result() == Reconcile.Result.FAILED) {
                return new Once(1, "commit " + PlanPrinter.shortRevision(r.commit()) + " failed: " + r.error());
            }
        }
        if (board.failedCommit != null && board.failedCommit.equals(board.latestCommit)) {
            return new Once(1, "commit " + latest + " failed earlier and is not tried again until a newer commit: "
                    + board.failure);
        }
        List<String> drifted = new ArrayList<>();
        List<String> healed = new ArrayList<>();
        for (Reconcile r : checked.reconciles()) {
            r.services().forEach(o -> {
                if (o.status() == dev.driftless.store.ServiceOutcome.Status.DRIFTED) {
                    drifted.add(o.host() + "/" + o.service());
                } else if (o.status() == dev.driftless.store.ServiceOutcome.Status.HEALED) {
                    healed.add(o.host() + "/" + o.service());
                }
            });
        }
        String did = applied.reconciles().stream().filter(r -> r.kind() == Reconcile.Kind.APPLY
                && r.result() != Reconcile.Result.SKIPPED).findFirst()
                .map(r -> {
                    long hosts = r.services().stream().map(dev.driftless.store.ServiceOutcome::host).distinct().count();
                    return "applied " + PlanPrinter.shortRevision(r.commit()) + " on " + hosts + (hosts == 1 ? " host" : " hosts");
                })
                .orElse("up to date at " + latest);
        if (!healed.isEmpty()) {
            did += "; healed " + String.join(", ", healed);
        }
        if (!drifted.isEmpty()) {
            return new Once(2, did + "; drift on " + String.join(", ", drifted) + " (alert)");
        }
        return new Once(0, did);
    }


    /** One drift check (and heal), now, on the calling thread. */
    public void checkDriftOnce() {
        publish(driftCycle.run());
    }

    private void publish(CycleReport report) {
        memory.writeKept();
        sink.publish(report);
        metrics.observe(status());
        changed();
    }

    @Override
    public Optional<String> historyProblem() {
        return outage.problem();
    }

    @Override
    public void onChange(Runnable listener) {
        changeListeners.add(listener);
    }

    /** Tells the listeners that the status may have changed; one that fails does not stop the agent. */
    private void changed() {
        for (Runnable listener : changeListeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warn("a status listener failed", e);
            }
        }
    }

    /** Runs until {@link #stop}; a reconcile under way when stop is asked finishes first. */
    public void run() {
        while (true) {
            String trigger;
            Map<String, DriftRequests.Asked> asked;
            synchronized (lock) {
                while (!stopping && !requested && clock.instant().isBefore(nextDue())) {
                    long wait = Math.max(1, Duration.between(clock.instant(), nextDue()).toMillis());
                    try {
                        lock.wait(wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        engineWatch.close();
                        fileWatch.close();
                        return;
                    }
                }
                if (stopping) {
                    return;
                }
                trigger = requested ? requestedBy : null;
                requested = false;
                asked = driftRequests.take(clock.instant());
            }
            try {
                pruneIfDue();
                if (outage.retryAt().filter(at -> !clock.instant().isBefore(at)).isPresent()) {
                    memory.writeKept();
                    sink.publish(new CycleReport());
                }
                if (trigger != null || schedule.fetchDue()) {
                    reconcileOnce(trigger != null ? trigger : "interval");
                    watchHosts();
                    onCycle.accept("fetch");
                }
                if (schedule.driftCheckDue()) {
                    schedule.checkingDrift();
                    checkDriftOnce();
                    onCycle.accept("drift");
                } else if (!asked.isEmpty()) {
                    checkDriftOf(asked);
                    onCycle.accept("drift");
                }
            } catch (Throwable e) {
                // nothing a commit, a host or a bug does may end the loop: the agent is what heals the rest
                activity.end();
                LOG.error("a reconcile failed unexpectedly; the agent carries on", e);
                schedule.afterSurprise();
                onCycle.accept("failed");
            }
        }
    }

    /** Whichever comes first: the schedule's next fetch or drift check, or a drift check asked for. */
    private Instant nextDue() {
        Instant scheduled = schedule.earliest();
        Instant asked = driftRequests.earliest();
        Instant due = asked.isBefore(scheduled) ? asked : scheduled;
        // while the history database does not answer, what was kept is tried again when it is due, cycle or not
        Optional<Instant> retry = outage.retryAt();
        return retry.isPresent() && retry.get().isBefore(due) ? retry.get() : due;
    }

    /**
     * Follows the container engines of the hosts whose applied commit has a stack ({@link EngineWatch}) and watches
     * the managed files of the local hosts ({@link FileWatch}); both are chosen again when a host's target moved.
     */
    private void watchHosts() {
        Map<String, String> targets = new HashMap<>(memory.targets());
        List<String> known = workspaces.knownHosts();
        if (!known.isEmpty()) {
            targets.keySet().retainAll(known);
        }
        if (!targets.equals(watchedTargets)) {
            engineWatch.follow(workspaces.withStacks(targets));
            fileWatch.watch(workspaces.localHosts(targets));
            watchedTargets = targets;
        }
    }

    /**
     * A drift check (and heal) of the hosts asked for, now. A host where it found drift is not checked on request
     * again for a while (see {@link DriftRequests}).
     */
    private void checkDriftOf(Map<String, DriftRequests.Asked> asked) {
        asked.forEach((host, request) -> LOG.info("checking {} for drift now: {}", host, request.why()));
        // one check per trigger, so that the history says what asked for each
        Map<String, List<String>> byTrigger = new java.util.LinkedHashMap<>();
        asked.forEach((host, request) -> byTrigger.computeIfAbsent(request.recorded(), t -> new ArrayList<>()).add(host));
        byTrigger.forEach((trigger, hosts) -> {
            CycleReport report = driftCycle.run(java.util.Set.copyOf(hosts), trigger);
            publish(report);
            Instant now = clock.instant();
            synchronized (lock) {
                for (String host : hosts) {
                    driftRequests.checked(host, report.reconciles().stream().flatMap(r -> r.services().stream())
                            .anyMatch(o -> o.host().equals(host) && o.status() != ServiceOutcome.Status.UNCHANGED),
                            now);
                }
            }
        });
    }

    /**
     * Asks for a drift check of {@code host} now, saying why (an engine's event); requests that arrive before it runs
     * fold into it, and one that arrives while a check runs is followed by one more. Never blocks for long.
     */
    public void requestDriftCheck(String host, String why) {
        requestDriftCheck(host, DriftRequests.Trigger.ENGINE_EVENT, why);
    }

    /** The same, asked for by {@code trigger} (what the history records). */
    void requestDriftCheck(String host, DriftRequests.Trigger trigger, String why) {
        synchronized (lock) {
            driftRequests.request(host, trigger, why);
            lock.notifyAll();
        }
    }

    @Override
    public void checkNow(String host, String by) {
        checkKnown(host);
        synchronized (lock) {
            driftRequests.request(host, new DriftRequests.Asked(DriftRequests.Trigger.CHECK_NOW, "asked by " + by,
                    Optional.of(by)));
            lock.notifyAll();
        }
    }

    /** Asks the loop to end after the apply under way, if any; a rendering under way stops at once. */
    public void stop() {
        synchronized (lock) {
            stopping = true;
            lock.notifyAll();
        }
        engineWatch.close();
        fileWatch.close();
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
        // planned once; and while the source is down, only when there is a commit to keep checking against
        return ready && (board.sourceError == null || board.appliedCommit != null);
    }

    public void suspend(Optional<String> host) {
        suspend(host, "api");
    }

    /** Suspends, saying who did (a token's name, or the command line). */
    @Override
    public void suspend(Optional<String> host, String by) {
        host.ifPresent(this::checkKnown);
        memory.suspend(host.orElse(AgentMemory.EVERY_HOST), new AgentMemory.Suspension(by, clock.instant().toString()));
        metrics.suspended(true);
        sink.publish(new CycleReport().log("suspended automatic applies on " + host.orElse("every host") + " (by " + by
                + ")"));
        changed();
    }

    @Override
    public void resume(Optional<String> host) {
        resume(host, "api");
    }

    /** Resumes, saying who did (a token's name); the apply that catches up has the trigger "resume by WHO". */
    @Override
    public void resume(Optional<String> host, String by) {
        host.ifPresent(this::checkKnown);
        memory.resume(host.orElse(AgentMemory.EVERY_HOST));
        metrics.suspended(!memory.suspensions().isEmpty());
        sink.publish(new CycleReport().log("resumed automatic applies on " + host.orElse("every host") + " (by " + by
                + ")"));
        changed();
        requestReconcile("api".equals(by) ? "resume" : "resume by " + by); // catch up with what was held back
    }

    @Override
    public Optional<ServiceReport> serviceReport(String host, String service) {
        if (board.get(host, service).isEmpty()) {
            return Optional.empty();
        }
        Optional<String> commit = memory.target(host).or(() -> Optional.ofNullable(board.appliedCommit));
        return Optional.of(board.findings.report(host, service, commit, commit.flatMap(c -> workspaces.readme(c, service))));
    }

    @Override
    public AgentStatus.Hold rollback(String host, String commit, String by) {
        String id = rollbackCheck.approve(host, commit);
        Instant now = clock.instant();
        // the hold ends when the ref moves past what is known now; before the first fetch, the host's own commit
        String newest = Optional.ofNullable(board.latestCommit).or(() -> memory.target(host)).orElse(id);
        memory.hold(host, new AgentMemory.Hold(id, by, now.toString(), newest));
        sink.publish(new CycleReport().log("rolling " + host + " back to commit " + PlanPrinter.shortRevision(id)
                + " (by " + by + "); automatic applies on " + host + " are held until it is resumed or a commit newer"
                + " than " + PlanPrinter.shortRevision(newest) + " arrives"));
        changed();
        requestReconcile("rollback by " + by);
        return new AgentStatus.Hold(id, by, now);
    }

    @Override
    public AgentStatus.RewindAllowed allowRewind(String commit, String by) {
        if (settings.dryRun()) {
            throw new IllegalStateException("the agent only plans (--dry-run): it applies nothing, so there is no"
                    + " rewind to allow");
        }
        String latest = board.latestCommit;
        String allowed = commit.strip();
        // before the first fetch (agent --once --allow-rewind-to) the commit is taken as given, and the leave ends at
        // once if the ref names another
        if (latest != null) {
            String id;
            try {
                id = workspaces.commitId(allowed);
            } catch (dev.driftless.source.SourceException e) {
                throw new IllegalArgumentException("commit " + allowed + " is not in the agent's copy of "
                        + settings.repo() + ": give the commit the agent refused, as driftless status shows it");
            }
            if (!id.equals(latest)) {
                throw new IllegalStateException("commit " + PlanPrinter.shortRevision(id) + " is not the commit "
                        + settings.ref().orElse("HEAD") + " names now (" + PlanPrinter.shortRevision(latest) + "):"
                        + " allow-rewind lets through the commit the agent refused, once");
            }
            allowed = id;
        }
        AgentMemory.RewindAllowance allowance = applyCycle.forwardOnly().allow(allowed, by, clock.instant());
        sink.publish(new CycleReport().log("allowed the rewind to commit " + allowance.commit() + " once (by " + by
                + "): the hosts it was refused on as a step back get it at the next reconcile"));
        changed();
        requestReconcile("rewind allowed by " + by);
        return new AgentStatus.RewindAllowed(allowance.commit(), by, Instant.parse(allowance.at()));
    }

    private void checkKnown(String host) {
        List<String> known = workspaces.knownHosts();
        if (!known.isEmpty() && !known.contains(host)) {
            throw new IllegalArgumentException("'" + host + "' is not a host this agent manages (hosts: "
                    + String.join(", ", known) + ")");
        }
    }

    @Override
    public Optional<String> unhealthy() {
        return activity.overBudget(settings.unhealthyAfter());
    }

    @Override
    public AgentStatus status() {
        List<AgentStatus.HostStatus> hosts = new ArrayList<>();
        List<String> names = new ArrayList<>(board.hosts());
        workspaces.knownHosts().stream().filter(h -> !names.contains(h)).forEach(names::add);
        names.sort(Comparator.naturalOrder());
        for (String host : names) {
            List<AgentStatus.ServiceStatus> services = board.services(host);
            SyncState sync = services.stream().map(AgentStatus.ServiceStatus::sync).reduce(SyncState.IN_SYNC,
                    SyncState::worst);
            Optional<AgentMemory.Suspension> suspension = memory.suspension(host);
            hosts.add(new AgentStatus.HostStatus(host, suspension.isPresent(), suspension.map(AgentMemory.Suspension::by),
                    memory.target(host).or(() -> Optional.ofNullable(board.appliedCommit)), sync, services,
                    memory.hold(host).map(h -> new AgentStatus.Hold(h.commit(), h.by(), Instant.parse(h.at()))),
                    memory.refusal(host).map(r -> new AgentStatus.RewindRefused(r.commit(), r.newest(), r.why(),
                            Instant.parse(r.at())))));
        }
        return new AgentStatus(AgentStatus.FORMAT_VERSION, settings.agent(), settings.repo(),
                settings.ref().orElse("HEAD"), board.sourceError == null ? "ok" : "unavailable",
                Optional.ofNullable(board.sourceError), Optional.ofNullable(board.appliedCommit),
                Optional.ofNullable(board.appliedAt), Optional.ofNullable(board.latestCommit),
                Optional.ofNullable(board.failedCommit), Optional.ofNullable(board.failure),
                memory.suspended(AgentMemory.EVERY_HOST), settings.dryRun(), hosts,
                Optional.ofNullable(board.fetchedAt), Optional.ofNullable(board.unavailableSince),
                board.commits(commitsNamed(hosts)), applyCycle.verifiesSignatures(),
                Optional.ofNullable(board.untrusted));
    }

    private List<String> commitsNamed(List<AgentStatus.HostStatus> hosts) {
        List<String> ids = new ArrayList<>();
        Optional.ofNullable(board.appliedCommit).ifPresent(ids::add);
        Optional.ofNullable(board.latestCommit).ifPresent(ids::add);
        hosts.forEach(h -> h.appliedCommit().ifPresent(ids::add));
        Optional.ofNullable(board.failedCommit).ifPresent(ids::add);
        return ids;
    }
}
