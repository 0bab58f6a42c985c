package dev.driftless.bootstrap;

import dev.driftless.apply.ApplyListener;
import dev.driftless.engine.HostOutcome;
import dev.driftless.engine.PlanPrinter;
import dev.driftless.engine.Reconciler;
import dev.driftless.engine.Selection;
import dev.driftless.engine.Workspace;
import dev.driftless.health.HealthChecks;
import dev.driftless.host.HostException;
import dev.driftless.host.LocalHost;
import dev.driftless.host.SshSettings;
import dev.driftless.model.Problem;
import dev.driftless.model.ValidationException;
import dev.driftless.plan.Action;
import dev.driftless.plan.ImagePull;
import dev.driftless.plan.KnownFiles;
import dev.driftless.render.RenderLimits;
import dev.driftless.secrets.AgeKeyring;
import dev.driftless.source.RepoSource;
import dev.driftless.source.SourceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code driftless bootstrap} on the machine itself: makes it inventory host NAME for good. It installs the
 * credentials and agent.yaml ({@link AgentFiles}), applies the repository to itself as host NAME as its agent does
 * (the whole repository validated before anything is written), then enables and starts the agent's unit
 * ({@link AgentUnit}), which goes on from there. Each step is handed on as it is done; bootstrapping again with the
 * same request changes nothing.
 */
public final class Bootstrap {

    /** The agent's --state-dir by default: its history, its API token and (in cache/) the fetched repository. */
    static final Path STATE_DIR = Path.of("/var/lib/driftless/agent");
    /** The agent's default --listen, where it answers /healthz once started. */
    static final String DEFAULT_LISTEN = "127.0.0.1:9090";
    // the agent's defaults (--lock-timeout, --handler-timeout): the first apply is the agent's
    private static final Duration LOCK_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration HANDLER_TIMEOUT = Duration.ofMinutes(5);
    private static final Pattern PASSWORD_IN_URL = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://[^/@]*:[^/@]*@.*");
    private static final Pattern LISTEN = Pattern.compile("^(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]*):[0-9]{1,5}$");

    /**
     * What to bootstrap: the repository (a URL), its branch or tag and folder, the inventory host this machine is,
     * and where its agent's HTTP side listens (the agent's default when empty).
     */
    public record Request(String repo, Optional<String> ref, Optional<String> path, String host,
            Optional<String> listen) {

        /** @throws IllegalArgumentException saying which value is wrong and what to give */
        public Request {
            List<String> values = new ArrayList<>(List.of(repo, host));
            ref.ifPresent(values::add);
            path.ifPresent(values::add);
            listen.ifPresent(values::add);
            if (values.stream().anyMatch(v -> v.isBlank() || v.chars().anyMatch(Character::isISOControl))) {
                throw new IllegalArgumentException("--repo, --host, --ref, --path and --listen take a value without"
                        + " line breaks or other control characters");
            }
            if (PASSWORD_IN_URL.matcher(repo).matches()) {
                // said without the URL: its password is the point
                throw new IllegalArgumentException("--repo holds a password (https://USER:PASSWORD@...): give the"
                        + " URL without it and the token with --git-token-file; bootstrap prints the URL and writes"
                        + " it into agent.yaml");
            }
            if (listen.isPresent() && !LISTEN.matcher(listen.get()).matches()) {
                throw new IllegalArgumentException("--listen '" + listen.get() + "' is not HOST:PORT, such as "
                        + DEFAULT_LISTEN + " or 0.0.0.0:9090");
            }
        }
    }

    /** Every step a bootstrap took, in order, and the commit applied (none when it could not be read). */
    public record Outcome(List<Step> steps, Optional<String> commit) {

        public Outcome {
            steps = List.copyOf(steps);
        }

        public boolean succeeded() {
            return steps.stream().noneMatch(s -> s.action() == Step.Action.FAILED);
        }

        /** Whether the machine was already bootstrapped so: no step changed anything. */
        public boolean changedNothing() {
            return steps.stream().noneMatch(Step::changed);
        }
    }

    private final LocalHost machine;

    /** Bootstraps the machine this runs on. */
    public Bootstrap() {
        this.machine = new LocalHost("this machine", Optional.empty());
    }

    /**
     * Why this machine cannot be bootstrapped, when it cannot: this is not root, systemd is not running, or the
     * agent's unit is not installed. Said before anything is read or written.
     */
    public Optional<String> refusal() {
        if (!runsAsRoot()) {
            return Optional.of("driftless bootstrap must run as root: it installs credentials under " + AgentFiles.DIR
                    + " that only root may read and enables a system service. Run it as root (sudo driftless"
                    + " bootstrap ...), or over SSH as ssh://root@HOST");
        }
        if (!Files.isDirectory(Path.of("/run/systemd/system"))) {
            return Optional.of("systemd is not running on this machine (there is no /run/systemd/system), and"
                    + " bootstrap runs the agent as its systemd service " + AgentUnit.NAME + ". Without systemd, write"
                    + " " + AgentFiles.CONFIG + " yourself and run 'driftless agent --config " + AgentFiles.CONFIG
                    + "' under your init system (docs/bootstrap.md, 'Without systemd')");
        }
        return new AgentUnit(machine, DEFAULT_LISTEN).missing();
    }

