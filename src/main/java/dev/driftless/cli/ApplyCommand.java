package dev.driftless.cli;

import dev.driftless.apply.ApplyListener;
import dev.driftless.apply.HandlerResult;
import dev.driftless.engine.Reconciler;
import dev.driftless.health.HealthChecks;
import dev.driftless.plan.KnownFiles;
import picocli.CommandLine.Option;
import dev.driftless.plan.Action;
import dev.driftless.plan.Change;
import dev.driftless.engine.HostOutcome;
import dev.driftless.plan.HostPlan;
import dev.driftless.engine.PlanPrinter;
import dev.driftless.source.RepoSource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Makes the hosts match the commit, printing each change as it is made. */
@Command(name = "apply", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Make each host match the commit: write files atomically, create directories and links, remove"
                + " what was removed from the repository, run the handlers of changed files, record the state.",
            "Applying twice changes nothing the second time. A second apply on the same host waits for the first.", "",
            "After an apply, the health checks of the services it changed run; when one fails, the host is rolled back",
            "to the last commit that was healthy there, unless the service says onFailure: keep or --no-rollback is",
            "given.", "",
            "With --verify-signatures, only a commit with a good signature from a trusted key is applied; any other",
            "is refused before anything is read from it or changed.", "",
            "Exit codes: 0 = done, 1 = failed (on any host; also when a host was rolled back, or the commit is"
                + " untrusted)."})
final class ApplyCommand extends WorkspaceCommand implements Callable<Integer> {

    @Mixin
    RepositoryOptions repository;

    @Mixin
    TrustOptions trust;

    @Mixin
    HostOptions where;

    @Mixin
    TargetOptions target;

    @Mixin
    SshOptions ssh;

    @Mixin
    RenderOptions render;

    @Mixin
    ApplyOptions timeouts;

    @Option(names = "--no-rollback", description = "When a service fails its health checks after the apply, leave the"
            + " host as the apply left it (to debug it) instead of rolling it back to its last healthy commit.")
    boolean noRollback;

    @Mixin
    PullOptions pull;

    @Mixin
    ColorOptions color;

    @Option(names = "--diff", description = "Print under each change the diff it applied, as plan shows it (lines"
            + " from secrets masked).")
    boolean diff;

    @Override
    String consequence() {
        return "; nothing was applied";
    }

    @Override
    public Integer call() {
        return withWorkspace(repository, RepoSource.ReadFrom.COMMIT, trust, where, target.services, ssh.settings(), render,
                workspace -> {
                    noteUncommitted(workspace, repository, "this apply");
                    if (target.output == TargetOptions.Output.text) {
                        sayWhoSigned(workspace);
                    }
                    boolean text = target.output == TargetOptions.Output.text;
                    // diffs only for --diff and the JSON document (which has them): else the old bytes of the changed
                    // files are not even read
                    Reconciler reconciler = new Reconciler(timeouts.lockTimeout, timeouts.handlerTimeout,
                            new KnownFiles(), HealthChecks.inRealTime(), !noRollback,
                            pull.imagePull(), diff || !text);
                    int hosts = workspace.hosts().size();
                    // one host at a time: print each change as it is made; several: each host's lines as a block,
                    // in inventory order whichever host finishes first
                    boolean streaming = hosts <= 1 || where.parallel <= 1;
                    HostBlocks blocks = new HostBlocks(workspace.hosts().stream().map(h -> h.name()).toList(), out());
                    PlanPrinter printer = new PlanPrinter(PlanPrinter.Mode.APPLY, color.palette());
                    Map<String, ApplyListener> listeners = new ConcurrentHashMap<>();
                    Function<String, ApplyListener> listenerOf = host -> !text ? ApplyListener.SILENT
                            : listeners.computeIfAbsent(host, h -> new Progress(streaming ? out() : blocks.writer(h),
                                    err(), printer, diff));
                    HostProgress progress = new HostProgress(err(), hosts);
                    List<HostOutcome> outcomes = reconciler.apply(workspace, where.parallel, listenerOf, outcome -> {
                        blocks.finished(outcome.host());
                        progress.accept(outcome);
                    });
                    if (text) {
                        summarize(outcomes, out());
                    } else {
                        new PlanPrinter(PlanPrinter.Mode.APPLY).printJson(outcomes, signatureJson(workspace), out());
                    }
                    boolean failed = outcomes.stream().anyMatch(o -> o instanceof HostOutcome.Failed
                            || o instanceof HostOutcome.Applied a && !a.succeeded());
                    return failed ? 1 : 0;
                });
    }

