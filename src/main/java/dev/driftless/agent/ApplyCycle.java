package dev.driftless.agent;

import dev.driftless.apply.ApplyListener;
import dev.driftless.engine.PlanPrinter;
import dev.driftless.engine.Reconciler;
import dev.driftless.engine.Workspace;
import dev.driftless.model.DriftPolicy;
import dev.driftless.model.Service;
import dev.driftless.model.ValidationException;
import dev.driftless.notify.Event;
import dev.driftless.engine.HostOutcome;
import dev.driftless.health.HealthChecks;
import dev.driftless.plan.ImagePull;
import dev.driftless.plan.KnownFiles;
import dev.driftless.report.FailureKind;
import dev.driftless.report.SyncState;
import dev.driftless.source.RepoSource;
import dev.driftless.source.SourceException;
import dev.driftless.store.Reconcile;
import dev.driftless.store.ServiceOutcome;
import dev.driftless.trust.SignatureCheck;
import dev.driftless.trust.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fetch, and the newest commit applied to every host that does not have it yet: a new commit goes to
 * every host; a host that was suspended, new in the inventory, or owed a retry after a transient failure
 * catches up. A deterministic failure is not tried again on that host until a newer commit arrives. A host rolled
 * back on request is first put back at its commit, and held there until a newer commit arrives (or it is resumed).
 * A commit that does not descend from the newest commit a host ran is refused there ({@link ForwardOnly}).
 */
final class ApplyCycle {

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final AgentSettings settings;
    private final RepoSource source;
    private final AgentMemory memory;
    private final StatusBoard board;
    private final Schedule schedule;
    private final Activity activity;
    private final AgentMetrics metrics;
    private final Clock clock;
    private final Workspaces workspaces;
    private final HealthChecks checks;
    private final ForwardOnly forwardOnly;
    private Consumer<Workspace> onCheckout = w -> { };
    // whether onCheckout was given a commit's settings since the start
    private boolean settingsLoaded;
    private Optional<SignatureCheck> trust = Optional.empty();
    // the verdict on the commit (and tag) verified last, so that a commit is verified once, not at every fetch
    private String verifiedCommit;
    private Verdict verdict;
    // the commit a dry run reported last, so that it reports each commit once, not every interval
    private String dryRunReported;

    ApplyCycle(AgentSettings settings, RepoSource source, AgentMemory memory, StatusBoard board, Schedule schedule,
            Activity activity, AgentMetrics metrics, Clock clock, Workspaces workspaces, HealthChecks checks) {
        this.settings = settings;
        this.source = source;
        this.memory = memory;
        this.board = board;
        this.schedule = schedule;
        this.activity = activity;
        this.metrics = metrics;
        this.clock = clock;
        this.workspaces = workspaces;
        this.checks = checks;
        this.forwardOnly = new ForwardOnly(memory, settings.repo());
    }

    ForwardOnly forwardOnly() {
        return forwardOnly;
    }

    void onCheckout(Consumer<Workspace> listener) {
        this.onCheckout = listener;
    }

    /** Only commits with a good signature from a key {@code check} trusts are applied from now on. */
    void verifySignatures(SignatureCheck check) {
        this.trust = Optional.of(check);
    }

    boolean verifiesSignatures() {
        return trust.isPresent();
    }

