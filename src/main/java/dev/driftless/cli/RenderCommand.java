package dev.driftless.cli;

import dev.driftless.engine.RenderedFile;
import dev.driftless.render.Desired;
import dev.driftless.source.RepoSource;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints one file of a service as one host gets it. */
@Command(name = "render", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print FILE of SERVICE as host H gets it: a source as committed, a template rendered with the"
                + " host's variables, or content written in service.yaml. Lines that come from secrets are masked"
                + " unless --show-secrets. Touches no host.", "",
            "Exit codes: 0 = printed, 1 = error (no such service, file or host; a repository that does not validate)."})
final class RenderCommand extends WorkspaceCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The service: a folder name under services/.")
    String service;

    @Parameters(index = "1", paramLabel = "FILE",
            description = "The file: its path on the host (/etc/nginx/nginx.conf) or its name in the service's folder"
                    + " (nginx.conf, site.conf.peb).")
    String file;

    @Option(names = "--host", paramLabel = "H",
            description = "The host to render for (host variables differ). Default: the one host the service goes to.")
    String host;

    @Mixin
    RepositoryOptions repository;

    @Option(names = "--worktree", description = "Read uncommitted files of the working tree instead of the commit.")
    boolean worktree;

    @Option(names = "--show-secrets",
            description = "Print a file with secrets in it as it is, secret values included (to your terminal: mind"
                    + " where the output goes).")
    boolean showSecrets;

    @Mixin
    RenderOptions render;

    @Override
    public Integer call() {
        RepoSource.ReadFrom from = worktree ? RepoSource.ReadFrom.WORKTREE : RepoSource.ReadFrom.COMMIT;
        HostOptions where = new HostOptions();
        where.hosts = host == null ? List.of() : List.of(host);
        return withWorkspace(repository, from, new TrustOptions(), where, List.of(service), new SshOptions().settings(), render,
                workspace -> {
            RenderedFile rendered;
            try {
                rendered = RenderedFile.find(workspace, service, file);
            } catch (RenderedFile.NotFound e) {
                err().println("Error: " + e.getMessage());
                return 1;
            }
            Optional<String> text = text(rendered.file());
            if (text.isEmpty()) {
                err().println("Error: " + rendered.file().path() + " of service " + service + " is not UTF-8 text ("
                        + rendered.file().content().length + " bytes); render prints text files only");
                return 1;
            }
            Optional<String> shown = shown(rendered.file(), text.get());
            if (shown.isEmpty()) {
                err().println("Not printed: " + rendered.file().path() + " (" + rendered.declared().where()
                        + ") has secrets in it, and the lines that hold them cannot be told apart (a secret: file,"
                        + " or a secret that decides how many lines there are)."
                        + " --show-secrets prints the whole file, secret values included.");
                return 0;
            }
            out().print(shown.get());
            out().flush();
            return 0;
        });
    }

    /**
     * The text to print: all of it with --show-secrets; else the lines that come from secrets masked as diffs mask
     * them, and nothing when they cannot be told apart.
     */
    private Optional<String> shown(Desired.File rendered, String text) {
        return showSecrets ? Optional.of(text) : rendered.secretLines().masked(rendered.content());
    }

    private static Optional<String> text(Desired.File rendered) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(rendered.content()))
                    .toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
