package dev.driftless.apply;

import dev.driftless.compose.EngineState;
import dev.driftless.compose.StackRecord;
import dev.driftless.host.CommandResult;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.plan.Action;
import dev.driftless.plan.Change;
import dev.driftless.plan.HandlerRun;
import dev.driftless.plan.HostPlan;
import dev.driftless.plan.Planner;
import dev.driftless.plan.Takeover;
import dev.driftless.model.Unit;
import dev.driftless.render.Desired;
import dev.driftless.report.FailureKind;
import dev.driftless.state.Backups;
import dev.driftless.state.HostState;
import dev.driftless.state.StateFile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Executes a {@link HostPlan} on its host: changes in plan order, then the handlers, then records the
 * new state. It decides nothing; a crash at any point leaves every file old or new and the next apply
 * converges (handlers owed by an interrupted apply are recorded first and run then).
 */
public final class Applier {

    private final Duration handlerTimeout;

    public Applier(Duration handlerTimeout) {
        this.handlerTimeout = handlerTimeout;
    }

    /**
     * Applies the plan; {@code mask} replaces the repository's secret values in what handlers print and in
     * why they could not run, before anyone (the listener, the result) sees it.
     */
    public ApplyResult apply(HostPlan plan, Host host, UnaryOperator<String> mask, ApplyListener listener) {
        return apply(plan, host, mask, listener, false);
    }

