package dev.driftless.cli;

import dev.driftless.engine.Forget;
import dev.driftless.engine.PlanPrinter;
import dev.driftless.source.RepoSource;
import dev.driftless.state.StateFile;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Stops managing paths on hosts without touching them there, as Terraform's state rm. */
@Command(name = "forget", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Stop managing PATH on the chosen hosts without touching it there: it leaves the host's state, and"
                + " the backup of what was there before Driftless took it over is dropped. A path still in the"
                + " repository is taken over again (adopted) by the next apply: remove it from the repository too.", "",
            "With --verify-signatures, the hosts are read from a commit with a good signature from a trusted key only.", "",
            "Exit codes: 0 = done, 1 = a path no chosen host manages (nothing was changed), a host failed, or the"
                + " commit is untrusted."})
final class ForgetCommand extends WorkspaceCommand implements Callable<Integer> {

    @Parameters(paramLabel = "PATH", arity = "1..*",
            description = "A path as the repository names it (/etc/motd), or a key as plan --output json names it"
                    + " (package:nginx).")
    List<String> paths = new ArrayList<>();

    @Mixin
    RepositoryOptions repository;

    @Mixin
    TrustOptions trust;

    @Mixin
    HostOptions where;

    @Mixin
    SshOptions ssh;

    @Mixin
    RenderOptions render;

    @Mixin
    LockOptions lock;

    @Override
    String consequence() {
        return "; nothing was forgotten";
    }

    @Override
    public Integer call() {
        return withWorkspace(repository, RepoSource.ReadFrom.COMMIT, trust, where, List.of(), ssh.settings(), render,
                workspace -> {
                    sayWhoSigned(workspace);
                    Forget.Result result = new Forget(lock.lockTimeout).paths(workspace, paths, message -> {
                        err().println(message);
                        err().flush();
                    });
                    print(result, out(), err());
                    return result.succeeded() ? 0 : 1;
                });
    }

    private static void print(Forget.Result result, PrintWriter out, PrintWriter err) {
        if (!result.unmanaged().isEmpty()) {
            List<String> reached = result.hosts().stream().filter(h -> h.error().isEmpty())
                    .map(Forget.HostForgot::host).toList();
            for (String path : result.unmanaged()) {
                err.println("Error: " + path + " is not managed on " + (reached.isEmpty() ? "any host reached"
                        : String.join(", ", reached)) + "; nothing was forgotten. The paths Driftless manages on a"
                        + " host are listed in its state, " + StateFile.pathFor("HOST"));
            }
        }
        int forgotten = 0;
        for (Forget.HostForgot host : result.hosts()) {
            if (!host.forgotten().isEmpty()) {
                out.println(host.host() + " (" + host.description() + ")");
                for (Map.Entry<String, Boolean> path : host.forgotten().entrySet()) {
                    out.println("  forgot " + path.getKey() + ": left as it is"
                            + (path.getValue() ? "; dropped the backup of what was there before Driftless" : ""));
                }
                forgotten += host.forgotten().size();
            }
            host.error().ifPresent(e -> out.println(host.host() + ": error: " + PlanPrinter.withoutHost(host.host(), e)));
        }
        if (result.unmanaged().isEmpty()) {
            long hosts = result.hosts().stream().filter(h -> !h.forgotten().isEmpty()).count();
            out.println("Forgot " + forgotten + (forgotten == 1 ? " path" : " paths") + " on " + hosts
                    + (hosts == 1 ? " host" : " hosts") + ". A path still in the repository is adopted again by the"
                    + " next apply.");
        }
        out.flush();
        err.flush();
    }
}
