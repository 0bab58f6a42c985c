package dev.driftless.trust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.SigningKeys;
import dev.driftless.testing.SigningKeys.Outcome;
import dev.driftless.testing.SigningKeys.PgpKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key that root's GnuPG home trusts, but no trust file names, is unknown: the check runs in a separate JVM
 * whose HOME, user.home and GNUPGHOME all lead to a GnuPG home holding that key with ultimate trust.
 */
class GnupgHomeIsolationTest {

    @TempDir
    Path tmp;

    @Test
    void aKeyOnlyInTheGnupgHomeIsAnUnknownKey() throws Exception {
        try (SigningKeys keys = new SigningKeys(Files.createDirectories(tmp.resolve("keys")))) {
            PgpKey configured = keys.pgpKey("Configured <configured@example.org>");
            PgpKey rootsOwn = keys.pgpKey("Roots Own <root@example.org>");
            Path repo = Files.createDirectories(tmp.resolve("repo"));
            keys.git(repo, "init", "-q", "-b", "main");
            String commit = keys.commit(repo, rootsOwn, "signed with a key only root's GnuPG knows");
            Path home = Files.createDirectories(tmp.resolve("root-home"));
            Path gnupg = keys.gnupgHomeWith(home.resolve(".gnupg"), rootsOwn);

            Outcome git = keys.gitVerifies(repo, "commit", commit, Optional.empty(), gnupg, home);
            String verdict = verdictInAnotherJvm(home, gnupg, repo, commit, configured.publicKeyFile());

            assertThat(git.exitCode()).as("git trusts the key in that home:%n%s", git.output()).isZero();
            assertThat(verdict).startsWith("unknown-key: ");
        }
    }

    private String verdictInAnotherJvm(Path home, Path gnupg, Path repo, String commit, Path keyFile)
            throws IOException, InterruptedException {
        Path output = tmp.resolve("verdict.out");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home, "-cp", System.getProperty("java.class.path"),
                GnupgHomeIsolationTest.class.getName(), repo.toString(), commit, keyFile.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("HOME", home.toString());
        builder.environment().put("GNUPGHOME", gnupg.toString());
        Process process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the verifying JVM ended").isTrue();
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(printed).isZero();
        return printed.lines().reduce((first, second) -> second).orElse("");
    }

    /** The other JVM: prints the verdict on commit args[1] of repository args[0] with the key file args[2]. */
    public static void main(String[] args) throws IOException {
        try (Repository repository = new FileRepositoryBuilder().setGitDir(Path.of(args[0], ".git").toFile()).build()) {
            Verdict verdict = new SignatureCheck(TrustSettings.load(Optional.empty(), List.of(Path.of(args[2]))),
                    Clock.systemUTC()).commit(repository, ObjectId.fromString(args[1]));
            System.out.println(verdict);
        }
    }
}