    /**
     * The same; with {@code healthyWhenDone} an apply that succeeds records its revision as the host's healthy one in
     * the state it writes last (its services have no health check to pass first: one write, not two).
     */
    public ApplyResult apply(HostPlan plan, Host host, UnaryOperator<String> mask, ApplyListener listener,
            boolean healthyWhenDone) {
        HostState previous = plan.previous();
        List<String> handlerIds = plan.handlers().stream().map(HandlerRun::id).toList();
        // a write cut short (a kill, a power loss) leaves its temporary file, perhaps a secret's: remove them
        // on every apply, as the state cannot tell (the state file itself may be what was cut short); a remote
        // host's plan has looked for them in these folders (and said none: one round trip fewer)
        if (plan.leftovers()) {
            host.removeLeftovers(parentsOf(plan));
        }
        if (!plan.changes().isEmpty()) {
            // before touching a file: mark the state incomplete (so nothing trusts it until this apply
            // ends) and record the handlers as owed, so a crash cannot lose them
            Set<String> owed = new LinkedHashSet<>(previous.pendingHandlers());
            owed.addAll(handlerIds);
            StateFile.write(host, new HostState(HostState.VERSION, host.name(), previous.revision(), previous.appliedAt(),
                    false, previous.resources(), List.copyOf(owed), previous.healthy()));
        }
        Set<Change> applied = new LinkedHashSet<>();
        SystemCommands system = new SystemCommands(host, mask);
        List<Change> packages = plan.changes().stream().filter(c -> c.kind().equals("package")
                && c.desired().isPresent()).toList();
        List<Change> units = plan.changes().stream().filter(c -> c.kind().equals("unit")
                && c.desired().isPresent()).toList();
        boolean unitsChanged = false; // a unit file written or removed, or a unit disabled: systemd must reload
        boolean reloaded = false;
        boolean backupsReady = false;
        // stacks come up last, each its own compose project: one that fails leaves the others to come up
        List<Change> failedStacks = new ArrayList<>();
        Optional<ApplyResult.ChangeFailure> stackFailure = Optional.empty();
        List<Change> changes = plan.changes();
        for (int at = 0; at < changes.size(); at++) {
            Change change = changes.get(at);
            if (isWrite(change)) {
                // a run of files, directories and links goes to the host as one batch (one round trip over SSH)
                int end = at;
                while (end < changes.size() && isWrite(changes.get(end))) {
                    end++;
                }
                List<Change> run = changes.subList(at, end);
                Optional<ApplyResult.ChangeFailure> failure = writeRun(run, host, applied, listener, !backupsReady);
                backupsReady |= run.stream().anyMatch(Applier::needsBackup);
                unitsChanged |= run.stream().filter(applied::contains).anyMatch(c -> Unit.isUnitFile(c.path()));
                if (failure.isPresent()) {
                    return failed(host, plan.stateAfterFailure(applied, List.of(failure.get().change()), handlerIds),
                            applied, failure.get());
                }
                at = end - 1;
                continue;
            }
            try {
                if (packages.contains(change)) {
                    if (change == packages.get(0)) {
                        system.packages(plan, packages); // one command for all, when the first is reached
                    }
                } else if (units.contains(change)) {
                    if (change == units.get(0)) {
                        // one command for all, which reloads systemd once, when the first is reached
                        SystemCommands.UnitsRun run = system.units(units.stream()
                                .map(c -> (Desired.Unit) c.desired().orElseThrow()).toList());
                        reloaded = true;
                        for (Change done : units.subList(0, run.done())) {
                            applied.add(done);
                            listener.applied(done, "");
                        }
                        if (run.failure().isPresent()) {
                            Change failed = units.get(run.failed());
                            record(host, plan.stateAfterFailure(applied, units.subList(0, run.touched()),
                                    handlerIds), applied);
                            return new ApplyResult(List.copyOf(applied), Optional.of(new ApplyResult.ChangeFailure(
                                    failed, run.failure().get().getMessage(), run.failure().get().kind())), List.of());
                        }
                    }
                    continue;
                } else if (change.kind().equals("stack")) {
                    stack(change, plan, system, applied);
                } else if (change.kind().equals("unit")) {
                    system.removeUnit(change.path().substring(Desired.Unit.PREFIX.length()));
                    unitsChanged = true;
                } else if (change.action() != Action.RELEASE) {
                    if (change.takeover() instanceof Takeover.Adopt adopt && !adopt.backupKept()) {
                        if (!backupsReady) {
                            Backups.prepare(host);
                            backupsReady = true;
                        }
                        // before the path is replaced: a crash in between leaves the backup and the old path
                        Backups.keep(host, change.path(), adopt.found());
                    }
                    String note = execute(change, host);
                    unitsChanged |= Unit.isUnitFile(change.path());
                    applied.add(change);
                    listener.applied(change, note);
                    continue;
                }
                applied.add(change);
                listener.applied(change, "");
            } catch (HostException e) {
                if (change.kind().equals("stack") && change.action() != Action.DELETE) {
                    failedStacks.add(change);
                    stackFailure = stackFailure.or(() -> Optional.of(new ApplyResult.ChangeFailure(change,
                            e.getMessage(), e.kind())));
                    continue;
                }
                return failed(host, plan.stateAfterFailure(applied, List.of(change), handlerIds), applied,
                        new ApplyResult.ChangeFailure(change, e.getMessage(), e.kind()));
            }
        }
        if (unitsChanged && !reloaded) {
            try {
                system.daemonReload(); // unit files changed, no unit state did: restarts need the new files read
            } catch (HostException e) {
                Change last = plan.changes().get(plan.changes().size() - 1);
                record(host, plan.stateAfter(applied, handlerIds), applied);
                return new ApplyResult(List.copyOf(applied),
                        Optional.of(new ApplyResult.ChangeFailure(last, e.getMessage(), e.kind())), List.of());
            }
        }
        if (stackFailure.isPresent()) {
            record(host, plan.stateAfterFailure(applied, failedStacks, handlerIds), applied);
            return new ApplyResult(List.copyOf(applied), stackFailure, List.of());
        }
        Map<String, String> environment = Map.of("DRIFTLESS_HOST", host.name(),
                "DRIFTLESS_REVISION", plan.desired().revision(), "DRIFTLESS_ROOT", host.root());
        List<HandlerResult> ran = new ArrayList<>();
        for (HandlerRun handler : plan.handlers()) {
            HandlerResult result = run(handler, host, environment, mask);
            listener.handlerRan(result);
            ran.add(result);
        }
        List<String> failed = ran.stream().filter(r -> !r.succeeded()).map(r -> r.handler().id()).toList();
        HostState next = plan.stateAfter(applied, failed);
        if (healthyWhenDone && failed.isEmpty() && next.complete()) {
            next = next.withHealthy(next.revision());
        }
        // the state on the host is the incomplete one written above whenever there were changes
        if (!plan.changes().isEmpty() || !sameContent(previous, next)) {
            record(host, next, applied);
        }
        return new ApplyResult(List.copyOf(applied), Optional.empty(), ran);
    }