    CycleReport run(String trigger) {
        CycleReport report = new CycleReport();
        if (!fetch(report)) {
            rollBack(report); // its commit is in the cache already: a source that is down does not stop it
            return report;
        }
        RepoSource.Checkout checkout;
        try {
            checkout = source.openFetched(workspaces.request(settings.ref()));
        } catch (SourceException e) {
            board.failure = e.getMessage();
            return report.log("cannot read " + settings.repo() + ": " + e.getMessage());
        }
        RepoSource.CommitInfo commit = checkout.commit();
        board.latestCommit = commit.id();
        Optional<Verdict.Trusted> signed;
        try {
            Optional<Verdict> verdict = verdict(checkout);
            if (verdict.isPresent() && verdict.get() instanceof Verdict.Untrusted untrusted) {
                checkout.close();
                // nothing of it is read further: not its hosts, not its notification settings
                // no signer: a refused signature vouches for nothing (status's untrusted names the key's signer)
                board.commit(commit.id(), commit.author(), commit.message(), Optional.ofNullable(commit.when()));
                distrust(report, commit, trigger, untrusted);
                settingsOfApplied();
                rollBack(report);
                return report;
            }
            signed = verdict.map(Verdict.Trusted.class::cast);
        } catch (SourceException e) {
            checkout.close();
            board.failure = e.getMessage();
            return report.log("cannot verify commit " + commit.id() + ": " + e.getMessage());
        }
        board.commit(commit.id(), commit.author(), commit.message(), Optional.ofNullable(commit.when()),
                signed.map(Verdict.Trusted::summary));
        trustedAgain(commit.id(), report);
        endHolds(commit.id(), report);
        forwardOnly.endAllowance(commit.id()).ifPresent(report::log);
        rollBack(report);
        Workspace workspace;
        try {
            workspace = workspaces.open(settings.ref(), settings.hosts(), checkout);
        } catch (ValidationException e) {
            // driftless.yaml itself is broken: no host can be told apart, the commit fails on all of them
            if (memory.failure(AgentMemory.EVERY_HOST).filter(f -> f.commit().equals(commit.id())).isEmpty()) {
                Map<String, FailureKind> failed = new LinkedHashMap<>();
                failed.put(AgentMemory.EVERY_HOST, FailureKind.DETERMINISTIC);
                (workspaces.knownHosts().isEmpty() ? memory.targets().keySet() : workspaces.knownHosts())
                        .forEach(host -> failed.put(host, FailureKind.DETERMINISTIC));
                Instant now = clock.instant();
                fail(report, commit, trigger, now, now, "the repository does not validate: " + problems(e), List.of(),
                        failed);
            }
            settingsOfApplied();
            return report;
        }
        try (workspace) {
            List<String> hosts = workspace.hosts().stream().map(dev.driftless.model.Host::name).toList();
            // named in status even where the commit is refused (a host new in a rewritten history shows its refusal)
            workspaces.knownHosts(hosts);
            List<String> due = hostsDue(hosts, commit.id());
            List<String> held = due.stream().filter(memory::suspended).toList();
            held.forEach(host -> board.setHost(host, SyncState.PENDING));
            List<String> active = due.stream().filter(h -> !held.contains(h)).toList();
            if (!held.isEmpty() && active.isEmpty() && !commit.id().equals(board.appliedCommit)) {
                report.log("commit " + commit.id() + " held back on " + String.join(", ", held)
                        + ": automatic applies are suspended there");
            }
            if (settings.dryRun()) {
                accepted(workspace);
                return active.isEmpty() ? report : dryRun(report, workspace, active, trigger);
            }
            ForwardOnly.Decision decision = forwardOnly.decide(checkout, active);
            // its settings count once it is applied somewhere: a commit refused everywhere must not redirect
            // notifications (nor is it what held hosts will get)
            boolean refusedBefore = hosts.stream()
                    .anyMatch(h -> memory.refusal(h).filter(r -> r.commit().equals(commit.id())).isPresent());
            if (!decision.forward().isEmpty() || !decision.allowed().isEmpty() || hosts.stream()
                    .anyMatch(h -> memory.target(h).equals(Optional.of(commit.id())))
                    || (!refusedBefore && decision.refused().isEmpty() && decision.undecided().isEmpty())) {
                accepted(workspace);
            } else {
                settingsOfApplied();
            }
            refuse(report, commit, trigger, decision);
            Optional<String> signer = signed.map(Verdict.Trusted::summary);
            if (!decision.forward().isEmpty()) {
                apply(report, workspace, decision.forward(), trigger, signer);
                memory.advanced(reached(decision.forward(), commit.id()), commit.id(),
                        checkout.tag().map(t -> t.name()));
            }
            if (!decision.allowed().isEmpty()) {
                apply(report, workspace, decision.allowed(), "rewind allowed by " + forwardOnly.allowedBy(commit.id()),
                        signer);
                memory.advanced(reached(decision.allowed(), commit.id()), commit.id(),
                        checkout.tag().map(t -> t.name()));
            }
        }
        return report;
    }