    private static void summarize(List<HostOutcome> outcomes, PrintWriter out) {
        long added = 0;
        long changed = 0;
        long deleted = 0;
        boolean failed = false;
        for (HostOutcome outcome : outcomes) {
            if (outcome instanceof HostOutcome.Failed f) {
                out.println(f.host() + ": error: " + PlanPrinter.withoutHost(f.host(), f.message()));
                failed = true;
            } else if (outcome instanceof HostOutcome.Applied a) {
                for (Change c : a.result().applied()) {
                    added += c.action() == Action.CREATE ? 1 : 0;
                    changed += c.action() == Action.UPDATE ? 1 : 0;
                    deleted += c.action() == Action.DELETE ? 1 : 0;
                }
                if (a.result().failure().isPresent()) {
                    out.println(a.host() + ": error: "
                            + PlanPrinter.withoutHost(a.host(), a.result().failure().get().message()));
                    failed = true;
                }
                for (HandlerResult handler : a.result().failedHandlers()) {
                    out.println(a.host() + ": handler " + handler.handler().id() + " " + handler.verdict()
                            + "; it runs again on the next apply");
                    failed = true;
                }
                PlanPrinter.healthLines(a).forEach(line -> out.println(a.host() + ": " + line));
                failed |= !a.succeeded();
            }
        }
        if (outcomes.size() > 1) {
            for (HostOutcome outcome : outcomes) {
                out.println("  " + outcome.host() + ": " + hostSummary(outcome));
            }
        }
        out.println((failed ? "Apply failed" : "Apply complete") + ": " + added + " added, " + changed + " changed, "
                + deleted + " deleted.");
        out.flush();
    }

    private static String hostSummary(HostOutcome outcome) {
        if (outcome instanceof HostOutcome.Applied a) {
            long add = a.result().applied().stream().filter(c -> c.action() == Action.CREATE).count();
            long change = a.result().applied().stream().filter(c -> c.action() == Action.UPDATE).count();
            long delete = a.result().applied().stream().filter(c -> c.action() == Action.DELETE).count();
            return (a.succeeded() ? "applied" : a.rollback().filter(HostOutcome.Rollback::restored).isPresent()
                    ? "FAILED, rolled back" : "FAILED") + " (" + add + " added, " + change + " changed, "
                    + delete + " deleted)";
        }
        return "FAILED";
    }

    /**
     * The lines of hosts applied several at once, each host's held until every host before it in inventory order is
     * printed: the output reads as plan's does, however the hosts finish.
     */
    private static final class HostBlocks {
        private final List<String> order;
        private final PrintWriter out;
        private final Map<String, StringWriter> buffers = new HashMap<>();
        private final Set<String> done = new HashSet<>();
        private int next;

        HostBlocks(List<String> order, PrintWriter out) {
            this.order = order;
            this.out = out;
        }

        synchronized PrintWriter writer(String host) {
            return new PrintWriter(buffers.computeIfAbsent(host, h -> new StringWriter()));
        }

        /** The host is done: print it, and the hosts after it that were waiting for it. */
        synchronized void finished(String host) {
            done.add(host);
            while (next < order.size() && done.contains(order.get(next))) {
                StringWriter buffer = buffers.remove(order.get(next));
                if (buffer != null) {
                    out.print(buffer);
                }
                next++;
            }
            out.flush();
        }
    }

    /** Prints each change as it is made (with --diff, its diff), flushed, so a long apply shows where it is. */
    static final class Progress implements ApplyListener {
        private final PrintWriter out;
        private final PrintWriter err;
        private final PlanPrinter printer;
        private final boolean diffs;

        Progress(PrintWriter out, PrintWriter err, PlanPrinter printer, boolean diffs) {
            this.out = out;
            this.err = err;
            this.printer = printer;
            this.diffs = diffs;
        }

        @Override
        public void waiting(String message) {
            err.println(message);
            err.flush();
        }

        @Override
        public void started(HostPlan plan, String hostDescription) {
            out.println(printer.heading(PlanPrinter.header(plan, hostDescription))
                    + (plan.isEmpty() ? ": nothing to do." : ""));
            out.flush();
        }

        @Override
        public void applied(Change change, String note) {
            out.println(printer.changeLine(change) + (note.isEmpty() ? "" : "  (" + note + ")"));
            if (diffs) {
                printer.bodyLines(change).forEach(out::println);
            }
            out.flush();
        }

        @Override
        public void handlerRan(HandlerResult result) {
            PlanPrinter.handlerLines(result).forEach(out::println);
            out.flush();
        }
    }
}
