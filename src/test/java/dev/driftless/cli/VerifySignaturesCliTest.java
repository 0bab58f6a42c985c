package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.engine.PlanPrinter;
import dev.driftless.testing.Cli;
import dev.driftless.testing.GitDaemon;
import dev.driftless.testing.SigningKeys;
import dev.driftless.testing.SigningKeys.PgpKey;
import dev.driftless.testing.SigningKeys.SshKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * validate, plan, check and apply with {@code --verify-signatures}: a commit signed by the real git with a trusted
 * ssh-keygen or gpg key is read and its signer said; any other ends the command with exit 1 before a host is
 * touched, naming the commit, the reason, the signer when known and the key's file:line.
 */
class VerifySignaturesCliTest {

    @TempDir
    Path tmp;

    // the repository the commands read, the root they write to, and the keys of those who sign
    private Path repo;
    private Path root;
    private SigningKeys keys;
    private SshKey alice;
    private Path allowed;

    @BeforeEach
    void setUp() throws IOException {
        repo = Files.createDirectories(tmp.resolve("repo"));
        root = tmp.resolve("root");
        keys = new SigningKeys(Files.createDirectories(tmp.resolve("keys")));
        keys.git(repo, "init", "-q", "-b", "main");
        write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        write("services/motd/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/motd\n    source: motd\n");
        write("services/motd/motd", "signed\n");
        alice = keys.sshKey("alice@example.org");
        allowed = Files.writeString(tmp.resolve("allowed_signers"),
                "# the release team\n" + alice.allowedSignersLine("namespaces=\"git\"") + "\n");
    }

    @AfterEach
    void tearDown() {
        keys.close();
    }

    private void write(String path, String content) throws IOException {
        Path file = repo.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private Cli.Result run(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--repo", repo.toString()));
        if (!command.equals("validate")) {
            args.addAll(List.of("--root", root.toString()));
        }
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private Cli.Result trustingAlice(String command, String... more) {
        List<String> args = new ArrayList<>(List.of("--verify-signatures", "--allowed-signers", allowed.toString()));
        args.addAll(List.of(more));
        return run(command, args.toArray(String[]::new));
    }

    private static JsonNode json(Cli.Result result) throws IOException {
        return new ObjectMapper().readTree(result.out());
    }

    private static String shortId(String commit) {
        return PlanPrinter.shortRevision(commit);
    }

    @Test
    void aSignedCommitCannotManageTheTrustFileItself() throws IOException {
        // a signer who may change the machines must still not be able to add keys: the trust file is off limits
        Path trustFile = Files.createDirectories(root.resolve("etc/driftless")).resolve("allowed_signers");
        Files.copy(allowed, trustFile);
        SshKey mallory = keys.sshKey("mallory@example.org");
        write("services/keys/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/driftless/allowed_signers\n"
                + "    content: \"" + mallory.allowedSignersLine("") + "\\n\"\n");
        keys.commit(repo, alice, "add mallory");

        Cli.Result apply = run("apply", "--verify-signatures", "--allowed-signers", trustFile.toString());

        assertThat(apply.exitCode()).as(apply.toString()).isNotZero();
        assertThat(apply.out() + apply.err()).contains("/etc/driftless/allowed_signers");
        assertThat(trustFile).hasSameTextualContentAs(allowed);
        assertThat(root.resolve("etc/motd")).doesNotExist();
    }

    @Test
    void validateAndPlanSayWhoSignedACommitSignedByAnAllowedSshKey() throws IOException {
        String commit = keys.commit(repo, alice, "motd");

        Cli.Result validate = trustingAlice("validate");
        Cli.Result plan = trustingAlice("plan");
        Cli.Result validateJson = trustingAlice("validate", "--output", "json");
        Cli.Result planJson = trustingAlice("plan", "--output", "json");

        String line = "Commit " + shortId(commit) + " signed by alice@example.org (ssh SHA256:";
        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        assertThat(validate.out()).as(validate.toString()).startsWith(line).contains("Valid: 1 host");
        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).as(plan.toString()).startsWith(line).contains("+signed");
        for (Cli.Result result : List.of(validateJson, planJson)) {
            JsonNode signature = json(result).get("signature");
            assertThat(signature).as(result.toString()).isNotNull();
            assertThat(signature.get("commit").asText()).isEqualTo(commit);
            assertThat(signature.get("signer").asText()).isEqualTo("alice@example.org");
            assertThat(signature.get("fingerprint").asText()).startsWith("SHA256:");
            assertThat(signature.get("kind").asText()).isEqualTo("ssh");
        }
        assertThat(root).doesNotExist();
    }

    @Test
    void applyAndCheckProceedWithACommitSignedByATrustedOpenPgpKeyAndSayItsSigner() throws IOException {
        PgpKey bob = keys.pgpKey("Bob <bob@example.org>");
        String commit = keys.commit(repo, bob, "motd");
        String[] trustingBob = {"--verify-signatures", "--trusted-pgp-keys", bob.publicKeyFile().toString()};

        Cli.Result apply = run("apply", trustingBob);
        Cli.Result check = run("check", trustingBob);

        String line = "Commit " + shortId(commit) + " signed by Bob <bob@example.org> (openpgp " + bob.fingerprint()
                + ").";
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).startsWith(line);
        assertThat(root.resolve("etc/motd")).hasContent("signed");
        assertThat(check.exitCode()).as(check.toString()).isZero();
        assertThat(check.out()).startsWith(line);
    }

