package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paths that already exist on a host when the repository first names them: plan says they are adopted, the first
 * apply keeps a private backup of them, they come back when they leave the repository, and forget lets them go.
 */
class AdoptionTest {

    @TempDir
    Path tmp;

    Path root;
    TestRepo repo;

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("root");
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", "hosts:\n  web-1:\n    address: local\n");
        repo.write("services/site/service.yaml", """
                hosts: [web-1]
                files:
                  - path: /etc/motd
                    content: "Managed by Driftless.\\n"
                    mode: "0644"
                  - path: /etc/site.conf
                    content: "new\\n"
                  - path: /srv/www
                    type: directory
                    mode: "0750"
                  - path: /etc/site-link
                    type: symlink
                    target: /etc/site.conf
                  - path: /etc/keep.conf
                    content: "kept\\n"
                """);
        repo.commit("site");
        // what the machine had before Driftless: a motd, a www folder and a link of its own
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/motd"), "Welcome, said the installer.\n");
        Files.setPosixFilePermissions(root.resolve("etc/motd"), PosixFilePermissions.fromString("rw-r-----"));
        Files.createDirectories(root.resolve("srv/www"));
        Files.setPosixFilePermissions(root.resolve("srv/www"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(root.resolve("etc/site-link"), Path.of("/etc/motd"));
    }

    private Cli.Result run(String command, String... more) {
        return Cli.on(command, repo.dir(), root, more);
    }

    private Path backupOf(String path) {
        return root.resolve("var/lib/driftless/backups/web-1/" + path.substring(1).replace("/", "%2F"));
    }

    private String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    private void removeFromTheRepository(String... paths) throws IOException {
        String service = Files.readString(repo.dir().resolve("services/site/service.yaml"));
        for (String path : paths) {
            // an entry is its "- path:" line and the indented lines under it
            service = service.replaceAll("(?m)^  - path: " + java.util.regex.Pattern.quote(path) + "\\n(    .*\\n)*", "");
        }
        repo.write("services/site/service.yaml", service).commit("site: drop " + String.join(", ", paths));
    }

    @Test
    void planMarksWhatAlreadyExistsAsAdoptedAndChangesNothing() throws IOException {
        Cli.Result plan = run("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains(
                "  ~ /etc/motd (site) (adopted: exists, not yet managed)",
                "-Welcome, said the installer.", "+Managed by Driftless.", "mode 0640 -> 0644",
                "  + /etc/site.conf (site)\n",
                "  ~ /srv/www (site) [directory] (adopted: exists, not yet managed)",
                "  ~ /etc/site-link (site) [symlink] (adopted: exists, not yet managed)",
                "Plan: 2 to add, 3 to change, 0 to delete.");
        assertThat(Files.readString(root.resolve("etc/motd"))).isEqualTo("Welcome, said the installer.\n");
        assertThat(root.resolve("var/lib/driftless/backups")).doesNotExist();

        JsonNode json = new ObjectMapper().readTree(run("plan", "--output", "json").out());
        JsonNode changes = json.at("/hosts/0/changes");
        assertThat(changes.findValuesAsText("takeover")).containsExactly("adopt", "adopt", "adopt");
        assertThat(changes.get(1).get("path").asText()).isEqualTo("/etc/site.conf");
        assertThat(changes.get(1).has("takeover")).isFalse();
    }

    @Test
    void aPathThatAlreadyHoldsWhatTheRepositoryWantsIsStillAdoptedOnce() throws IOException {
        Files.writeString(root.resolve("etc/site.conf"), "new\n");

        Cli.Result plan = run("plan");

        assertThat(plan.out()).as(plan.toString()).contains("  ~ /etc/site.conf (site) (adopted: exists, not yet managed)");
        assertThat(run("apply").exitCode()).isZero();
        assertThat(Files.readString(backupOf("/etc/site.conf"))).endsWith("\n\nnew\n");
        Cli.Result again = run("plan");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).doesNotContain("adopted");
    }