    /**
     * Records the state after {@code failure} and says so. When the failure was the connection's, the state cannot
     * be written either: the host keeps the state this apply marked incomplete, which the next apply reads as such,
     * and the failure reported is the one that happened, not the state's.
     */
    private static ApplyResult failed(Host host, HostState state, Set<Change> applied,
            ApplyResult.ChangeFailure failure) {
        try {
            record(host, state, applied);
        } catch (HostException e) {
            if (failure.kind() != FailureKind.TRANSIENT) {
                throw e;
            }
        }
        return new ApplyResult(List.copyOf(applied), Optional.of(failure), List.of());
    }

    /**
     * Writes the state, then drops the backups of the paths {@code applied} put back: only once the state no longer
     * records them, so that an apply cut short in between puts them back again rather than deleting them.
     */
    private static void record(Host host, HostState state, Collection<Change> applied) {
        StateFile.write(host, state);
        for (Change change : applied) {
            if (change.takeover() instanceof Takeover.Restore) {
                Backups.drop(host, change.path());
            }
        }
    }

    /** Brings a stack up (after every file of this apply is written) or down (before its files are removed). */
    private static void stack(Change change, HostPlan plan, SystemCommands system, Set<Change> applied) {
        EngineState engine = plan.system().engine();
        String cli = engine.cli().orElse("docker");
        if (change.action() == Action.DELETE) {
            StackRecord record = StackRecord.of(plan.previous().resources().get(change.path()).target());
            system.stackDown(change.path().substring(Desired.Stack.PREFIX.length()), record.directory(),
                    record.dockerHost(), record.removeVolumes(), cli, engine.compose());
            return;
        }
        Set<String> written = new LinkedHashSet<>();
        applied.forEach(c -> {
            if (c.desired().isPresent() && c.desired().get() instanceof Desired.File) {
                written.add(c.path());
            }
        });
        system.stackUp((Desired.Stack) change.desired().orElseThrow(), plan.desired().host().dockerHost(), cli,
                engine.compose().orElseThrow(() -> new HostException(plan.hostName() + ": no compose (the plan should"
                        + " have said so)")), false, written, plan.desired().registries());
    }

    private HandlerResult run(HandlerRun handler, Host host, Map<String, String> environment,
            UnaryOperator<String> mask) {
        try {
            CommandResult result = host.run(handler.command(), environment, handlerTimeout);
            HandlerResult.Ending ending = result.timedOut() ? new HandlerResult.TimedOut(handlerTimeout)
                    : new HandlerResult.Exited(result.exitCode());
            return new HandlerResult(handler, ending, OutputTail.of(result.output(), mask));
        } catch (HostException e) {
            return new HandlerResult(handler, new HandlerResult.NotRun(mask.apply(e.getMessage())), OutputTail.NONE);
        }
    }

    /** The folders the plan's reading looked for leftovers in (see {@link Planner#leftoverFolders}). */
    private static Set<String> parentsOf(HostPlan plan) {
        List<String> paths = new ArrayList<>();
        plan.desired().resources().forEach(r -> paths.add(r.path()));
        plan.changes().forEach(c -> paths.add(c.path()));
        return Planner.leftoverFolders(plan.hostName(), plan.previous(), paths);
    }

    /** Applying twice changes nothing the second time, not even the state file's timestamp. */
    private static boolean sameContent(HostState a, HostState b) {
        return a.revision().equals(b.revision()) && a.complete() == b.complete() && a.healthy().equals(b.healthy())
                && a.resources().equals(b.resources())
                && a.pendingHandlers().equals(b.pendingHandlers());
    }

