package dev.driftless.cli;

import dev.driftless.model.Service;
import dev.driftless.source.RepoSource;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Loads and renders the repository for every host without touching any host. */
@Command(name = "validate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check the repository: YAML, keys, paths, handlers, dependsOn and every template rendered for"
                + " every host. Touches no host.", "", "Exit codes: 0 = valid, 1 = invalid (each problem printed as"
                + " file:line: key: message)."})
final class ValidateCommand extends WorkspaceCommand implements Callable<Integer> {

    @Mixin
    RepositoryOptions repository;

    @Option(names = "--worktree", description = "Read uncommitted files of the working tree instead of the commit.")
    boolean worktree;

    @Mixin
    RenderOptions render;

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    @Override
    public Integer call() {
        RepoSource.ReadFrom from = worktree ? RepoSource.ReadFrom.WORKTREE : RepoSource.ReadFrom.COMMIT;
        return withWorkspace(repository, from, new HostOptions(), List.of(), new SshOptions().settings(),
                render, workspace -> {
            var repo = workspace.repository();
            int resources = repo.services().stream().mapToInt((Service s) -> s.resources().size()).sum();
            out().println("Valid: " + count(repo.inventory().hosts().size(), "host") + ", "
                    + count(repo.services().size(), "service") + ", " + count(resources, "resource") + " at "
                    + repo.revision() + ".");
            return 0;
        });
    }
}