    private static boolean runsAsRoot() {
        try {
            // /proc/self belongs to whoever runs this process
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Installs, applies, enables and starts, handing each step to {@code said} as it is done and the first apply's
     * changes to {@code progress}. A first apply that fails is a failed step; the agent is started all the same, so
     * that a fix pushed to the repository heals the machine.
     *
     * @throws BootstrapException or a {@link HostException} when a file cannot be installed or systemd refuses
     */
    public Outcome run(Request request, Credentials credentials, Consumer<Step> said, ApplyListener progress) {
        List<Step> steps = new ArrayList<>();
        Consumer<Step> step = s -> {
            steps.add(s);
            said.accept(s);
        };
        List<Step> installed = new AgentFiles(machine).install(credentials, request);
        installed.forEach(step);
        FirstApply applied = firstApply(request, credentials, progress);
        step.accept(applied.step());
        AgentUnit unit = new AgentUnit(machine, request.listen().orElse(DEFAULT_LISTEN));
        step.accept(unit.enable());
        step.accept(unit.start(installed.stream().anyMatch(Step::changed)));
        return new Outcome(steps, applied.commit());
    }

    /** How the first apply went, and the commit it read (short), when it could read one. */
    private record FirstApply(Step step, Optional<String> commit) {

        static FirstApply failed(String subject, String why) {
            return new FirstApply(new Step(Step.Action.FAILED, subject, why), Optional.empty());
        }
    }

    /**
     * The agent's apply of the repository to this machine as the host, with the credentials as installed and
     * the agent's own cache (so the agent does not fetch it again): validated as a whole first, then applied.
     */
    private FirstApply firstApply(Request request, Credentials credentials, ApplyListener progress) {
        String subject = "first apply of host " + request.host();
        try {
            Files.createDirectories(STATE_DIR, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            return FirstApply.failed(subject, "cannot create " + STATE_DIR + ": " + e.getMessage());
        }
        RepoSource.GitAuth auth = new RepoSource.GitAuth(
                credentials.get(Credentials.Kind.GIT_TOKEN).map(t -> new String(t, StandardCharsets.UTF_8).strip()),
                installed(credentials, Credentials.Kind.GIT_IDENTITY),
                installed(credentials, Credentials.Kind.GIT_KNOWN_HOSTS));
        List<Path> own = new ArrayList<>(List.of(STATE_DIR, Path.of(AgentFiles.CONFIG)));
        credentials.kinds().forEach(k -> own.add(Path.of(AgentFiles.path(k))));
        Selection selection = new Selection(new RepoSource.Request(request.repo(), request.ref(), request.path(),
                RepoSource.ReadFrom.COMMIT), List.of(), List.of(), Optional.empty(),
                new SshSettings(Optional.empty(), SshSettings.defaultKnownHosts(), false, Duration.ofSeconds(30),
                        Optional.empty()),
                new AgeKeyring(installed(credentials, Credentials.Kind.AGE_KEY), Map.of()), RenderLimits.DEFAULT, own,
                Optional.of(request.host()));
        try (Workspace workspace = Workspace.open(selection, new RepoSource(STATE_DIR.resolve("cache"), auth, true))) {
            Reconciler reconciler = new Reconciler(LOCK_TIMEOUT, HANDLER_TIMEOUT, new KnownFiles(),
                    HealthChecks.inRealTime(), true, ImagePull.AS_STACKS_SAY);
            HostOutcome outcome = reconciler.apply(workspace, 1, host -> progress, done -> { }).get(0);
            String commit = PlanPrinter.shortRevision(workspace.revision());
            return new FirstApply(summary(outcome, subject, "host " + request.host() + " at " + commit),
                    Optional.of(commit));
        } catch (ValidationException e) {
            List<String> problems = e.problems().stream().map(Problem::toString).toList();
            return FirstApply.failed(subject, "the repository does not validate, nothing was applied:\n  "
                    + String.join("\n  ", problems));
        } catch (SourceException | HostException e) {
            return FirstApply.failed(subject, e.getMessage());
        }
    }

    private static Optional<Path> installed(Credentials credentials, Credentials.Kind kind) {
        return credentials.get(kind).map(value -> Path.of(AgentFiles.path(kind)));
    }

    private static Step summary(HostOutcome outcome, String subject, String hostAt) {
        if (outcome instanceof HostOutcome.Failed failed) {
            return new Step(Step.Action.FAILED, subject, failed.message());
        }
        HostOutcome.Applied applied = (HostOutcome.Applied) outcome;
        if (!applied.succeeded()) {
            return new Step(Step.Action.FAILED, subject, applied.result().failure().map(dev.driftless.apply.ApplyResult.ChangeFailure::message)
                    .orElse("a handler or a health check failed (said above)"));
        }
        long added = applied.result().applied().stream().filter(c -> c.action() == Action.CREATE).count();
        long changed = applied.result().applied().stream().filter(c -> c.action() == Action.UPDATE).count();
        long deleted = applied.result().applied().stream().filter(c -> c.action() == Action.DELETE).count();
        if (added + changed + deleted == 0) {
            return new Step(Step.Action.UNCHANGED, hostAt, "nothing to apply");
        }
        return new Step(Step.Action.APPLIED, hostAt, added + " added, " + changed + " changed, " + deleted + " deleted");
    }
}