    @Test
    void applyRefusesAnUnsignedCommitWithExit1AndWritesNothing() throws IOException {
        String commit = keys.unsignedCommit(repo, "motd");

        Cli.Result apply = trustingAlice("apply");
        Cli.Result json = trustingAlice("apply", "--output", "json");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.err()).as(apply.toString()).startsWith("Error: commit " + shortId(commit)
                + " is untrusted: unsigned: commit " + commit + " is not signed; nothing was applied\n")
                .contains("git commit -S");
        assertThat(root.resolve("etc/motd")).doesNotExist();
        assertThat(json.exitCode()).isEqualTo(1);
        JsonNode document = json(json);
        assertThat(document.get("ok").asBoolean()).isFalse();
        assertThat(document.get("kind").asText()).isEqualTo("untrusted-commit");
        assertThat(document.get("error").asText()).startsWith("commit " + shortId(commit) + " is untrusted: unsigned");
        assertThat(document.get("untrusted").get("commit").asText()).isEqualTo(commit);
        assertThat(document.get("untrusted").get("reason").asText()).isEqualTo("unsigned");
        assertThat(document.get("untrusted").get("signer").isNull()).isTrue();
        assertThat(root.resolve("etc/motd")).doesNotExist();
    }

    @Test
    void aKeyInNoTrustFileIsRefusedByEveryCommandNamingTheTrustFile() throws IOException {
        SshKey mallory = keys.sshKey("mallory@example.org");
        String commit = keys.commit(repo, mallory, "motd");

        for (String command : List.of("validate", "plan", "check", "apply")) {
            Cli.Result result = trustingAlice(command);

            assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
            assertThat(result.err()).as(result.toString()).startsWith("Error: commit " + shortId(commit)
                    + " is untrusted: unknown-key: commit " + commit + " is signed by SSH key SHA256:")
                    .contains("the key is not in " + allowed, "add it to --allowed-signers or --trusted-pgp-keys");
            assertThat(result.out()).isEmpty();
        }
        Cli.Result forget = trustingAlice("forget", "/etc/motd");
        assertThat(forget.exitCode()).as(forget.toString()).isEqualTo(1);
        assertThat(forget.err()).contains("is untrusted: unknown-key", "; nothing was forgotten\n");
        assertThat(root).doesNotExist();
    }

    @Test
    void aTamperedCommitIsABadSignatureThatNamesItsSigner() throws IOException {
        String tampered = keys.tamperedCopy(repo, keys.commit(repo, alice, "motd"));

        Cli.Result plan = trustingAlice("plan", "--ref", tampered);
        Cli.Result json = trustingAlice("plan", "--ref", tampered, "--output", "json");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
        assertThat(plan.err()).as(plan.toString()).startsWith("Error: commit " + shortId(tampered)
                + " is untrusted: bad-signature (signer alice@example.org): ");
        JsonNode untrusted = json(json).get("untrusted");
        assertThat(untrusted.get("reason").asText()).isEqualTo("bad-signature");
        assertThat(untrusted.get("signer").asText()).isEqualTo("alice@example.org");
        assertThat(untrusted.get("detail").asText()).contains("does not match");
    }

    @Test
    void aKeyNotAllowedForGitNamesTheLineOfTheTrustFile() throws IOException {
        Files.writeString(allowed, "# the release team\n" + alice.allowedSignersLine("namespaces=\"file\"") + "\n");
        String commit = keys.commit(repo, alice, "motd");

        Cli.Result validate = trustingAlice("validate", "--output", "json");

        assertThat(validate.exitCode()).as(validate.toString()).isEqualTo(1);
        assertThat(validate.err()).startsWith("Error: commit " + shortId(commit)
                + " is untrusted: key-not-allowed (signer alice@example.org): ").contains(allowed + ":2");
        JsonNode untrusted = json(validate).get("untrusted");
        assertThat(untrusted.get("reason").asText()).isEqualTo("key-not-allowed");
        assertThat(untrusted.get("detail").asText()).contains(allowed + ":2");
    }

    @Test
    void aRepositoryFetchedFromAGitDaemonIsVerifiedAndAnUnsignedPushIsNotApplied() throws IOException {
        Path served = Files.createDirectories(tmp.resolve("served"));
        keys.git(served, "init", "-q", "--bare", "-b", "main", "infra.git");
        String signed = keys.commit(repo, alice, "motd");
        keys.git(repo, "push", "-q", served.resolve("infra.git").toString(), "main");
        Path cache = tmp.resolve("cache");

        try (GitDaemon daemon = GitDaemon.serve(served)) {
            String[] fromDaemon = {"--repo", daemon.url("infra.git"), "--cache", cache.toString(), "--root",
                root.toString(), "--verify-signatures", "--allowed-signers", allowed.toString()};
            Cli.Result first = Cli.run(withCommand("apply", fromDaemon));
            write("services/motd/motd", "unsigned\n");
            String unsigned = keys.unsignedCommit(repo, "an unsigned change");
            keys.git(repo, "push", "-q", served.resolve("infra.git").toString(), "main");
            Cli.Result second = Cli.run(withCommand("apply", fromDaemon));

            assertThat(first.exitCode()).as(first.toString()).isZero();
            assertThat(first.out()).startsWith("Commit " + shortId(signed) + " signed by alice@example.org");
            assertThat(second.exitCode()).as(second.toString()).isEqualTo(1);
            assertThat(second.err()).startsWith("Error: commit " + shortId(unsigned) + " is untrusted: unsigned");
            assertThat(root.resolve("etc/motd")).hasContent("signed");
        }
    }

    private static String[] withCommand(String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    @Test
    void uncommittedChangesAreNotAppliedAndTheNoteSaysToSignThem() throws IOException {
        String commit = keys.commit(repo, alice, "motd");
        write("services/motd/motd", "edited, not committed\n");

        Cli.Result apply = trustingAlice("apply");
        Cli.Result validate = trustingAlice("validate");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(root.resolve("etc/motd")).hasContent("signed");
        assertThat(apply.err()).as(apply.toString()).contains("Note: this apply reads commit " + shortId(commit)
                + " (HEAD), not the uncommitted file in", "  services/motd/motd (modified)\n",
                "Commit it with a trusted signature (git commit -S) first: with --verify-signatures only the signed"
                        + " commit is read.");
        assertThat(validate.err()).as(validate.toString()).contains("Note: validate reads commit " + shortId(commit),
                "services/motd/motd (modified)");
    }

    @Test
    void worktreeAndVerifySignaturesTogetherAreAUsageError() throws IOException {
        keys.commit(repo, alice, "motd");

        Cli.Result plan = trustingAlice("plan", "--worktree");
        Cli.Result validate = trustingAlice("validate", "--worktree", "--output", "json");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
        assertThat(plan.err()).isEqualTo("--worktree reads uncommitted files, which carry no signature: leave out"
                + " --worktree to verify and read the commit, or --verify-signatures to review the working tree\n"
                + "Run 'driftless plan --help' for the options.\n");
        assertThat(validate.exitCode()).isEqualTo(1);
        assertThat(json(validate).get("kind").asText()).isEqualTo("usage");
    }

    @Test
    void aCommitSignedByARevokedSshKeyIsRefusedNamingTheRevocationFile() throws IOException {
        String commit = keys.commit(repo, alice, "motd");
        Path revoked = Files.writeString(tmp.resolve("revoked_keys"), "# stolen\n" + alice.publicKey() + "\n");

        Cli.Result apply = trustingAlice("apply", "--revoked-ssh-keys", revoked.toString());

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.err()).as(apply.toString()).contains("commit " + shortId(commit) + " is untrusted: revoked-key"
                + " (signer alice@example.org)", revoked + ":2 lists it", "Sign with a key that is not revoked.");
        assertThat(root).doesNotExist();
    }

    @Test
    void trustFilesWithoutVerifySignaturesOrThatCannotBeReadAreUsageErrors() throws IOException {
        keys.commit(repo, alice, "motd");
        Path missing = tmp.resolve("no-such-file");

        Cli.Result withoutVerify = run("apply", "--allowed-signers", allowed.toString());
        Cli.Result unreadable = run("check", "--verify-signatures", "--allowed-signers", missing.toString(),
                "--output", "json");

        assertThat(withoutVerify.exitCode()).as(withoutVerify.toString()).isEqualTo(1);
        assertThat(withoutVerify.err()).startsWith("--allowed-signers is given without --verify-signatures")
                .endsWith("Run 'driftless apply --help' for the options.\n");
        assertThat(root).doesNotExist();
        assertThat(unreadable.exitCode()).as(unreadable.toString()).isEqualTo(1);
        assertThat(unreadable.err()).startsWith(missing + ": cannot read the allowed signers file")
                .endsWith("Run 'driftless check --help' for the options.\n");
        assertThat(json(unreadable).get("kind").asText()).isEqualTo("usage");
    }

    @Test
    void everyCommandThatReadsACommitToActOnHostsExplainsTheTrustOptions() {
        for (String command : List.of("validate", "plan", "apply", "check", "forget")) {
            Cli.Result help = Cli.run(command, "--help");

            assertThat(help.exitCode()).isZero();
            assertThat(help.out()).as(command).contains("--verify-signatures", "--allowed-signers=FILE",
                    "--trusted-pgp-keys=FILE", "signed");
        }
    }
}