    @Test
    void theFirstApplyKeepsAPrivateBackupOfWhatWasThereAndTheApplyAfterTakesNone() throws IOException {
        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("  ~ /etc/motd (site) (adopted: exists, not yet managed)");
        assertThat(Files.readString(root.resolve("etc/motd"))).isEqualTo("Managed by Driftless.\n");
        Path motd = backupOf("/etc/motd");
        assertThat(Files.readString(motd)).isEqualTo(
                "driftless-backup 1\nkind file\nmode 0640\nowner root\ngroup root\n\nWelcome, said the installer.\n");
        assertThat(mode(motd)).isEqualTo("rw-------");
        assertThat(mode(motd.getParent())).isEqualTo("rwx------");
        assertThat(mode(motd.getParent().getParent())).isEqualTo("rwx------");
        assertThat(Files.readString(backupOf("/srv/www"))).isEqualTo(
                "driftless-backup 1\nkind directory\nmode 0755\nowner root\ngroup root\n\n");
        assertThat(Files.readString(backupOf("/etc/site-link"))).isEqualTo(
                "driftless-backup 1\nkind symlink\ntarget /etc/motd\n\n");
        assertThat(backupOf("/etc/site.conf")).as("nothing was there to keep").doesNotExist();

        Files.writeString(root.resolve("etc/motd"), "edited by hand\n");
        assertThat(run("apply").exitCode()).isZero();
        assertThat(Files.readString(motd)).as("a managed file is not adopted again").endsWith("Welcome, said the installer.\n");
    }

    @Test
    void aTakenOverPathThatLeavesTheRepositoryIsPutBackAsItWasAndAPathDriftlessMadeIsDeleted() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        removeFromTheRepository("/etc/motd", "/etc/site.conf", "/srv/www", "/etc/site-link");

