package dev.driftless.cli;

import dev.driftless.model.Service;
import dev.driftless.secrets.Secrets;
import dev.driftless.source.RepoSource;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Loads and renders the repository for every host without touching any host. */
@Command(name = "validate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check the repository: YAML, keys, paths, handlers, dependsOn and every template rendered for"
                + " every host, and that no private age key is committed. Touches no host.", "",
            "With --verify-signatures, the commit must carry a good signature from a trusted key, and validate says who"
                + " signed it.", "",
            "Exit codes: 0 = valid, 1 = invalid (each problem printed as file:line: key: message) or, with"
                + " --verify-signatures, untrusted."})
final class ValidateCommand extends WorkspaceCommand implements Callable<Integer> {

    @Mixin
    RepositoryOptions repository;

    @Mixin
    TrustOptions trust;

    @Option(names = "--worktree", description = "Read uncommitted files of the working tree instead of the commit.")
    boolean worktree;

    @Option(names = "--no-secrets",
            description = "Check without the age key (pull requests from forks, pre-commit hooks): secret() is"
                    + " rendered as a placeholder once its name is found in an encrypted file, and secret files are"
                    + " only checked to be encrypted. Values are not decrypted, so not checked.")
    boolean noSecrets;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text or json (docs/json.md: ok, problems with file, line, key and message). Default:"
                    + " ${DEFAULT-VALUE}.")
    TargetOptions.Output output;

    @Mixin
    RenderOptions render;

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    @Override
    Secrets.Reading secretReading() {
        return noSecrets ? Secrets.Reading.NAMES_ONLY : Secrets.Reading.DECRYPTED;
    }

    @Override
    public Integer call() {
        RepoSource.ReadFrom from = worktree ? RepoSource.ReadFrom.WORKTREE : RepoSource.ReadFrom.COMMIT;
        return withWorkspace(repository, from, trust, new HostOptions(), List.of(), new SshOptions().settings(),
                render, workspace -> {
            var repo = workspace.repository();
            int hosts = repo.inventory().hosts().size();
            int resources = repo.services().stream().mapToInt((Service s) -> s.resources().size()).sum();
            if (signature().isPresent()) {
                noteUncommitted(workspace, repository, "validate");
            }
            if (noSecrets) {
                err().println("Note: secrets were not checked (--no-secrets): no value was decrypted, only each"
                        + " secret's name looked up in the encrypted files.");
                err().flush();
            }
            if (output == TargetOptions.Output.json) {
                out().println(ResultDocument.valid(repo.revision(), hosts, repo.services().size(), resources,
                        !noSecrets, signature()).text());
            } else {
                sayWhoSigned(workspace);
                out().println("Valid: " + count(hosts, "host") + ", " + count(repo.services().size(), "service")
                        + ", " + count(resources, "resource") + " at " + repo.revision() + ".");
            }
            return 0;
        });
    }
}
