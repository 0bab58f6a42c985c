package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.Command;
import dev.driftless.testing.PushedRepo;
import dev.driftless.testing.SigningKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code validate}, {@code plan} and {@code apply} with {@code --ref} a tag pattern: they read the commit of the
 * highest matching version and say which tag that is, from the clone the team pushes from and from the URL a real
 * {@code git daemon} serves. Tags are made by the real git; v1.9 is tagged after v1.10.
 */
class TagModeCliTest {

    @TempDir
    Path tmp;

    PushedRepo repo;
    Path work;
    Path root;
    String v110;

    @BeforeEach
    void setUp() throws Exception {
        root = tmp.resolve("root");
        repo = PushedRepo.create(tmp.resolve("git"));
        work = tmp.resolve("git/work");
        repo.write("driftless.yaml", "hosts:\n  h:\n    address: local\n");
        v110 = release("1.10");
        release("1.9");
        motd("unreleased");
        repo.commitAndPush("not released yet");
    }

    @AfterEach
    void tearDown() {
        repo.close();
    }

    private void motd(String text) {
        repo.write("services/motd/service.yaml", "hosts: [h]\nfiles:\n  - path: /etc/motd\n    content: \""
                + text + "\\n\"\n");
    }

    /** /etc/motd saying {@code version}, committed, pushed and tagged v{@code version} (annotated); its commit. */
    private String release(String version) {
        motd(version);
        String commit = repo.commitAndPush("release " + version);
        git("tag", "-a", "-m", "release " + version, "v" + version);
        git("push", "-q", "origin", "refs/tags/v" + version);
        return commit;
    }

    private void git(String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", work.toString(), "-c", "user.name=Test", "-c",
                "user.email=test@example.org", "-c", "tag.gpgsign=false"));
        command.addAll(List.of(args));
        Command.run(Duration.ofSeconds(60), command).orThrow();
    }

    private Cli.Result run(String command, String repository, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--repo", repository, "--cache",
                tmp.resolve("cache").toString()));
        if (!command.equals("validate")) {
            args.addAll(List.of("--root", root.toString()));
        }
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private String chosen() {
        return "Reading tag v1.10, the highest version matching 'v*', at commit " + v110.substring(0, 12) + ".";
    }

    @Test
    void validatePlanAndApplyReadTheHighestMatchingVersionFromALocalRepositoryAndSayWhichTag() throws Exception {
        Cli.Result validate = run("validate", work.toString(), "--ref", "v*");
        Cli.Result plan = run("plan", work.toString(), "--ref", "v*");
        Cli.Result apply = run("apply", work.toString(), "--ref", "v*");

        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        assertThat(validate.out()).contains("at " + v110);
        assertThat(plan.exitCode()).as("changes to make: " + plan).isEqualTo(2);
        assertThat(plan.out()).contains("+1.10").contains(v110.substring(0, 12));
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(root.resolve("etc/motd")).hasContent("1.10");
        for (Cli.Result result : List.of(validate, plan, apply)) {
            assertThat(result.err()).contains(chosen());
        }
    }

    @Test
    void planAndApplyReadTheHighestMatchingVersionFromAUrl() {
        Cli.Result plan = run("plan", repo.url(), "--ref", "refs/tags/v*");
        Cli.Result apply = run("apply", repo.url(), "--ref", "v*");

        assertThat(plan.exitCode()).as("changes to make: " + plan).isEqualTo(2);
        assertThat(plan.out()).contains("+1.10");
        assertThat(plan.err()).contains("Reading tag v1.10, the highest version matching 'refs/tags/v*'");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.err()).contains(chosen());
        assertThat(root.resolve("etc/motd")).hasContent("1.10");
    }

    @Test
    void aPatternNoTagMatchesFailsNamingItAndTheRepository() {
        Cli.Result plan = run("plan", repo.url(), "--ref", "release-*");

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).contains("no tag matches --ref 'release-*' in " + repo.url() + " (its tags: v1.10,"
                + " v1.9)");
        assertThat(root.resolve("etc/motd")).doesNotExist();
    }

    @Test
    void verifySignaturesVerifiesTheChosenTagNotItsCommit() throws Exception {
        try (SigningKeys keys = new SigningKeys(Files.createDirectories(tmp.resolve("keys")))) {
            SigningKeys.SshKey alice = keys.sshKey("alice@example.org");
            Path allowed = Files.writeString(tmp.resolve("allowed_signers"),
                    alice.allowedSignersLine("namespaces=\"git\"") + "\n");
            keys.signedTag(work, alice, "v2.0"); // of the unsigned commit at HEAD
            git("push", "-q", "origin", "refs/tags/v2.0");
            Cli.Result signed = run("validate", repo.url(), "--ref", "v*", "--verify-signatures",
                    "--allowed-signers", allowed.toString());
            keys.unsignedTag(work, "v2.1");
            git("push", "-q", "origin", "refs/tags/v2.1");
            Cli.Result unsigned = run("validate", repo.url(), "--ref", "v*", "--verify-signatures",
                    "--allowed-signers", allowed.toString());

            assertThat(signed.exitCode()).as(signed.toString()).isZero();
            assertThat(signed.err()).contains("Reading tag v2.0");
            assertThat(signed.out()).contains("Tag v2.0 (commit ", ") signed by alice@example.org (ssh");
            assertThat(unsigned.exitCode()).as(unsigned.toString()).isEqualTo(1);
            assertThat(unsigned.err()).contains("Reading tag v2.1", "is untrusted: unsigned: tag object", "git tag -s");
        }
    }
}
