package dev.driftless.cli;

import dev.driftless.engine.PlanPrinter;
import dev.driftless.engine.Selection;
import dev.driftless.engine.Workspace;
import dev.driftless.secrets.Secrets;
import dev.driftless.source.RepoSource;
import dev.driftless.source.UncommittedFiles;
import java.io.PrintWriter;
import java.util.List;
import java.util.function.ToIntFunction;
import picocli.CommandLine;

/**
 * Opens the workspace a command names. A repository that does not validate or cannot be read ends the command
 * with an exception that {@link Failures} says, with {@link #consequence}.
 */
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

    /** What a failure means for this command, said after the error (as "; nothing was applied"). */
    String consequence() {
        return "";
    }

    /** How this command reads the repository's secrets. */
    Secrets.Reading secretReading() {
        return Secrets.Reading.DECRYPTED;
    }

    int withWorkspace(RepositoryOptions repository, RepoSource.ReadFrom readFrom, HostOptions where,
            List<String> services, dev.driftless.host.SshSettings ssh, RenderOptions render,
            ToIntFunction<Workspace> body) {
        dev.driftless.secrets.AgeKeyring keys = ageKey.keyring();
        List<java.nio.file.Path> ownFiles = new java.util.ArrayList<>(keys.files());
        ownFiles.addAll(ssh.files());
        Selection selection = new Selection(repository.request(readFrom), where.hosts, services, where.root(), ssh,
                keys, render.limits(), ownFiles, where.asHost(), secretReading());
        // a repository that does not validate or cannot be read is said by Main, as every command's failure is
        try (Workspace workspace = Workspace.open(selection, repository.source())) {
            // standard error: the JSON on standard output stays one document
            workspace.tag().ifPresent(tag -> {
                err().println("Reading tag " + tag.name() + ", the highest version matching '" + repository.ref
                        + "', at commit " + PlanPrinter.shortRevision(workspace.revision()) + ".");
                err().flush();
            });
            return body.applyAsInt(workspace);
        }
    }
}
