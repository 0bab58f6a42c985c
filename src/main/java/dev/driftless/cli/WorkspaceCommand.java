package dev.driftless.cli;

import dev.driftless.engine.Selection;
import dev.driftless.engine.Workspace;
import dev.driftless.model.Problem;
import dev.driftless.model.ValidationException;
import dev.driftless.source.RepoSource;
import dev.driftless.source.SourceException;
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