    /** The verdict on the commit read, when signatures are verified; a commit is verified once, not every fetch. */
    private Optional<Verdict> verdict(RepoSource.Checkout checkout) {
        if (trust.isEmpty()) {
            return Optional.empty();
        }
        // in tag mode the tag is what is verified: another tag of the same commit is verified anew
        String id = checkout.commit().id() + checkout.tag().map(t -> " " + t.objectId()).orElse("");
        if (!id.equals(verifiedCommit)) {
            verdict = checkout.verify(trust.get());
            verifiedCommit = id;
        }
        return Optional.of(verdict);
    }

    /**
     * Records, notifies and shows once that the ref's commit is not trusted. Nothing of it is applied anywhere; every
     * host keeps its commit, and the drift checks go on against it.
     */
    private void distrust(CycleReport report, RepoSource.CommitInfo commit, String trigger,
            Verdict.Untrusted untrusted) {
        String error = "untrusted commit " + PlanPrinter.shortRevision(commit.id()) + " (" + untrusted.reason().word()
                + untrusted.signer().map(s -> ", signed by " + s).orElse("") + "): " + untrusted.detail()
                + "; nothing of it is applied: the hosts stay at their commit and drift checks go on against it";
        board.failedCommit = commit.id();
        board.failure = error;
        if (memory.distrust().filter(d -> d.commit().equals(commit.id())).isPresent()) {
            return; // recorded and notified when it was first fetched
        }
        Instant now = clock.instant();
        memory.distrusted(new AgentMemory.Distrust(commit.id(), untrusted.reason().word(),
                untrusted.signer().orElse(""), untrusted.detail(), now.toString()));
        board.untrusted = new AgentStatus.Untrusted(commit.id(), untrusted.reason().word(), untrusted.signer(),
                untrusted.detail(), now);
        metrics.untrusted();
        report.record(new Reconcile(0, Reconcile.Kind.APPLY, trigger, commit.id(), commit.author(), commit.message(),
                now, now, Reconcile.Result.FAILED, error, List.of()).withSigner(untrusted.signer().orElse(null)));
        report.event(new Event(Event.Kind.UNTRUSTED_COMMIT, "", "", commit.id(), error, now)
                .withSigner(untrusted.signer().orElse("")));
    }

    /** A trusted commit is the ref's: an untrusted one before it is no longer what status reports. */
    private void trustedAgain(String commit, CycleReport report) {
        memory.distrust().ifPresent(d -> {
            memory.trustedAgain();
            report.log("commit " + PlanPrinter.shortRevision(commit) + " is trusted; untrusted commit "
                    + PlanPrinter.shortRevision(d.commit()) + " is not the ref's any more");
            if (d.commit().equals(board.failedCommit)) {
                board.failedCommit = null;
                board.failure = null;
            }
        });
        board.untrusted = null;
    }

    /** The commit read is what the hosts run now or are about to: its notification settings are the agent's. */
    private void accepted(Workspace workspace) {
        onCheckout.accept(workspace);
        settingsLoaded = true;
    }

    /**
     * The commit read is not (yet) applied anywhere: the notification settings stay those of the newest commit
     * applied, read from it once when the agent has none yet (after a start).
     */
    private void settingsOfApplied() {
        if (settingsLoaded) {
            return;
        }
        Optional<String> applied = memory.newest(AgentMemory.EVERY_HOST)
                .or(() -> Optional.ofNullable(board.appliedCommit));
        if (applied.isEmpty()) {
            return;
        }
        try (Workspace workspace = workspaces.open(applied, settings.hosts())) {
            accepted(workspace);
        } catch (SourceException | ValidationException e) {
            LOG.warn("cannot read the notification settings of commit {}, the newest applied: {}", applied.get(),
                    e.getMessage());
            settingsLoaded = true; // said once; the next commit applied brings its own
        }
    }

