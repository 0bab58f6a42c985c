package dev.driftless.plan;

import dev.driftless.compose.StackRecord;
import dev.driftless.host.Host;
import dev.driftless.host.HostException;
import dev.driftless.host.LiveEntry;
import dev.driftless.host.LocalHost;
import dev.driftless.model.Ownership;
import dev.driftless.model.RegistryCredentials;
import dev.driftless.render.Desired;
import dev.driftless.render.DesiredHost;
import dev.driftless.render.SecretLines;
import dev.driftless.state.Backups;
import dev.driftless.state.HostState;
import dev.driftless.state.Fingerprint;
import dev.driftless.state.StateEntry;
import dev.driftless.state.StateFile;
import dev.driftless.system.SystemProbe;
import dev.driftless.system.SystemState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Compares what a host must have with what it has and what was last applied, and says what to change
 * and why (pending in Git, or drift on the host). Reads the host, never changes it.
 */
public final class Planner {


    /**
     * What a plan shows instead of the diff of a file that is a secret, or whose secret lines cannot be told apart
     * (flux diff prints **SOPS**). Other files rendered from secrets show their diff with those lines masked.
     */
    public static final String SENSITIVE = "(sensitive content changed)";

    /**
     * Above this size on either side a plan says how large the two are instead of showing a diff: the
     * host's file is then never read (a log grown to gigabytes would cost its size in memory, and a
     * diff of it minutes), only hashed as it streams from the disk.
     */
    static final int DIFF_LIMIT = 1024 * 1024;

    private final ImagePull pull;
    private final boolean diffs;

    /** A planner for plans, checks and the agent's heals: an image is pulled only when a host lacks it. */
    public Planner() {
        this(ImagePull.WHEN_MISSING);
    }

    /** A planner whose applies pull the images of compose stacks as {@code pull} says. */
    public Planner(ImagePull pull) {
        this(pull, true);
    }

    /**
     * The same; without {@code diffs} its changes carry no diff, and the host's files are not read for them (an
     * apply that prints no diff and keeps no history: over SSH, the old bytes of every changed file not sent).
     */
    public Planner(ImagePull pull, boolean diffs) {
        this.pull = pull;
        this.diffs = diffs;
    }

    /**
     * The cheap answer for the common case: when the host's state says {@code revision} was applied in
     * full, its recorded fingerprints are that revision's desired state, so comparing them with the host
     * tells which services drifted without reading or rendering the repository. Empty when the state
     * cannot tell (another revision, a partial or interrupted apply, owed handlers). Files are not read
     * again whose stat is the one the state records or the one {@code remembered} (what an earlier check
     * of this host saw: {@link RecordedCheck#remembered}) says.
     */
    public Optional<RecordedCheck> fromRecord(Host host, String revision, Map<String, LiveEntry.Known> remembered) {
        return fromRecord(host, revision, remembered, readState(host));
    }

    /** The same, with the state already read (under the lock, in the lock's own round trip). */
    public Optional<RecordedCheck> fromRecord(Host host, String revision, Map<String, LiveEntry.Known> remembered,
            HostState state) {
        if (!state.completelyApplied(revision) || pull.needsPlan(state)) {
            return Optional.empty();
        }
        Set<String> paths = new LinkedHashSet<>(state.resources().keySet());
        paths.removeIf(SystemChanges::isSystem);
        HostReading reading = HostReading.of(host, paths, known(state, remembered),
                SystemChanges.named(state.resources(), Desired.Package.PREFIX),
                SystemChanges.named(state.resources(), Desired.Unit.PREFIX), engine(state.resources(), Optional.empty()),
                Host.Accounts.NONE, leftoverFolders(host.name(), state, paths));
        Map<String, LiveEntry> live = reading.live();
        SystemState system = reading.system().state();
        Map<String, StateEntry> seen = new LinkedHashMap<>();
        Set<String> drifted = new LinkedHashSet<>();
        Map<String, LiveEntry.Known> hashed = new HashMap<>();
        for (Map.Entry<String, StateEntry> recorded : state.resources().entrySet()) {
            if (SystemChanges.isSystem(recorded.getKey())) {
                if (!SystemChanges.matches(recorded.getValue(), recorded.getKey(), system, !host.root().equals("/"))) {
                    drifted.add(recorded.getValue().service());
                }
                seen.put(recorded.getKey(), recorded.getValue());
                continue;
            }
            LiveEntry now = live.get(recorded.getKey());
            if (!matches(recorded.getValue(), now)) {
                drifted.add(recorded.getValue().service());
            }
            seen.put(recorded.getKey(), recorded.getValue().withStatOf(now));
            if (now instanceof LiveEntry.File file && file.stat() != null) {
                hashed.put(recorded.getKey(), new LiveEntry.Known(file.stat(), digest(recorded.getValue(), file)));
            }
        }
        return Optional.of(new RecordedCheck(state, seen, drifted, hashed, reading.leftovers()));
    }

