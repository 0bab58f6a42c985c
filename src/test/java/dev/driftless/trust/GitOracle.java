package dev.driftless.trust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.SigningKeys;
import dev.driftless.testing.SigningKeys.Outcome;
import dev.driftless.testing.SigningKeys.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Our verdict on a commit or tag, after asserting that the real {@code git verify-commit} / {@code verify-tag}
 * decides the same with the same trust files: trusted iff git exits 0. Registered as an extension
 * ({@code @RegisterExtension}), it gives each test fresh keys and an empty repository (branch main) to sign into.
 */
final class GitOracle implements BeforeEachCallback, AfterEachCallback {

    /** The trust files both Driftless and git are given. */
    record TrustFiles(Optional<Path> allowedSigners, Optional<Path> revokedSshKeys, List<Path> openPgpKeys) {

        static TrustFiles ssh(Path allowedSigners, Path revokedSshKeys) {
            return new TrustFiles(Optional.of(allowedSigners), Optional.of(revokedSshKeys), List.of());
        }

        static TrustFiles openPgp(Path... keyFiles) {
            return new TrustFiles(Optional.empty(), Optional.empty(), List.of(keyFiles));
        }
    }

    private Path dir;
    private SigningKeys keys;
    private Path repo;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("driftless-git-oracle");
        keys = new SigningKeys(Files.createDirectories(dir.resolve("keys")));
        repo = Files.createDirectories(dir.resolve("repo"));
        keys.git(repo, "init", "-q", "-b", "main");
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        keys.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    SigningKeys keys() {
        return keys;
    }

    Path repo() {
        return repo;
    }

    /** A file in this test's folder. */
    Path file(String name, String content) throws IOException {
        return Files.writeString(Files.createTempFile(dir, name, ""), content + "\n");
    }

    /** A commit signed with {@code key} by the real git; returns its id. */
    String commitSignedBy(SigningKey key, String message) {
        return keys.commit(repo, key, message);
    }

    /** Our verdict on commit {@code id}, once git agrees. */
    Verdict verdict(String id, TrustFiles files) throws IOException {
        return verdict(keys, repo, "commit", id, files);
    }

    /** Our verdict on object {@code id} ({@code kind} "commit" or "tag") of {@code repo}, once git agrees. */
    static Verdict verdict(SigningKeys keys, Path repo, String kind, String id, TrustFiles files) throws IOException {
        Verdict verdict;
        try (Repository repository = new FileRepositoryBuilder().setGitDir(repo.resolve(".git").toFile()).build()) {
            SignatureCheck check = new SignatureCheck(
                    TrustSettings.load(files.allowedSigners(), files.revokedSshKeys(), files.openPgpKeys()),
                    Clock.systemUTC());
            verdict = kind.equals("tag") ? check.tag(repository, ObjectId.fromString(id))
                    : check.commit(repository, ObjectId.fromString(id));
        }
        Outcome git = keys.gitVerifies(repo, kind, id, files.allowedSigners(), files.revokedSshKeys(),
                files.openPgpKeys());
        assertThat(verdict.trusted()).as("ours: %s; git verify-%s exit %d:%n%s", verdict, kind, git.exitCode(),
                git.output()).isEqualTo(git.exitCode() == 0);
        return verdict;
    }
}
