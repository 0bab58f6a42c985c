package dev.driftless.cli;

import dev.driftless.engine.Selection;
import dev.driftless.engine.Workspace;
import dev.driftless.secrets.Secrets;
import dev.driftless.source.RepoSource;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
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

    /** What a failure means for this command, said after the error (as "; nothing was applied"). */
    String consequence() {
        return "";
    }

    /** How this command reads the repository's secrets. */
    Secrets.Reading secretReading() {
        return Secrets.Reading.DECRYPTED;
    }

    int withWorkspace(RepositoryOptions repository, RepoSource.ReadFrom readFrom, List<String> hosts,
            List<String> services, Optional<java.nio.file.Path> root, dev.driftless.host.SshSettings ssh,
            RenderOptions render, ToIntFunction<Workspace> body) {
        dev.driftless.secrets.AgeKeyring keys = ageKey.keyring();
        List<java.nio.file.Path> ownFiles = new java.util.ArrayList<>(keys.files());
        ownFiles.addAll(ssh.files());
        Selection selection = new Selection(repository.request(readFrom), hosts, services, root, ssh, keys,
                render.limits(), ownFiles, secretReading());
        // a repository that does not validate or cannot be read is said by Main, as every command's failure is
        try (Workspace workspace = Workspace.open(selection, repository.source())) {
            return body.applyAsInt(workspace);
        }
    }
}