    /**
     * What a file's content is known as: its digest, but for a file rendered from a secret that still
     * holds the content recorded, the recorded (salted) fingerprint, so that no bare digest of a secret
     * is kept beyond this check.
     */
    private static String digest(StateEntry recorded, LiveEntry.File file) {
        if (recorded.sensitive() && !Fingerprint.isSalted(file.sha256()) && Fingerprint.same(file.sha256(), recorded.sha256())) {
            return recorded.sha256();
        }
        return file.sha256();
    }

    /**
     * Whether the host's state says {@code revision} was applied in full, so the revision validated then
     * and its desired state is known from the record alone. Reads the host, never locks or changes it.
     */
    public boolean recordsApplied(Host host, String revision) {
        HostState state = readState(host);
        return state.completelyApplied(revision) && !pull.needsPlan(state);
    }

    /**
     * Plans a host from its rendered desired state; {@code scope} says which services that covers. Files
     * are not read again whose stat is the one the state records or the one {@code remembered} says.
     */
    public HostPlan plan(DesiredHost desired, Host host, Scope scope, Map<String, LiveEntry.Known> remembered) {
        return plan(desired, host, scope, remembered, readState(host));
    }

    /** The same, with the state already read (under the lock, in the lock's own round trip). */
    public HostPlan plan(DesiredHost desired, Host host, Scope scope, Map<String, LiveEntry.Known> remembered,
            HostState previous) {
        if (scope == Scope.SELECTED && previous.completelyApplied(desired.revision())) {
            // services of the revision the host has in full (a heal): the others' records are that revision's
            // already, so the state stays complete and later checks can still answer from it
            scope = Scope.DRIFTED;
        }
        return plan(desired, host, scope, previous, known(previous, remembered));
    }

    /**
     * The same, for the drifted services a {@link RecordedCheck} found: the files it hashed are not
     * hashed again while their stat is unchanged (a file grown to gigabytes is read once per check).
     */
    public HostPlan plan(DesiredHost desired, Host host, RecordedCheck record) {
        Map<String, LiveEntry.Known> known = known(record.state());
        known.putAll(record.hashed());
        return plan(desired, host, Scope.DRIFTED, record.state(), known);
    }

