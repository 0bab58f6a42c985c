package dev.driftless.cli;

import dev.driftless.engine.Reconciler;
import dev.driftless.engine.HostOutcome;
import dev.driftless.engine.PlanPrinter;
import dev.driftless.engine.Workspace;
import dev.driftless.health.HealthChecks;
import dev.driftless.plan.KnownFiles;
import dev.driftless.source.RepoSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Shows what applying the commit would change, host by host, with unified diffs. */
@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show what apply would change on each host: a unified diff per changed file and the summary"
                + " line 'Plan: N to add, N to change, N to delete.' Changes nothing.", "",
            "With --verify-signatures, only a commit with a good signature from a trusted key is planned, and plan says"
                + " who signed it.", "",
            "Exit codes: 0 = nothing to do, 2 = changes pending, 1 = error (also an untrusted commit)."})
final class PlanCommand extends WorkspaceCommand implements Callable<Integer> {

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
    ColorOptions color;

    @Option(names = "--worktree",
            description = "Plan from the uncommitted files of the working tree, to review an edit before committing it.")
    boolean worktree;

    @Mixin
    PullOptions pull;

    @Override
    public Integer call() {
        RepoSource.ReadFrom from = worktree ? RepoSource.ReadFrom.WORKTREE : RepoSource.ReadFrom.COMMIT;
        return withWorkspace(repository, from, trust, where, target.services, ssh.settings(), render,
                workspace -> {
            if (!worktree) {
                noteUncommitted(workspace, repository, "this plan");
            }
            if (target.output == TargetOptions.Output.text) {
                sayWhoSigned(workspace);
            }
            Reconciler reconciler = new Reconciler(Duration.ZERO, Duration.ZERO, new KnownFiles(),
                    HealthChecks.inRealTime(), true, pull.imagePull());
            List<HostOutcome> outcomes = reconciler.plan(workspace, where.parallel,
                    new HostProgress(err(), workspace.hosts().size()));
            print(workspace, outcomes, reconciler, new PlanPrinter(PlanPrinter.Mode.PLAN, color.palette()));
            return exitCode(outcomes);
        });
    }

    void print(Workspace workspace, List<HostOutcome> outcomes, Reconciler reconciler, PlanPrinter printer) {
        if (target.output == TargetOptions.Output.json) {
            printer.printJson(outcomes, signatureJson(workspace), out());
        } else {
            printer.printText(outcomes, reconciler.descriptions(), out());
        }
    }

    /** 1 if a host failed, 2 if any host has changes, else 0: as terraform plan -detailed-exitcode. */
    static int exitCode(List<HostOutcome> outcomes) {
        if (outcomes.stream().anyMatch(o -> o instanceof HostOutcome.Failed)) {
            return 1;
        }
        boolean changes = outcomes.stream().anyMatch(o -> o instanceof HostOutcome.Planned p && !p.plan().isEmpty());
        return changes ? 2 : 0;
    }
}