    /**
     * A file, directory or link to create, update or delete, which a batch of writes can carry (not a deletion that
     * puts a backup back: that reads the backup first).
     */
    private static boolean isWrite(Change change) {
        if (change.action() == Action.DELETE) {
            return !(change.takeover() instanceof Takeover.Restore) && Desired.isPath(change.path())
                    && Set.of("file", "directory", "symlink").contains(change.kind());
        }
        return change.action() != Action.RELEASE && change.desired().isPresent()
                && (change.desired().get() instanceof Desired.File || change.desired().get() instanceof Desired.Directory
                        || change.desired().get() instanceof Desired.Symlink);
    }

    private static boolean needsBackup(Change change) {
        return change.takeover() instanceof Takeover.Adopt adopt && !adopt.backupKept();
    }

    /**
     * Writes a run of changes as one batch: first the backups of what they take over (each before its path is
     * replaced), then the batch; the changes done are applied; the first that failed, if any, is returned.
     */
    private static Optional<ApplyResult.ChangeFailure> writeRun(List<Change> run, Host host, Set<Change> applied,
            ApplyListener listener, boolean prepareBackups) {
        boolean prepared = !prepareBackups;
        for (Change change : run) {
            if (change.takeover() instanceof Takeover.Adopt adopt && !adopt.backupKept()) {
                try {
                    if (!prepared) {
                        Backups.prepare(host);
                        prepared = true;
                    }
                    Backups.keep(host, change.path(), adopt.found());
                } catch (HostException e) {
                    return Optional.of(new ApplyResult.ChangeFailure(change, e.getMessage(), e.kind()));
                }
            }
        }
        List<Host.Write> writes = run.stream().map(Applier::writeOf).toList();
        Host.Written written;
        try {
            written = host.write(writes);
        } catch (HostException e) {
            return Optional.of(new ApplyResult.ChangeFailure(run.get(0), e.getMessage(), e.kind()));
        }
        for (int i = 0; i < run.size(); i++) {
            if (written.done().contains(i)) {
                applied.add(run.get(i));
                listener.applied(run.get(i), note(written.removals().get(i)));
            }
        }
        return written.failed().map(f -> new ApplyResult.ChangeFailure(run.get(f.index()), f.error().getMessage(),
                f.error().kind()));
    }

    private static Host.Write writeOf(Change change) {
        if (change.action() == Action.DELETE) {
            return new Host.Deletion(change.path());
        }
        Desired desired = change.desired().orElseThrow();
        if (desired instanceof Desired.File file) {
            return new Host.FileWrite(file.path(), file.content(), file.ownership());
        }
        if (desired instanceof Desired.Directory dir) {
            return new Host.DirectoryWrite(dir.path(), dir.ownership());
        }
        Desired.Symlink link = (Desired.Symlink) desired;
        return new Host.LinkWrite(link.path(), link.target());
    }

    /** What a deletion's line says besides the path (nothing when there was nothing to say, or no deletion). */
    private static String note(Host.Removal removal) {
        if (removal == null) {
            return "";
        }
        return switch (removal) {
            case REMOVED -> "";
            case ALREADY_GONE -> "already gone";
            case KEPT_NOT_EMPTY -> "kept: the directory is not empty (it holds files Driftless does not manage)";
        };
    }

    private static String execute(Change change, Host host) {
        if (change.action() == Action.DELETE && change.takeover() instanceof Takeover.Restore) {
            Backups.restore(host, change.path());
            return "";
        }
        if (change.action() == Action.DELETE) {
            return note(host.remove(change.path()));
        }
        Desired desired = change.desired().orElseThrow();
        if (desired instanceof Desired.File file) {
            host.writeFile(file.path(), file.content(), file.ownership());
        } else if (desired instanceof Desired.Directory dir) {
            host.makeDirectory(dir.path(), dir.ownership());
        } else if (desired instanceof Desired.Symlink link) {
            host.symlink(link.path(), link.target());
        }
        return "";
    }
}