    private HostPlan plan(DesiredHost desired, Host host, Scope scope, HostState previous,
            Map<String, LiveEntry.Known> known) {
        desired = StackChanges.keepPins(desired, previous);
        Set<String> chosen = new LinkedHashSet<>(desired.services());
        Set<String> paths = new LinkedHashSet<>();
        desired.resources().forEach(r -> paths.add(r.path()));
        previous.resources().forEach((path, recorded) -> {
            if (scope.prunesEverything() || chosen.contains(recorded.service())) {
                paths.add(path); // what the plan may delete; other services' files are not its business
            }
        });
        Set<String> systemKeys = new LinkedHashSet<>(paths);
        systemKeys.removeIf(k -> !SystemChanges.isSystem(k));
        paths.removeAll(systemKeys);
        paths.addAll(backupsToLookFor(host, desired, previous, paths));
        Map<String, StateEntry> recordedStacks = new LinkedHashMap<>();
        previous.resources().forEach((key, entry) -> {
            if (systemKeys.contains(key) && StackChanges.isStack(key)) {
                recordedStacks.put(key, entry);
            }
        });
        boolean stacksDesired = desired.resources().stream().anyMatch(Desired.Stack.class::isInstance);
        HostReading read = HostReading.of(host, paths, known, SystemChanges.names(systemKeys, Desired.Package.PREFIX),
                SystemChanges.names(systemKeys, Desired.Unit.PREFIX), stacksDesired
                        ? new HostReading.Engine(true, desired.host().dockerHost())
                        : engine(recordedStacks, Optional.empty()), accountsNamed(desired), leftoverFolders(host.name(),
                        previous, paths));
        requireAccounts(desired, host, read.missing());
        Map<String, LiveEntry> live = new HashMap<>(read.live());
        SystemProbe.Reading reading = read.system();
        SystemChanges.requireSupported(host, desired.resources(), reading,
                desired.resources().stream().anyMatch(r -> SystemChanges.changesAptSources(r.path())));
        SystemState system = reading.state();
        boolean underRoot = !host.root().equals("/");
        List<Change> packageChanges = new ArrayList<>();
        List<Change> unitChanges = new ArrayList<>();
        List<Change> unitRemovals = new ArrayList<>();

        List<Change> changes = new ArrayList<>();
        Map<String, StateEntry> unchanged = new LinkedHashMap<>();
        Map<String, StateEntry> desiredEntries = new LinkedHashMap<>();
        Set<String> desiredPaths = new LinkedHashSet<>();
        List<Change> stackChanges = new ArrayList<>();
        List<Change> stackRemovals = new ArrayList<>();
        List<OwedDiff> owed = new ArrayList<>();
        for (Desired resource : desired.resources()) {
            desiredPaths.add(resource.path());
            if (resource instanceof Desired.Stack rendered) {
                Desired.Stack stack = pull.applied(rendered);
                List<String> registries = desired.host().registries().stream().map(RegistryCredentials::registry)
                        .toList();
                StateEntry wanted = StackChanges.entryFor(stack, desired.host().dockerHost(),
                        previous.resources().get(stack.path()));
                Optional<Change> change = StackChanges.change(stack, wanted, previous.resources().get(stack.path()),
                        system.engine(), registries);
                if (change.isEmpty() && pull.pulls(stack)) {
                    change = Optional.of(StackChanges.pull(stack, system.engine(), pull, registries));
                }
                if (change.isPresent()) {
                    desiredEntries.put(stack.path(), wanted);
                    stackChanges.add(change.get());
                } else {
                    unchanged.put(stack.path(), wanted);
                }
                continue;
            }
            if (resource instanceof Desired.Package || resource instanceof Desired.Unit) {
                StateEntry wanted = SystemChanges.entryFor(resource);
                Optional<Change> change = SystemChanges.change(resource, wanted,
                        previous.resources().get(resource.path()), reading, underRoot);
                if (change.isPresent()) {
                    desiredEntries.put(resource.path(), wanted);
                    (resource instanceof Desired.Package ? packageChanges : unitChanges).add(change.get());
                } else {
                    unchanged.put(resource.path(), wanted);
                }
                continue;
            }
            StateEntry wanted = entryFor(resource);
            LiveEntry now = live.get(resource.path());
            StateEntry recorded = previous.resources().get(resource.path());
            // what is there and not yet managed is taken over with a backup, even when it already matches
            Takeover takeover = recorded == null && Takeover.adoptable(now) ? new Takeover.Adopt(now,
                    live.get(Backups.pathFor(host.name(), resource.path())) instanceof LiveEntry.File) : Takeover.NONE;
            if (matches(wanted, now) && takeover == Takeover.NONE) {
                unchanged.put(resource.path(), wanted.withStatOf(now));
                continue;
            }
            desiredEntries.put(resource.path(), wanted);
            Set<Cause> causes = EnumSet.noneOf(Cause.class);
            if (recorded != null && !matches(recorded, now)) {
                causes.add(Cause.DRIFT);
            }
            if (recorded == null || !sameFingerprint(recorded, wanted)) {
                causes.add(Cause.PENDING);
            }
            if (causes.isEmpty()) {
                causes.add(Cause.PENDING);
            }
            Action action = now instanceof LiveEntry.Missing ? Action.CREATE : Action.UPDATE;
            if (diffs) { // else nobody shows them: the host's files are not read for them either
                owed.add(new OwedDiff(changes.size(), resource, now, recorded));
            }
            changes.add(new Change(action, resource.path(), wanted.kind(), resource.service(), causes,
                    Optional.of(resource), Optional.empty(), details(resource, wanted, now), takeover));
        }
        // what the diffs need of the host, read in one go (over SSH one round trip, not one per changed file)
        Map<String, Optional<byte[]>> before = host.readAll(owed.stream().filter(OwedDiff::needsRead)
                .map(o -> o.resource().path()).toList(), DIFF_LIMIT);
        for (OwedDiff o : owed) {
            Change c = changes.get(o.index());
            changes.set(o.index(), new Change(c.action(), c.path(), c.kind(), c.service(), c.causes(), c.desired(),
                    diff(o.resource(), o.now(), before, o.recorded()), c.details(), c.takeover()));
        }

        List<Change> deletes = new ArrayList<>();
        previous.resources().forEach((path, recorded) -> {
            boolean inScope = scope.prunesEverything() || chosen.contains(recorded.service());
            if (desiredPaths.contains(path) || !inScope) {
                return;
            }
            if (recorded.kind().equals(SystemChanges.PACKAGE)) {
                packageChanges.add(SystemChanges.release(path, recorded, system));
                return;
            }
            if (recorded.kind().equals(SystemChanges.UNIT)) {
                unitRemovals.add(SystemChanges.removal(path, recorded, system));
                return;
            }
            if (recorded.kind().equals(StackChanges.STACK)) {
                stackRemovals.add(StackChanges.removal(path, recorded, system.engine()));
                return;
            }
            LiveEntry now = live.get(path);
            // taken over from what was there: that comes back, even where the path has gone meanwhile
            boolean restore = live.get(Backups.pathFor(host.name(), path)) instanceof LiveEntry.File;
            if (!(now instanceof LiveEntry.Refused) && !LiveEntry.kindOf(now).equals(recorded.kind())
                    && !(restore && now instanceof LiveEntry.Missing)) {
                return; // already gone, or replaced by something Driftless did not make: leave it
            }
            Set<Cause> causes = EnumSet.of(Cause.PENDING);
            List<String> details = new ArrayList<>();
            if (now instanceof LiveEntry.Refused refused) {
                // kept in the plan (and the state) so that the apply says why, until the link is mended
                details.add(refused.reason("deletes"));
            } else if (!matches(recorded, now)) {
                causes.add(Cause.DRIFT);
                details.add(now instanceof LiveEntry.Missing ? "removed by hand since the last apply"
                        : "changed by hand since the last apply; the change is lost with the " + recorded.kind());
            }
            deletes.add(new Change(Action.DELETE, path, recorded.kind(), recorded.service(), causes,
                    Optional.empty(), Optional.empty(), details, restore ? new Takeover.Restore() : Takeover.NONE));
        });
        // children before their parents
        deletes.sort(Comparator.comparing((Change c) -> c.path().chars().filter(ch -> ch == '/').count()).reversed()
                .thenComparing(Change::path, Comparator.reverseOrder()));
        changes.addAll(deletes);
        // apt's own files written first (a source, its key, a pin: what the packages may come from), then packages
        // (files may go into what they install, units need their binaries), units that left the repository stopped
        // before their files go, units started once every file is written
        // stacks that left the repository go down while their compose files are still there; stacks come up last
        StackChanges.requireSupported(host, desired.resources(), system.engine(),
                !stackChanges.isEmpty() || !stackRemovals.isEmpty());
        List<Change> aptFiles = packageChanges.isEmpty() ? List.of() : changes.stream()
                .filter(c -> c.action() != Action.DELETE && SystemChanges.changesAptSources(c.path())).toList();
        changes.removeAll(aptFiles);
        List<Change> ordered = new ArrayList<>(aptFiles);
        ordered.addAll(packageChanges);
        ordered.addAll(unitRemovals);
        ordered.addAll(stackRemovals);
        ordered.addAll(changes);
        ordered.addAll(unitChanges);
        ordered.addAll(stackChanges);
        UnitVerification.verify(host, ordered);
        List<HandlerRun> handlers = new ArrayList<>(handlers(desired, ordered, previous));
        handlers.addAll(SystemChanges.restarts(desired.resources(), ordered, previous, host.root()));
        return new HostPlan(desired, previous, ordered, handlers, unchanged, desiredEntries, chosen, scope, system,
                read.leftovers());
    }