        Cli.Result plan = run("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains(
                "  - /etc/motd (site) (restore: what was there before Driftless)",
                "  - /etc/site.conf (site)\n",
                "  - /srv/www (site) [directory] (restore: what was there before Driftless)",
                "  - /etc/site-link (site) [symlink] (restore: what was there before Driftless)",
                "Plan: 0 to add, 0 to change, 4 to delete.")
                .as("what was there is not shown").doesNotContain("Welcome");

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(Files.readString(root.resolve("etc/motd"))).isEqualTo("Welcome, said the installer.\n");
        assertThat(mode(root.resolve("etc/motd"))).isEqualTo("rw-r-----");
        assertThat(mode(root.resolve("srv/www"))).isEqualTo("rwxr-xr-x");
        assertThat(Files.readSymbolicLink(root.resolve("etc/site-link"))).isEqualTo(Path.of("/etc/motd"));
        assertThat(root.resolve("etc/site.conf")).doesNotExist();
        try (var backups = Files.list(root.resolve("var/lib/driftless/backups/web-1"))) {
            assertThat(backups.toList()).as("a backup put back is dropped").isEmpty();
        }
        Cli.Result again = run("plan");
        assertThat(again.exitCode()).as(again.toString()).isZero();
    }

    @Test
    void anApplyCutShortBeforeItRecordedATakeOverKeepsTheOlderBackup() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        // as an apply killed after its writes and before its state: the host has the new files, the state not
        Files.delete(root.resolve("var/lib/driftless/state/web-1.json"));

        Cli.Result plan = run("plan");
        assertThat(plan.out()).as(plan.toString()).contains("  ~ /etc/motd (site) (adopted: exists, not yet managed)");
        assertThat(run("apply").exitCode()).isZero();
        assertThat(Files.readString(backupOf("/etc/motd"))).endsWith("\n\nWelcome, said the installer.\n");

        removeFromTheRepository("/etc/motd");
        assertThat(run("apply").exitCode()).isZero();
        assertThat(Files.readString(root.resolve("etc/motd"))).isEqualTo("Welcome, said the installer.\n");
    }

    @Test
    void aBackupFolderThatIsALinkIsNeverFollowedAndThePathIsNotReplacedWithoutItsBackup() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createDirectories(root.resolve("var/lib/driftless"));
        Files.createSymbolicLink(root.resolve("var/lib/driftless/backups"), outside);

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("web-1: error: /var/lib/driftless/backups exists on the host and is not a"
                + " directory");
        assertThat(Files.readString(root.resolve("etc/motd"))).isEqualTo("Welcome, said the installer.\n");
        try (var files = Files.list(outside)) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void forgetStopsManagingAPathWithoutTouchingItAndDropsItsBackup() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        Files.writeString(root.resolve("etc/motd"), "edited by hand\n");

        Cli.Result forget = run("forget", "/etc/motd", "/etc/site.conf");

        assertThat(forget.exitCode()).as(forget.toString()).isZero();
        assertThat(forget.out()).contains("web-1 (local, root " + root + ")",
                "  forgot /etc/motd: left as it is; dropped the backup of what was there before Driftless",
                "  forgot /etc/site.conf: left as it is\n", "Forgot 2 paths on 1 host.");
        assertThat(Files.readString(root.resolve("etc/motd"))).isEqualTo("edited by hand\n");
        assertThat(Files.readString(root.resolve("etc/site.conf"))).isEqualTo("new\n");
        assertThat(backupOf("/etc/motd")).doesNotExist();
        JsonNode state = new ObjectMapper().readTree(root.resolve("var/lib/driftless/state/web-1.json").toFile());
        assertThat(state.get("resources").has("/etc/motd")).isFalse();
        assertThat(state.get("resources").has("/srv/www")).isTrue();

        Cli.Result plan = run("plan");
        assertThat(plan.out()).as(plan.toString()).contains(
                "  ~ /etc/motd (site) (adopted: exists, not yet managed)",
                "  ~ /etc/site.conf (site) (adopted: exists, not yet managed)");
        removeFromTheRepository("/etc/motd", "/etc/site.conf");
        Cli.Result apply = run("apply");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(Files.readString(root.resolve("etc/motd"))).as("forgotten, so never deleted").isEqualTo("edited by hand\n");
        assertThat(root.resolve("etc/site.conf")).exists();
    }

    @Test
    void forgettingAPathNoHostManagesIsAnErrorNamingItAndForgetsNothing() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        byte[] state = Files.readAllBytes(root.resolve("var/lib/driftless/state/web-1.json"));

        Cli.Result forget = run("forget", "/etc/motd", "/etc/nope");

        assertThat(forget.exitCode()).isEqualTo(1);
        assertThat(forget.err()).contains("Error: /etc/nope is not managed on web-1; nothing was forgotten");
        assertThat(forget.err()).doesNotContain("/etc/motd is not");
        assertThat(Files.readAllBytes(root.resolve("var/lib/driftless/state/web-1.json"))).isEqualTo(state);
        assertThat(backupOf("/etc/motd")).exists();
        assertThat(new String(state, StandardCharsets.UTF_8)).contains("\"/etc/motd\"");
    }
    @Test
    void aFileThatWillHoldASecretIsBackedUpAsTheOldFileAndNeitherIsEverShown() throws Exception {
        Path keyFile = tmp.resolve("keys.txt");
        Cli.Result keygen = Cli.run("secrets", "keygen", "-o", keyFile.toString());
        assertThat(keygen.exitCode()).as(keygen.toString()).isZero();
        String recipient = keygen.err().lines().filter(l -> l.startsWith("Public key: ")).findFirst().orElseThrow()
                .substring("Public key: ".length());
        String secret = "tok-3f9a-from-the-vault";
        repo.write("services/vault/service.yaml", "hosts: [web-1]\nfiles:\n  - path: /etc/token\n    secret: token.age\n");
        repo.write("services/vault/token.age", dev.driftless.secrets.sops.Age.encrypt(
                secret.getBytes(StandardCharsets.UTF_8), java.util.List.of(recipient), true));
        repo.commit("vault");
        Files.writeString(root.resolve("etc/token"), "old-token-before-driftless\n");

        Cli.Result plan = run("plan", "--age-key", keyFile.toString());
        Cli.Result apply = run("apply", "--age-key", keyFile.toString());

        assertThat(plan.out()).as(plan.toString()).contains("  ~ /etc/token (vault) (adopted: exists, not yet managed)",
                "(sensitive content changed)");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(Files.readString(root.resolve("etc/token"))).isEqualTo(secret);
        assertThat(Files.readString(backupOf("/etc/token"))).endsWith("\n\nold-token-before-driftless\n")
                .doesNotContain(secret);
        assertThat(mode(backupOf("/etc/token"))).isEqualTo("rw-------");

        repo.delete("services/vault/service.yaml").delete("services/vault/token.age").commit("no more vault");
        Cli.Result back = run("plan", "--age-key", keyFile.toString());
        Cli.Result restored = run("apply", "--age-key", keyFile.toString());

        assertThat(back.out()).as(back.toString()).contains("  - /etc/token (vault) (restore: what was there before Driftless)");
        assertThat(restored.exitCode()).as(restored.toString()).isZero();
        assertThat(Files.readString(root.resolve("etc/token"))).isEqualTo("old-token-before-driftless\n");
        for (Cli.Result shown : java.util.List.of(plan, apply, back, restored)) {
            assertThat(shown.out() + shown.err()).doesNotContain(secret, "old-token-before-driftless");
        }
    }

    @Test
    void forgetsHelpExplainsEveryOptionAndItsExitCodes() {
        Cli.Result help = Cli.run("forget", "--help");

        assertThat(help.exitCode()).isZero();
        for (String option : java.util.List.of("--repo", "--ref", "--path", "--host", "--root", "--lock-timeout",
                "--identity", "--known-hosts")) {
            assertThat(help.out()).containsPattern(option + "[=\\s]");
        }
        assertThat(help.out()).contains("PATH", "Exit codes:");
    }
}
