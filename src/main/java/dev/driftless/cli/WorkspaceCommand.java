package dev.driftless.cli;

import dev.driftless.engine.PlanPrinter;
import dev.driftless.engine.Selection;
import dev.driftless.engine.Workspace;
import dev.driftless.secrets.Secrets;
import dev.driftless.source.RepoSource;
import dev.driftless.source.UncommittedFiles;
import dev.driftless.trust.SignatureCheck;
import dev.driftless.trust.TrustSettings;
import dev.driftless.trust.Verdict;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Map;
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

    /** Who signed the commit read: set by {@link #withWorkspace} when it verified the commit. */
    private Optional<Verdict.Trusted> signature = Optional.empty();
    /** In tag mode, the tag read: it is the tag's signature that is verified, not the commit's. */
    private Optional<String> signedTag = Optional.empty();

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
        if (signature.isPresent()) {
            // --worktree and --verify-signatures exclude each other: only a signed commit is read
            err.println("Commit " + (count == 1 ? "it" : "them") + " with a trusted signature (git commit -S) first:"
                    + " with --verify-signatures only the signed commit is read.");
        } else {
            err.println("Commit " + (count == 1 ? "it" : "them") + " first, or review " + (count == 1 ? "it" : "them")
                    + " with 'driftless plan --worktree'.");
        }
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

    /**
     * Opens the workspace and runs {@code body} on it. With {@code --verify-signatures} ({@code trust}) the commit is
     * verified first: an untrusted one ends the command with {@link UntrustedCommit} before any of its files is
     * read, and a trusted one is {@link #signature()} while {@code body} runs.
     */
    int withWorkspace(RepositoryOptions repository, RepoSource.ReadFrom readFrom, TrustOptions trust, HostOptions where,
            List<String> services, dev.driftless.host.SshSettings ssh, RenderOptions render,
            ToIntFunction<Workspace> body) {
        Optional<TrustSettings> settings = trust.settings(spec.commandLine());
        if (settings.isPresent() && readFrom == RepoSource.ReadFrom.WORKTREE) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--worktree reads uncommitted files, which"
                    + " carry no signature: leave out --worktree to verify and read the commit, or"
                    + " --verify-signatures to review the working tree");
        }
        dev.driftless.secrets.AgeKeyring keys = ageKey.keyring();
        List<java.nio.file.Path> ownFiles = new java.util.ArrayList<>(keys.files());
        ownFiles.addAll(ssh.files());
        ownFiles.addAll(trust.files());
        Selection selection = new Selection(repository.request(readFrom), where.hosts, services, where.root(), ssh,
                keys, render.limits(), ownFiles, where.asHost(), secretReading());
        RepoSource.Checkout checkout = repository.source().open(selection.source());
        // standard error: the JSON on standard output stays one document
        checkout.tag().ifPresent(tag -> {
            err().println("Reading tag " + tag.name() + ", the highest version matching '" + repository.ref
                    + "', at commit " + PlanPrinter.shortRevision(checkout.tree().revision()) + ".");
            err().flush();
        });
        signedTag = checkout.tag().map(dev.driftless.source.TagInfo::name);
        try {
            signature = settings.map(trusted -> trusted(checkout, trusted));
        } catch (RuntimeException e) {
            checkout.close();
            throw e;
        }
        // a repository that does not validate or cannot be read is said by Main, as every command's failure is
        try (Workspace workspace = Workspace.open(selection, checkout)) {
            return body.applyAsInt(workspace);
        }
    }

    /** The signature of the commit checked out, when a key {@code settings} lists made it; else UntrustedCommit. */
    private static Verdict.Trusted trusted(RepoSource.Checkout checkout, TrustSettings settings) {
        Verdict verdict = checkout.verify(new SignatureCheck(settings, Clock.systemUTC()));
        if (verdict instanceof Verdict.Untrusted untrusted) {
            throw new UntrustedCommit(checkout.tree().revision(), untrusted);
        }
        return (Verdict.Trusted) verdict;
    }

    /** Who signed the commit read, with --verify-signatures (while the body of {@link #withWorkspace} runs). */
    Optional<Verdict.Trusted> signature() {
        return signature;
    }

    /** Says who signed the commit read, in text, when --verify-signatures verified it: the first line of a run. */
    void sayWhoSigned(Workspace workspace) {
        signature.ifPresent(trusted -> {
            out().println(signedTag.map(tag -> "Tag " + tag + " (commit " + PlanPrinter.shortRevision(
                    workspace.revision()) + ")").orElse("Commit " + PlanPrinter.shortRevision(workspace.revision()))
                    + " signed by " + trusted.summary() + ".");
            out().flush();
        });
    }

    /** The fields a JSON document adds for the signature of the commit read: none without --verify-signatures. */
    Map<String, Object> signatureJson(Workspace workspace) {
        return signature.map(trusted -> Map.<String, Object>of("signature",
                ResultDocument.signature(workspace.revision(), trusted))).orElse(Map.of());
    }
}