    /**
     * Where a backup of what was there before Driftless may be kept: for each path not managed yet (taken over if
     * something is there) and each managed path that leaves the repository (put back if it has one).
     */
    private static Set<String> backupsToLookFor(Host host, DesiredHost desired, HostState previous,
            Collection<String> paths) {
        Set<String> wanted = new java.util.HashSet<>();
        desired.resources().forEach(r -> wanted.add(r.path()));
        Set<String> backups = new LinkedHashSet<>();
        for (String path : paths) {
            if (!previous.resources().containsKey(path) || !wanted.contains(path)) {
                backups.add(Backups.pathFor(host.name(), path));
            }
        }
        return backups;
    }

    /** Whether to read the container engine: when a stack is recorded, at the address its record names. */
    private static HostReading.Engine engine(Map<String, StateEntry> recorded, Optional<String> dockerHost) {
        return recorded.entrySet().stream().filter(e -> StackChanges.isStack(e.getKey())).findFirst()
                .map(e -> new HostReading.Engine(true,
                        dockerHost.or(() -> StackRecord.of(e.getValue().target()).dockerHost())))
                .orElse(HostReading.Engine.NONE);
    }

    /**
     * Fails the host's plan, before anything is written, when a resource names an owner or group the
     * host does not have: one line per resource, with where the repository says so. Reads the host only.
     */
    public void requireAccounts(DesiredHost desired, Host host) {
        Host.Accounts named = accountsNamed(desired);
        if (!named.isEmpty()) {
            requireAccounts(desired, host, host.missing(named));
        }
    }

