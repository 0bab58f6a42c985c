package dev.driftless.cli;

import dev.driftless.engine.Reconciler;
import dev.driftless.engine.HostOutcome;
import dev.driftless.engine.PlanPrinter;
import dev.driftless.source.RepoSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Tells whether hosts match the commit, separating drift (hand edits) from pending (new commits). */
@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare each host with the commit and with what was last applied. Every difference is"
                + " labelled drift (changed on the host since the last apply) or pending (changed in Git since the"
                + " last apply). Changes nothing. With --verify-signatures, only a commit with a good signature from a trusted"
                + " key is compared with.", "",
            "Exit codes: 0 = live matches the desired state, 2 = drift or pending changes, 1 = error (also an untrusted"
                + " commit)."})
final class CheckCommand extends WorkspaceCommand implements Callable<Integer> {

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

    @Override
    public Integer call() {
        return withWorkspace(repository, RepoSource.ReadFrom.COMMIT, trust, where, target.services, ssh.settings(), render,
                workspace -> {
                    noteUncommitted(workspace, repository, "this check");
                    if (target.output == TargetOptions.Output.text) {
                        sayWhoSigned(workspace);
                    }
                    Reconciler reconciler = new Reconciler(Duration.ZERO, Duration.ZERO);
                    List<HostOutcome> outcomes = reconciler.plan(workspace, where.parallel,
                            new HostProgress(err(), workspace.hosts().size()));
                    PlanPrinter printer = new PlanPrinter(PlanPrinter.Mode.CHECK, color.palette());
                    if (target.output == TargetOptions.Output.json) {
                        printer.printJson(outcomes, signatureJson(workspace), out());
                    } else {
                        printer.printText(outcomes, reconciler.descriptions(), out());
                    }
                    return PlanCommand.exitCode(outcomes);
                });
    }
}