    /** The hosts among {@code hosts} whose target is {@code commit} now. */
    private List<String> reached(List<String> hosts, String commit) {
        return hosts.stream().filter(host -> memory.target(host).equals(Optional.of(commit))).toList();
    }

    /**
     * Records, notifies and shows once the hosts a commit is refused on as a step back; they keep their commit. Hosts
     * whose history could not be fetched to tell are only logged: the next fetch tries again.
     */
    private void refuse(CycleReport report, RepoSource.CommitInfo commit, String trigger,
            ForwardOnly.Decision decision) {
        decision.undecided().forEach((host, why) -> report.log("commit " + PlanPrinter.shortRevision(commit.id())
                + " not applied on " + host + " yet: " + why + "; the next fetch tries again"));
        if (decision.refused().isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        Map<String, List<String>> byReason = new LinkedHashMap<>();
        decision.refused().forEach((host, why) -> byReason.computeIfAbsent(why, w -> new ArrayList<>()).add(host));
        List<String> parts = new ArrayList<>();
        byReason.forEach((why, hosts) -> parts.add(String.join(", ", hosts) + ": " + why));
        String error = "rewind refused on " + String.join("; ", parts) + "; " + ForwardOnly.remedy(commit.id());
        List<ServiceOutcome> outcomes = new ArrayList<>();
        decision.refused().forEach((host, why) -> {
            memory.refused(host, new AgentMemory.Refusal(commit.id(), memory.newest(host).orElse(""), why,
                    now.toString()));
            outcomes.add(new ServiceOutcome(host, null, ServiceOutcome.Status.FAILED, why, List.of()));
        });
        report.record(new Reconcile(0, Reconcile.Kind.APPLY, trigger, commit.id(), commit.author(), commit.message(),
                now, now, Reconcile.Result.FAILED, error, outcomes));
        report.event(new Event(Event.Kind.REWIND_REFUSED, "", "", commit.id(), error, now));
        board.failedCommit = commit.id();
        board.failure = error;
    }

    /**
     * Ends the rollback hold of each host for which a commit other than the newest known at its rollback arrived:
     * from now on the host follows the ref again (this cycle applies that commit to it).
     */
    private void endHolds(String latest, CycleReport report) {
        memory.holds().forEach((host, hold) -> {
            if (!hold.newest().equals(latest)) {
                memory.release(host);
                report.log("the rollback of " + host + " to " + PlanPrinter.shortRevision(hold.commit()) + " (by "
                        + hold.by() + ") ends: commit " + PlanPrinter.shortRevision(latest) + " arrived after it");
            }
        });
    }

    /**
     * Applies to each held host the commit it was rolled back to, when it does not have it yet, as any apply (health
     * checks after it, recorded with the trigger "rollback by NAME"); a rollback that failed on a host deterministically
     * is not tried again there.
     */
    private void rollBack(CycleReport report) {
        if (settings.dryRun()) {
            return;
        }
        Instant now = clock.instant();
        record Asked(String commit, String by) {
        }
        Map<Asked, List<String>> due = new LinkedHashMap<>();
        memory.holds().forEach((host, hold) -> {
            boolean failed = memory.failure(host).filter(f -> f.blocks(hold.commit(), now)).isPresent();
            if (!memory.target(host).equals(Optional.of(hold.commit())) && !failed) {
                due.computeIfAbsent(new Asked(hold.commit(), hold.by()), h -> new ArrayList<>()).add(host);
            }
        });
        due.forEach((asked, hosts) -> {
            String trigger = "rollback by " + asked.by();
            // not a rewind (ForwardOnly): every host here ran this commit before and was healthy at it (RollbackCheck);
            // the commits that follow are compared with the newest commit the host ran, which this leaves as it was
            try (Workspace workspace = workspaces.open(Optional.of(asked.commit()), hosts)) {
                apply(report, workspace, hosts, trigger, Optional.empty());
            } catch (SourceException | ValidationException e) {
                Map<String, FailureKind> failed = new LinkedHashMap<>();
                hosts.forEach(host -> failed.put(host, FailureKind.DETERMINISTIC));
                String error = e instanceof ValidationException v ? "the repository does not validate: " + problems(v)
                        : e.getMessage();
                fail(report, new RepoSource.CommitInfo(asked.commit(), "", "", null), trigger, now, clock.instant(),
                        "cannot roll back: " + error, List.of(), failed);
            }
        });
    }

    /** Fetches; false (with what to report) when the source cannot be reached. */
    private boolean fetch(CycleReport report) {
        metrics.fetched();
        schedule.fetching();
        try {
            source.fetch(settings.repo(), settings.ref());
        } catch (SourceException e) {
            Duration backoff = schedule.sourceFailed();
            metrics.fetchFailed();
            boolean first = board.sourceError == null;
            board.sourceError = e.getMessage();
            if (first) {
                board.unavailableSince = clock.instant();
            }
            report.log("source unavailable (attempt " + schedule.sourceFailures() + ", next in " + backoff.toSeconds()
                    + " s): " + e.getMessage());
            if (first) {
                report.event(new Event(Event.Kind.SOURCE_UNAVAILABLE, "", "", Optional.ofNullable(board.appliedCommit)
                        .orElse(""), e.getMessage(), clock.instant()));
            }
            return false;
        }
        if (board.sourceError != null) {
            report.event(new Event(Event.Kind.RECOVERED, "", "", Optional.ofNullable(board.appliedCommit).orElse(""),
                    "source reachable again after " + schedule.sourceFailures() + " failed fetch(es)", clock.instant()));
        }
        board.sourceError = null;
        board.unavailableSince = null;
        board.fetchedAt = clock.instant();
        schedule.sourceReached();
        return true;
    }

    /**
     * The hosts that should get {@code commit} now: those whose target it is not, except where it failed
     * deterministically, or failed transiently and its retry is not due yet (the loop wakes up for it).
     */
    private List<String> hostsDue(List<String> hosts, String commit) {
        Instant now = clock.instant();
        List<String> due = new ArrayList<>();
        for (String host : hosts) {
            if (memory.target(host).equals(Optional.of(commit)) || memory.hold(host).isPresent()) {
                continue;
            }
            // refused as a step back before: not again (nor said again) until a newer commit or an operator's leave
            if (memory.refusal(host).filter(r -> r.commit().equals(commit)).isPresent()
                    && !forwardOnly.allows(commit)) {
                continue;
            }
            Optional<AgentMemory.Failure> failure = memory.failure(host)
                    .or(() -> memory.failure(AgentMemory.EVERY_HOST));
            if (failure.isPresent() && failure.get().blocks(commit, now)) {
                if (failure.get().kind() == FailureKind.TRANSIENT) {
                    schedule.retryBy(Instant.parse(failure.get().retryAt()));
                }
                continue;
            }
            due.add(host);
        }
        return due;
    }

    /** Applies the commit of {@code workspace} to {@code hosts}; {@code signer}: who signed it, when verified. */
    private void apply(CycleReport report, Workspace workspace, List<String> hosts, String trigger,
            Optional<String> signer) {
        CycleReport signed = new CycleReport();
        applyTo(signed, workspace, hosts, trigger);
        signed.reconciles().forEach(r -> report.record(r.commit() != null && r.commit().equals(workspace.commit().id())
                && r.kind() == Reconcile.Kind.APPLY ? r.withSigner(signer.orElse(null)) : r));
        signed.events().forEach(e -> report.event(e.withSigner(signer.orElse(""))));
        signed.lines().forEach(report::log);
    }

    private void applyTo(CycleReport report, Workspace workspace, List<String> hosts, String trigger) {
        Instant started = clock.instant();
        RepoSource.CommitInfo commit = workspace.commit();
        memory.begin(commit.id(), started);
        activity.start("the apply of commit " + commit.id());
        // said at once, not with the report at the end: an apply may take long, and this is what a stuck one shows
        LOG.info("applying commit {} on {}", commit.id(), String.join(", ", hosts));
        boolean decided = false;
        try {
            List<ServiceOutcome> outcomes = new ArrayList<>();
            String error = null;
            List<HostOutcome> results = List.of();
            AlertReview review = null;
            try (Workspace narrowed = hosts.size() < workspace.hosts().size()
                    ? workspaces.open(Optional.of(commit.id()), hosts) : null) {
                Workspace target = narrowed != null ? narrowed : workspace;
                review = new AlertReview(alertServices(target));
                results = reconciler()
                        .apply(target, settings.parallel(), h -> ApplyListener.SILENT, o -> { }, review);
                if (Outcomes.record(results, outcomes, board, false)) {
                    error = outcomes.stream().filter(o -> o.status() == ServiceOutcome.Status.FAILED)
                            .map(o -> Outcomes.where(o) + ": " + o.error()).reduce((a, b) -> a + "; " + b)
                            .orElse("failed");
                }
            } catch (ValidationException e) {
                if (workspaces.stopping() && activity.overBudget(settings.unhealthyAfter()).isEmpty()) {
                    // a SIGTERM stopped the rendering: not the commit's fault, tried again after the restart
                    report.log("stopped while rendering commit " + commit.id() + "; it is applied after the next start");
                    memory.end();
                    decided = true;
                    return;
                }
                error = "the repository does not validate: " + problems(e);
            } catch (RuntimeException e) {
                error = String.valueOf(e.getMessage());
            } catch (StackOverflowError | OutOfMemoryError e) {
                // what a hostile commit can still do that no limit caught: fail the commit, keep the agent
                error = "the apply ran out of " + (e instanceof OutOfMemoryError ? "memory" : "stack") + " (" + e + ")";
            }
            Instant finished = clock.instant();
            if (review != null) {
                reportHandEdits(report, review, commit, started);
            }
            List<String> applied = new ArrayList<>();
            // hosts the commit failed on that run it all the same: a service unhealthy after it says onFailure: keep,
            // or its rollback was refused; their target moves (the drift check must not undo what was kept), and
            // the commit is still remembered as failed there
            List<String> kept = new ArrayList<>();
            for (HostOutcome result : results) {
                if (result instanceof HostOutcome.Applied a && a.succeeded()) {
                    applied.add(a.host());
                } else if (result instanceof HostOutcome.Applied a && a.result().succeeded()
                        && a.rollback().flatMap(HostOutcome.Rollback::applied).isEmpty()) {
                    kept.add(a.host());
                }
            }
            List<String> targeted = new ArrayList<>(applied);
            targeted.addAll(kept);
            memory.applied(targeted, commit.id());
            for (String host : applied) {
                long changed = outcomes.stream().filter(o -> o.host().equals(host))
                        .mapToLong(o -> o.changes().size()).sum();
                report.log("applied commit " + PlanPrinter.shortRevision(commit.id()) + " on " + host + ": "
                        + (changed == 0 ? "nothing changed" : changed + " changed"));
            }
            if (error != null) {
                Map<String, FailureKind> failed = new LinkedHashMap<>();
                for (String host : hosts) {
                    if (!applied.contains(host)) {
                        failed.put(host, kindOf(results, host));
                    }
                }
                fail(report, commit, trigger, started, finished, error, outcomes, failed);
                // the services of the commit that did apply are reported as such, next to those that failed
                applied(report, outcomes, commit, finished);
            } else {
                Reconcile.Result result = outcomes.stream().allMatch(o -> o.status() == ServiceOutcome.Status.UNCHANGED)
                        ? Reconcile.Result.NO_CHANGES : Reconcile.Result.SUCCEEDED;
                report.record(new Reconcile(0, Reconcile.Kind.APPLY, trigger, commit.id(), commit.author(),
                        commit.message(), started, finished, result, null, outcomes));
                // a rollback to an older commit is not what the agent follows: it moves its host's target only
                if (commit.id().equals(board.latestCommit)) {
                    if (board.failedCommit != null && hosts.containsAll(workspace.hosts().stream()
                            .map(dev.driftless.model.Host::name).toList())) {
                        board.failedCommit = null;
                        board.failure = null;
                    }
                    board.appliedCommit = commit.id();
                    board.appliedAt = finished;
                }
                applied(report, outcomes, commit, finished);
            }
            healthChanges(report, results, commit, finished);
            memory.end();
            decided = true;
        } finally {
            activity.end();
            if (!decided) {
                memory.end();
            }
        }
    }

    /**
     * Plans and applies as {@code driftless apply} does, checking health with the agent's checks: a commit new to a
     * host pulls the images of the stacks that say {@code pull: always}.
     */
    private Reconciler reconciler() {
        return new Reconciler(settings.lockTimeout(), settings.handlerTimeout(), new KnownFiles(), checks, true,
                ImagePull.AS_STACKS_SAY);
    }

    private static void applied(CycleReport report, List<ServiceOutcome> outcomes, RepoSource.CommitInfo commit,
            Instant finished) {
        for (ServiceOutcome o : outcomes) {
            if (o.status() == ServiceOutcome.Status.APPLIED) {
                report.event(new Event(Event.Kind.APPLIED, o.host(), o.service(), commit.id(),
                        Outcomes.summary(o.changes()), finished));
            }
        }
    }

    /** Each service whose health the apply (or its rollback) changed: the status board, and unhealthy or healthy. */
    private void healthChanges(CycleReport report, List<HostOutcome> results, RepoSource.CommitInfo commit,
            Instant at) {
        for (HostOutcome result : results) {
            if (result instanceof HostOutcome.Applied a) {
                Outcomes.healthAfter(a).forEach((service, health) -> Outcomes.healthChange(a.host(), health,
                        board.health(a.host(), service, health.state()), commit.id(), at).ifPresent(report::event));
            }
        }
    }

    /** Plans instead of applying: what would change, recorded and shown as pending, once per commit. */
    private CycleReport dryRun(CycleReport report, Workspace workspace, List<String> hosts, String trigger) {
        RepoSource.CommitInfo commit = workspace.commit();
        Instant started = clock.instant();
        activity.start("the dry run of commit " + commit.id());
        try (Workspace narrowed = hosts.size() < workspace.hosts().size()
                ? workspaces.open(Optional.of(commit.id()), hosts) : null) {
            List<HostOutcome> results = reconciler()
                    .plan(narrowed != null ? narrowed : workspace, settings.parallel(), o -> { });
            List<ServiceOutcome> outcomes = new ArrayList<>();
            Outcomes.recordPlans(results, outcomes, board);
            if (!commit.id().equals(dryRunReported)) {
                dryRunReported = commit.id();
                report.record(new Reconcile(0, Reconcile.Kind.APPLY, trigger, commit.id(), commit.author(),
                        commit.message(), started, clock.instant(), Reconcile.Result.SKIPPED,
                        "dry run: nothing applied", outcomes));
                report.log("dry run: commit " + commit.id() + " not applied on " + String.join(", ", hosts));
            }
        } catch (ValidationException e) {
            board.failure = "the repository does not validate: " + problems(e);
        } finally {
            activity.end();
        }
        return report;
    }

    /** Hand edits of alert services found while applying: those overwritten are reported first. */
    private void reportHandEdits(CycleReport report, AlertReview review, RepoSource.CommitInfo commit, Instant at) {
        List<ServiceOutcome> overwritten = new ArrayList<>();
        for (AlertReview.Finding finding : review.findings()) {
            List<dev.driftless.store.ResourceChange> changes = finding.edited().stream()
                    .map(Outcomes::resourceChange).toList();
            if (finding.overwritten()) {
                overwritten.add(new ServiceOutcome(finding.host(), finding.service(), ServiceOutcome.Status.DRIFTED,
                        null, changes));
                report.event(new Event(Event.Kind.DRIFT_FOUND, finding.host(), finding.service(), commit.id(),
                        "overwrote a hand edit (the commit changes this service): " + Outcomes.summary(changes), at));
            } else {
                board.set(finding.host(), finding.service(), SyncState.DRIFTED, changes.size());
                report.event(new Event(Event.Kind.DRIFT_FOUND, finding.host(), finding.service(), commit.id(),
                        Outcomes.summary(changes), at));
            }
        }
        if (!overwritten.isEmpty()) {
            // what the hand edit was, recorded before the apply that replaces it
            report.record(new Reconcile(0, Reconcile.Kind.DRIFT_CHECK, "apply", commit.id(), "", "", at, at,
                    Reconcile.Result.DRIFT_FOUND, null, overwritten));
        }
    }

    private void fail(CycleReport report, RepoSource.CommitInfo commit, String trigger, Instant started,
            Instant finished, String error, List<ServiceOutcome> outcomes, Map<String, FailureKind> hosts) {
        report.record(new Reconcile(0, Reconcile.Kind.APPLY, trigger, commit.id(), commit.author(), commit.message(),
                started, finished, Reconcile.Result.FAILED, error, outcomes));
        hosts.forEach((host, kind) -> {
            int attempts = memory.failure(host).filter(f -> f.commit().equals(commit.id())).map(f -> f.attempts() + 1)
                    .orElse(1);
            Instant retry = finished.plus(Schedule.backoff(attempts, settings.interval()));
            memory.failed(host, new AgentMemory.Failure(commit.id(), kind, error, finished.toString(), attempts,
                    retry.toString()));
            if (kind == FailureKind.TRANSIENT) {
                schedule.retryBy(retry);
            }
        });
        boolean repeated = commit.id().equals(board.failedCommit);
        board.failedCommit = commit.id();
        board.failure = error;
        // each service (or host) that failed is reported on its own, naming what failed and why; a commit that
        // failed as a whole (it does not validate) once
        List<ServiceOutcome> failed = outcomes.stream().filter(o -> o.status() == ServiceOutcome.Status.FAILED)
                .toList();
        if (!repeated && failed.isEmpty()) {
            report.event(new Event(Event.Kind.FAILED, "", "", commit.id(), error, finished));
        } else if (!repeated) {
            failed.forEach(o -> report.event(new Event(Event.Kind.FAILED, o.host(), o.service(), commit.id(),
                    Outcomes.failureReport(o), finished)));
        } else {
            report.log("commit " + commit.id() + " failed again: " + error);
        }
    }

    /** Transient when the host could not be reached (or locked) in time; deterministic otherwise. */
    private static FailureKind kindOf(List<HostOutcome> results, String host) {
        return results.stream().filter(r -> r.host().equals(host)).findFirst()
                .map(r -> r instanceof HostOutcome.Failed f ? f.kind() : r instanceof HostOutcome.Applied a
                        && a.unhealthy().isEmpty() ? a.result().failure().map(c -> c.kind())
                        .orElse(FailureKind.DETERMINISTIC) : FailureKind.DETERMINISTIC)
                .orElse(FailureKind.DETERMINISTIC);
    }

    private static Set<String> alertServices(Workspace workspace) {
        return workspace.repository().services().stream().filter(s -> s.drift() == DriftPolicy.ALERT)
                .map(Service::name).collect(Collectors.toSet());
    }

    static String problems(ValidationException e) {
        return e.problems().stream().map(Object::toString).reduce((a, b) -> a + "; " + b).orElse("");
    }
}
