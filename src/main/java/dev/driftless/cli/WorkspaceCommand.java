package dev.driftless.cli;

import dev.driftless.engine.PlanPrinter;
import dev.driftless.engine.Selection;
import dev.driftless.engine.Workspace;
import dev.driftless.model.Problem;
import dev.driftless.model.ValidationException;
import dev.driftless.source.RepoSource;
import dev.driftless.source.SourceException;
import dev.driftless.source.UncommittedFiles;
import java.io.PrintWriter;
import java.util.List;
import java.util.function.ToIntFunction;
import picocli.CommandLine;

/** Opens the workspace a command names and turns bad input into a clear message and exit code 1. */
abstract class WorkspaceCommand {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    AgeKeyOptions ageKey;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** How many uncommitted files a note names before it says only how many more there are. */
    static final int NAMED_FILES = 10;

    /**
     * Says on standard error which uncommitted files of the working tree the command ignores, as it reads the commit
     * at HEAD ({@code what}: "this plan"), and how to review them: a new user edits, plans, and otherwise sees
     * "no changes". Nothing for --ref (another commit than the files' own), a URL or a bare repository.
     */
    void noteUncommitted(Workspace workspace, RepositoryOptions repository, String what) {
        if (repository.ref != null || RepoSource.isRemote(repository.repo)) {
            return;
        }
        UncommittedFiles uncommitted = workspace.uncommitted();
        if (uncommitted.isEmpty()) {
            return;
        }
        int count = uncommitted.files().size();
        PrintWriter err = err();
        err.println("Note: " + what + " reads commit " + PlanPrinter.shortRevision(workspace.revision())
                + " (HEAD), not the " + (count == 1 ? "uncommitted file" : count + " uncommitted files") + " in "
                + uncommitted.folder() + ":");
        uncommitted.files().stream().limit(NAMED_FILES)
                .forEach(file -> err.println("  " + file.path() + " (" + file.state().word() + ")"));
        if (count > NAMED_FILES) {
            err.println("  and " + (count - NAMED_FILES) + " more");
        }
        err.println("Commit " + (count == 1 ? "it" : "them") + " first, or review " + (count == 1 ? "it" : "them")
                + " with 'driftless plan --worktree'.");
        err.flush();
    }

    /** What a repository that does not validate means for this command, said after the error. */
    String consequence() {
        return "";
    }

    int withWorkspace(RepositoryOptions repository, RepoSource.ReadFrom readFrom, HostOptions where,
            List<String> services, dev.driftless.host.SshSettings ssh, RenderOptions render,
            ToIntFunction<Workspace> body) {
        dev.driftless.secrets.AgeKeyring keys = ageKey.keyring();
        List<java.nio.file.Path> ownFiles = new java.util.ArrayList<>(keys.files());
        ownFiles.addAll(ssh.files());
        Selection selection = new Selection(repository.request(readFrom), where.hosts, services, where.root(), ssh,
                keys, render.limits(), ownFiles, where.asHost());
        try (Workspace workspace = Workspace.open(selection, repository.source())) {
            return body.applyAsInt(workspace);
        } catch (ValidationException e) {
            PrintWriter err = err();
            err.println("Error: the repository does not validate (" + e.problems().size()
                    + (e.problems().size() == 1 ? " problem" : " problems") + ")" + consequence() + ":");
            for (Problem problem : e.problems()) {
                err.println("  " + problem);
            }
            err.flush();
            return 1;
        } catch (SourceException e) {
            err().println("Error: " + e.getMessage());
            err().flush();
            return 1;
        }
    }
}