    private static Host.Accounts accountsNamed(DesiredHost desired) {
        Set<String> users = new java.util.TreeSet<>();
        Set<String> groups = new java.util.TreeSet<>();
        desired.resources().forEach(r -> ownership(r).ifPresent(o -> {
            o.owner().ifPresent(users::add);
            o.group().ifPresent(groups::add);
        }));
        return new Host.Accounts(users, groups);
    }

    /**
     * The folders where a write cut short would have left a temporary file: those of the state, the backups,
     * {@code paths} and every path {@code previous} records, whichever services a plan covers. A remote plan's reading
     * looks for leftovers in them, and an apply's sweep removes them from the same folders.
     */
    public static Set<String> leftoverFolders(String hostName, HostState previous, Collection<String> paths) {
        Set<String> folders = new java.util.TreeSet<>();
        folders.add(parent(StateFile.pathFor(hostName)));
        folders.add(Backups.folder(hostName));
        paths.stream().filter(Desired::isPath).forEach(p -> folders.add(parent(p)));
        previous.resources().keySet().stream().filter(Desired::isPath).forEach(p -> folders.add(parent(p)));
        return folders;
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    private void requireAccounts(DesiredHost desired, Host host, Host.Accounts missing) {
        if (missing.isEmpty()) {
            return;
        }
        List<String> lines = new ArrayList<>();
        for (Desired resource : desired.resources()) {
            Optional<Ownership> o = ownership(resource);
            String where = host.name() + ": " + resource.where().file()
                    + (resource.where().line() > 0 ? ":" + resource.where().line() : "") + " (" + resource.path() + "): ";
            o.flatMap(Ownership::owner).filter(missing.users()::contains).ifPresent(user ->
                    lines.add(where + "user '" + user + "' does not exist on " + host.name()));
            o.flatMap(Ownership::group).filter(missing.groups()::contains).ifPresent(group ->
                    lines.add(where + "group '" + group + "' does not exist on " + host.name()));
        }
        lines.add(host.name() + ": nothing is changed on " + host.name() + " until they exist: create them there, or"
                + " change owner: and group: in the repository");
        throw new HostException(String.join("\n", lines));
    }

    private static Optional<Ownership> ownership(Desired resource) {
        if (resource instanceof Desired.File file) {
            return Optional.of(file.ownership());
        }
        if (resource instanceof Desired.Directory dir) {
            return Optional.of(dir.ownership());
        }
        return Optional.empty();
    }

    private static HostState readState(Host host) {
        return StateFile.read(host);
    }

    /**
     * The stats the state records, overlaid with the newer ones an earlier check saw. A salted fingerprint
     * identifies content only against the record it was read from (a rewrite of the state salts anew), so
     * a remembered one counts only while the state still records it.
     */
    private static Map<String, LiveEntry.Known> known(HostState state, Map<String, LiveEntry.Known> remembered) {
        Map<String, LiveEntry.Known> known = known(state);
        remembered.forEach((path, k) -> {
            StateEntry recorded = state.resources().get(path);
            if (!Fingerprint.isSalted(k.sha256()) || recorded != null && k.sha256().equals(recorded.sha256())) {
                known.put(path, k);
            }
        });
        return known;
    }

    private static Map<String, LiveEntry.Known> known(HostState state) {
        Map<String, LiveEntry.Known> known = new HashMap<>();
        state.resources().forEach((path, entry) -> {
            LiveEntry.Known k = entry.known();
            if (k != null) {
                known.put(path, k);
            }
        });
        return known;
    }

    private static List<HandlerRun> handlers(DesiredHost desired, List<Change> changes, HostState previous) {
        Set<String> triggered = new LinkedHashSet<>(previous.pendingHandlers());
        for (Change change : changes) {
            change.desired().ifPresent(resource -> {
                if (resource instanceof Desired.File file) {
                    file.onChange().forEach(h -> triggered.add(file.service() + "/" + h));
                } else if (resource instanceof Desired.Symlink link) {
                    link.onChange().forEach(h -> triggered.add(link.service() + "/" + h));
                }
            });
        }
        List<HandlerRun> runs = new ArrayList<>();
        desired.handlers().forEach((service, handlers) -> handlers.forEach((name, command) -> {
            if (triggered.contains(service + "/" + name)) {
                runs.add(new HandlerRun(service, name, command));
            }
        }));
        return runs;
    }

    static StateEntry entryFor(Desired resource) {
        if (resource instanceof Desired.File file) {
            Ownership o = file.ownership();
            return new StateEntry("file", file.service(), LocalHost.sha256(file.content()),
                    o.mode().map(Ownership::formatMode).orElse(null), o.owner().orElse(null), o.group().orElse(null), null, null,
                    file.sensitive());
        }
        if (resource instanceof Desired.Directory dir) {
            Ownership o = dir.ownership();
            return new StateEntry("directory", dir.service(), null, o.mode().map(Ownership::formatMode).orElse(null),
                    o.owner().orElse(null), o.group().orElse(null), null, null, false);
        }
        Desired.Symlink link = (Desired.Symlink) resource;
        return new StateEntry("symlink", link.service(), null, null, null, null, link.target(), null, false);
    }

    /** Whether the live entry is what the state entry describes, in every attribute the entry manages. */
    static boolean matches(StateEntry entry, LiveEntry live) {
        if (live instanceof LiveEntry.File file) {
            return entry.kind().equals("file") && Fingerprint.same(file.sha256(), entry.sha256())
                    && attributesMatch(entry, file.mode(), file.owner(), file.group());
        }
        if (live instanceof LiveEntry.Directory dir) {
            return entry.kind().equals("directory") && attributesMatch(entry, dir.mode(), dir.owner(), dir.group());
        }
        if (live instanceof LiveEntry.Symlink link) {
            return entry.kind().equals("symlink") && link.target().equals(entry.target());
        }
        return false;
    }

    private static boolean attributesMatch(StateEntry entry, int mode, String owner, String group) {
        return (entry.mode() == null || entry.mode().equals(Ownership.formatMode(mode)))
                && (entry.owner() == null || entry.owner().equals(owner))
                && (entry.group() == null || entry.group().equals(group));
    }

    private static boolean sameFingerprint(StateEntry a, StateEntry b) {
        return a.kind().equals(b.kind()) && Fingerprint.same(a.sha256(), b.sha256()) && Objects.equals(a.mode(), b.mode())
                && Objects.equals(a.owner(), b.owner()) && Objects.equals(a.group(), b.group())
                && Objects.equals(a.target(), b.target());
    }

    /** The diff of the change at {@code index} of a path, made once what it shows of the host is read. */
    private record OwedDiff(int index, Desired resource, LiveEntry now, StateEntry recorded) {
        /** Whether the diff shows what the host has, which must be read for it. */
        boolean needsRead() {
            return resource instanceof Desired.File file && now instanceof LiveEntry.File live
                    && live.size() <= DIFF_LIMIT && file.content().length <= DIFF_LIMIT
                    && !Fingerprint.same(live.sha256(), LocalHost.sha256(file.content()));
        }
    }

    private static Optional<String> diff(Desired resource, LiveEntry now, Map<String, Optional<byte[]>> read,
            StateEntry recorded) {
        if (!(resource instanceof Desired.File file)) {
            return Optional.empty();
        }
        if (now instanceof LiveEntry.Refused) {
            return Optional.empty(); // what is there is outside the root: not ours to show
        }
        String desired = LocalHost.sha256(file.content());
        // what the host has was rendered from secrets when last applied: unless it is what this render makes (a
        // drift), where its secret lines are is not known
        boolean hostSecretsElsewhere = recorded != null && recorded.sensitive()
                && !Fingerprint.same(recorded.sha256(), desired);
        boolean sensitive = file.sensitive() || hostSecretsElsewhere;
        Optional<byte[]> before = Optional.empty();
        if (now instanceof LiveEntry.File live) {
            if (Fingerprint.same(live.sha256(), desired)) {
                return Optional.empty(); // attributes only
            }
            before = read.getOrDefault(file.path(), Optional.empty());
            if (before.isEmpty()) {
                return Optional.of(sensitive ? SENSITIVE : "large content differs (" + live.size()
                        + " bytes on the host, " + file.content().length + " bytes in the repository)");
            }
        }
        if (!sensitive) {
            return Optional.of(Diffs.unified(file.path(), before, file.content()));
        }
        if (file.secretLines() instanceof SecretLines.WholeFile) {
            return Optional.of(SENSITIVE);
        }
        Set<Integer> secret = file.secretLines() instanceof SecretLines.Lines lines ? lines.indexes() : Set.of();
        return Optional.of(Diffs.masked(file.path(), before, file.content(), secret, hostSecretsElsewhere)
                .orElse(SENSITIVE));
    }

    private static List<String> details(Desired resource, StateEntry wanted, LiveEntry now) {
        List<String> details = new ArrayList<>();
        if (now instanceof LiveEntry.Refused refused) {
            details.add(refused.reason("writes"));
            return details;
        }
        String liveKind = LiveEntry.kindOf(now);
        if (!(now instanceof LiveEntry.Missing) && !liveKind.equals(wanted.kind())) {
            details.add(liveKind.equals("directory")
                    ? "a directory is in the way: apply refuses to remove it; move it away by hand"
                    : "replaces a " + liveKind + " with a " + wanted.kind());
            return details;
        }
        if (now instanceof LiveEntry.File f) {
            attributeDetails(wanted, f.mode(), f.owner(), f.group(), details);
        } else if (now instanceof LiveEntry.Directory d) {
            attributeDetails(wanted, d.mode(), d.owner(), d.group(), details);
        } else if (now instanceof LiveEntry.Symlink l && resource instanceof Desired.Symlink link) {
            details.add("target " + l.target() + " -> " + link.target());
        } else if (now instanceof LiveEntry.Missing && resource instanceof Desired.Symlink link) {
            details.add("-> " + link.target());
        }
        return details;
    }

    private static void attributeDetails(StateEntry wanted, int mode, String owner, String group, List<String> details) {
        if (wanted.mode() != null && !wanted.mode().equals(Ownership.formatMode(mode))) {
            details.add("mode " + Ownership.formatMode(mode) + " -> " + wanted.mode());
        }
        if (wanted.owner() != null && !wanted.owner().equals(owner)) {
            details.add("owner " + owner + " -> " + wanted.owner());
        }
        if (wanted.group() != null && !wanted.group().equals(group)) {
            details.add("group " + group + " -> " + wanted.group());
        }
    }
}
