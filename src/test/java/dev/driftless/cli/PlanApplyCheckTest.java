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
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract's plan, apply and check on a local host, through the real command line and real Git. */
class PlanApplyCheckTest {

    @TempDir
    Path tmp;

    Path root;
    TestRepo repo;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", """
                hosts:
                  web-1:
                    address: local
                    groups: [web]
                    vars: { server_name: www.example.org }
                vars:
                  domain: example.org
                """);
        repo.write("services/nginx/service.yaml", """
                description: Public reverse proxy
                hosts: [web]
                files:
                  - path: /etc/nginx/nginx.conf
                    source: nginx.conf
                    mode: "0644"
                    onChange: [reload]
                  - path: /etc/nginx/conf.d/site.conf
                    template: site.conf.peb
                    onChange: [reload]
                  - path: /etc/motd
                    content: "Managed by Driftless.\\n"
                  - path: /srv/www
                    type: directory
                    mode: "0750"
                  - path: /etc/nginx/sites-enabled/site
                    type: symlink
                    target: /etc/nginx/conf.d/site.conf
                handlers:
                  reload: echo reload >> "$DRIFTLESS_ROOT/handler.log"
                """);
        repo.write("services/nginx/nginx.conf", "worker_processes 2;\n");
        repo.write("services/nginx/site.conf.peb", "server_name {{ server_name }}; # {{ host.name }} in {{ domain }}\n");
        repo.commit("nginx");
    }

    private Cli.Result run(String command, String... more) {
        return Cli.on(command, repo.dir(), root, more);
    }

    private String live(String path) throws IOException {
        return Files.readString(root.resolve(path.substring(1)));
    }

    private List<String> handlerLog() throws IOException {
        Path log = root.resolve("handler.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    @Test
    void planShowsDiffsAndSummaryAndExitsTwoWithoutChangingAnything() {
        Cli.Result plan = run("plan");

        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(2);
        assertThat(plan.out()).contains("+ /etc/nginx/nginx.conf (nginx)", "+++ /etc/nginx/nginx.conf",
                "+worker_processes 2;", "+server_name www.example.org; # web-1 in example.org",
                "handlers to run: nginx/reload", "Plan: 5 to add, 0 to change, 0 to delete.");
        assertThat(root.resolve("etc")).doesNotExist();
    }

    @Test
    void applyWritesEveryKindThenASecondApplyChangesNothing() throws IOException {
        Cli.Result first = run("apply");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(live("/etc/nginx/nginx.conf")).isEqualTo("worker_processes 2;\n");
        assertThat(live("/etc/nginx/conf.d/site.conf")).isEqualTo("server_name www.example.org; # web-1 in example.org\n");
        assertThat(live("/etc/motd")).isEqualTo("Managed by Driftless.\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("srv/www"))))
                .isEqualTo("rwxr-x---");
        assertThat(Files.readSymbolicLink(root.resolve("etc/nginx/sites-enabled/site")))
                .isEqualTo(Path.of("/etc/nginx/conf.d/site.conf"));
        assertThat(handlerLog()).containsExactly("reload");
        Path state = root.resolve("var/lib/driftless/state/web-1.json");
        JsonNode stateBefore = new ObjectMapper().readTree(state.toFile());
        var modifiedBefore = Files.getLastModifiedTime(root.resolve("etc/nginx/nginx.conf"));

        Cli.Result second = run("apply");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.out()).contains("nothing to do").contains("Apply complete: 0 added, 0 changed, 0 deleted.");
        assertThat(handlerLog()).as("the handler runs only when a file naming it changed").containsExactly("reload");
        JsonNode stateAfter = new ObjectMapper().readTree(state.toFile());
        assertThat(stateAfter.get("revision")).isEqualTo(stateBefore.get("revision"));
        assertThat(stateAfter.at("/resources/~1etc~1nginx~1nginx.conf/sha256"))
                .isEqualTo(stateBefore.at("/resources/~1etc~1nginx~1nginx.conf/sha256"));
        assertThat(Files.getLastModifiedTime(root.resolve("etc/nginx/nginx.conf"))).isEqualTo(modifiedBefore);
        assertThat(run("plan").exitCode()).isZero();
        assertThat(run("check").exitCode()).isZero();
    }

    @Test
    void checkTellsDriftOnTheHostApartFromPendingChangesInGit() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        Files.writeString(root.resolve("etc/motd"), "edited by hand\n");
        repo.write("services/nginx/nginx.conf", "worker_processes 4;\n").commit("more workers");

        Cli.Result check = run("check");

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out())
                .contains("~ /etc/motd (nginx)  # drift: changed on the host since the last apply")
                .contains("-edited by hand", "+Managed by Driftless.")
                .contains("~ /etc/nginx/nginx.conf (nginx)  # pending: changed in Git since the last apply")
                .contains("-worker_processes 2;", "+worker_processes 4;")
                .contains("Drift: 1 changed on the host since the last apply; 1 pending");

        JsonNode json = new ObjectMapper().readTree(run("check", "--output", "json").out());
        JsonNode changes = json.at("/hosts/0/changes");
        assertThat(changes).hasSize(2);
        assertThat(json.at("/hosts/0/status").asText()).isEqualTo("drifted");
        assertThat(json.get("formatVersion").asInt()).isEqualTo(1);
        assertThat(json.at("/summary/drifted").asInt()).isEqualTo(1);
        assertThat(json.at("/summary/pending").asInt()).isEqualTo(1);
        for (JsonNode change : changes) {
            String expected = change.get("path").asText().equals("/etc/motd") ? "drift" : "pending";
            assertThat(change.get("causes")).extracting(JsonNode::asText).containsExactly(expected);
        }

        assertThat(run("apply").exitCode()).isZero();
        assertThat(live("/etc/motd")).isEqualTo("Managed by Driftless.\n");
        assertThat(run("check").exitCode()).isZero();
    }

    @Test
    void aModeChangedByHandIsDriftWhenTheResourceManagesTheMode() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        Files.setPosixFilePermissions(root.resolve("etc/nginx/nginx.conf"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(root.resolve("etc/motd"), PosixFilePermissions.fromString("rw-------"));

        Cli.Result check = run("check");

        assertThat(check.exitCode()).isEqualTo(2);
        assertThat(check.out()).contains("~ /etc/nginx/nginx.conf", "mode 0600 -> 0644")
                .as("motd does not manage its mode").doesNotContain("/etc/motd");
    }

    @Test
    void aResourceRemovedFromTheRepositoryIsRemovedFromTheHostAndUnmanagedFilesAreNeverTouched() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        Files.writeString(root.resolve("etc/nginx/unmanaged.conf"), "mine\n");
        repo.write("services/nginx/service.yaml", """
                hosts: [web]
                files:
                  - path: /etc/nginx/nginx.conf
                    source: nginx.conf
                """).commit("drop everything but nginx.conf");

        Cli.Result plan = run("plan");
        assertThat(plan.out()).contains("- /etc/motd (nginx)", "- /srv/www (nginx) [directory]",
                "- /etc/nginx/sites-enabled/site (nginx) [symlink]", "Plan: 0 to add, 0 to change, 4 to delete.");

        Cli.Result apply = run("apply");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(root.resolve("etc/motd")).doesNotExist();
        assertThat(root.resolve("etc/nginx/conf.d/site.conf")).doesNotExist();
        assertThat(root.resolve("srv/www")).doesNotExist();
        assertThat(Files.exists(root.resolve("etc/nginx/sites-enabled/site"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(live("/etc/nginx/unmanaged.conf")).isEqualTo("mine\n");
        assertThat(live("/etc/nginx/nginx.conf")).isEqualTo("worker_processes 2;\n");
        assertThat(run("check").exitCode()).isZero();
    }

    @Test
    void aManagedDirectoryHoldingUnmanagedFilesIsKeptWhenRemovedFromTheRepository() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        Files.writeString(root.resolve("srv/www/index.html"), "hand-made\n");
        repo.write("services/nginx/service.yaml", """
                hosts: [web]
                files:
                  - path: /etc/motd
                    content: "Managed by Driftless.\\n"
                """).commit("drop the site");

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).isZero();
        assertThat(apply.out()).contains("- /srv/www (nginx) [directory]  (kept: the directory is not empty");
        assertThat(live("/srv/www/index.html")).isEqualTo("hand-made\n");
    }

    @Test
    void handlersRunOnceAfterAllFilesInDeclaredOrderAndOnlyWhenAFileNamingThemChanged() throws IOException {
        repo.write("services/app/service.yaml", """
                hosts: [web-1]
                dependsOn: [nginx]
                files:
                  - path: /etc/app/a.conf
                    content: "a\\n"
                    onChange: [second, first]
                  - path: /etc/app/b.conf
                    content: "b\\n"
                    onChange: [first]
                  - path: /etc/app/c.conf
                    content: "c\\n"
                handlers:
                  first: test -f "$DRIFTLESS_ROOT/etc/app/b.conf" && echo app-first >> "$DRIFTLESS_ROOT/handler.log"
                  second: echo app-second >> "$DRIFTLESS_ROOT/handler.log"
                """).commit("app");
        assertThat(run("apply").exitCode()).isZero();
        assertThat(handlerLog()).containsExactly("reload", "app-first", "app-second");

        repo.write("services/app/service.yaml", Files.readString(repo.dir().resolve("services/app/service.yaml"))
                .replace("content: \"c\\n\"", "content: \"c2\\n\"")).commit("c changes, no handler");
        assertThat(run("apply").exitCode()).isZero();
        assertThat(handlerLog()).hasSize(3);

        repo.write("services/app/service.yaml", Files.readString(repo.dir().resolve("services/app/service.yaml"))
                .replace("content: \"b\\n\"", "content: \"b2\\n\"")).commit("b changes");
        Cli.Result apply = run("apply");
        assertThat(apply.out()).contains("handler app/first: ok");
        assertThat(handlerLog()).containsExactly("reload", "app-first", "app-second", "app-first");
    }

    @Test
    void servicesAreAppliedAfterTheServicesTheyDependOn() {
        repo.write("services/aaa/service.yaml", """
                hosts: [web-1]
                dependsOn: [nginx]
                files:
                  - path: /etc/aaa.conf
                    content: "x\\n"
                """).commit("aaa after nginx");

        Cli.Result apply = run("apply");

        String out = apply.out();
        assertThat(out.indexOf("/etc/aaa.conf")).isGreaterThan(out.indexOf("/etc/nginx/nginx.conf"));
    }

    @Test
    void aFailingHandlerFailsTheApplyAndRunsAgainNextTime() throws IOException {
        repo.write("services/nginx/service.yaml", Files.readString(repo.dir().resolve("services/nginx/service.yaml"))
                .replace("reload: echo reload", "reload: test -f \"$DRIFTLESS_ROOT/ok\" && echo reload")).commit("picky");

        Cli.Result first = run("apply");
        assertThat(first.exitCode()).isEqualTo(1);
        assertThat(first.out()).contains("handler nginx/reload: failed (exit 1)",
                "web-1: handler nginx/reload failed (exit 1); it runs again on the next apply");

        Files.writeString(root.resolve("ok"), "");
        Cli.Result second = run("apply");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(handlerLog()).containsExactly("reload");
        assertThat(run("apply").out()).doesNotContain("handler");
    }

    @Test
    void aSymbolicLinkAtTheDestinationIsReplacedNeverFollowed() throws IOException {
        Path outside = tmp.resolve("outside.conf");
        Files.writeString(outside, "precious\n");
        Files.createDirectories(root.resolve("etc/nginx"));
        Files.createSymbolicLink(root.resolve("etc/nginx/nginx.conf"), outside);

        assertThat(run("apply").exitCode()).isZero();

        assertThat(Files.readString(outside)).isEqualTo("precious\n");
        assertThat(Files.isSymbolicLink(root.resolve("etc/nginx/nginx.conf"))).isFalse();
        assertThat(live("/etc/nginx/nginx.conf")).isEqualTo("worker_processes 2;\n");
    }

    @Test
    void aDirectoryWhereAFileIsExpectedIsAClearErrorAndTheRestOfTheHostIsLeftConsistent() throws IOException {
        Files.createDirectories(root.resolve("etc/nginx/nginx.conf"));

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.out()).contains("/etc/nginx/nginx.conf is a directory on the host");
        Files.delete(root.resolve("etc/nginx/nginx.conf"));
        assertThat(run("apply").exitCode()).isZero();
        assertThat(run("check").exitCode()).isZero();
    }

    @Test
    void uncommittedFilesAreIgnoredUnlessPlanIsAskedToReadTheWorktree() {
        assertThat(run("apply").exitCode()).isZero();
        repo.write("services/nginx/nginx.conf", "worker_processes 8;\n");

        assertThat(run("plan").exitCode()).as("the commit has not changed").isZero();
        Cli.Result worktree = run("plan", "--worktree");
        assertThat(worktree.exitCode()).isEqualTo(2);
        assertThat(worktree.out()).contains("+worker_processes 8;", "+worktree");
    }

    @Test
    void refPicksABranchATagOrACommit() throws IOException {
        String first = repo.commit("nothing new");
        repo.tag("v1");
        repo.write("services/nginx/nginx.conf", "worker_processes 3;\n").commit("three");

        assertThat(run("apply", "--ref", "v1").exitCode()).isZero();
        assertThat(live("/etc/nginx/nginx.conf")).isEqualTo("worker_processes 2;\n");
        assertThat(run("apply", "--ref", "main").exitCode()).isZero();
        assertThat(live("/etc/nginx/nginx.conf")).isEqualTo("worker_processes 3;\n");
        assertThat(run("apply", "--ref", first).exitCode()).isZero();
        assertThat(live("/etc/nginx/nginx.conf")).isEqualTo("worker_processes 2;\n");

        Cli.Result missing = run("plan", "--ref", "no-such-branch");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("ref 'no-such-branch' not found");
    }

    @Test
    void aRepositoryThatDoesNotValidateAppliesNothingAtAll() throws IOException {
        repo.write("services/zzz/service.yaml", """
                hosts: [web]
                files:
                  - path: /etc/zzz.conf
                    template: zzz.peb
                """).write("services/zzz/zzz.peb", "{{ undefined_thing }}\n").commit("broken template");

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.err()).contains("services/zzz/zzz.peb:1", "undefined template variable 'undefined_thing'",
                "nothing was applied");
        assertThat(root.resolve("etc")).doesNotExist();
    }

    @Test
    void anUnknownHostIsAnErrorNamingTheHostsThereAre() {
        Cli.Result plan = run("plan", "--host", "web-2");

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).contains("--host web-2", "no such host", "web-1");
    }

    @Test
    void aServiceSelectionPrunesOnlyThatService() throws IOException {
        repo.write("services/motd/service.yaml", """
                hosts: [web]
                files:
                  - path: /etc/issue
                    content: "hello\\n"
                """).commit("motd");
        assertThat(run("apply").exitCode()).isZero();
        repo.delete("services/motd/service.yaml").write("services/nginx/service.yaml", """
                hosts: [web]
                files:
                  - path: /etc/nginx/nginx.conf
                    source: nginx.conf
                """).commit("drop motd and most of nginx");

        Cli.Result nginxOnly = run("apply", "--service", "nginx");
        assertThat(nginxOnly.exitCode()).as(nginxOnly.toString()).isZero();
        assertThat(root.resolve("etc/motd")).doesNotExist();
        assertThat(live("/etc/issue")).as("another service's files are left to a full apply").isEqualTo("hello\n");

        assertThat(run("apply").exitCode()).isZero();
        assertThat(root.resolve("etc/issue")).doesNotExist();
    }

    @Test
    void anSshHostThatCannotBeReachedFailsAloneWhileLocalHostsProceed() {
        repo.write("driftless.yaml", """
                hosts:
                  web-1:
                    address: local
                    groups: [web]
                    vars: { server_name: www.example.org }
                  db-1:
                    address: ssh://deploy@127.0.0.1:1
                vars:
                  domain: example.org
                """).commit("a remote host");

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).isEqualTo(1);
        assertThat(apply.out()).contains("db-1: error: cannot connect to ssh://deploy@127.0.0.1:1");
        assertThat(root.resolve("web-1/etc/nginx/nginx.conf")).exists();
    }

    @Test
    void jsonPlanListsEveryChangeWithItsActionKindAndDiff() throws IOException {
        JsonNode json = new ObjectMapper().readTree(run("plan", "--output", "json").out());

        assertThat(json.at("/summary/add").asInt()).isEqualTo(5);
        JsonNode first = json.at("/hosts/0/changes/0");
        assertThat(first.get("action").asText()).isEqualTo("create");
        assertThat(first.get("path").asText()).isEqualTo("/etc/nginx/nginx.conf");
        assertThat(first.get("kind").asText()).isEqualTo("file");
        assertThat(first.get("diff").asText()).contains("+worker_processes 2;");
        assertThat(json.at("/hosts/0/handlers/0").asText()).isEqualTo("nginx/reload");
    }

    @Test
    void binaryFilesAreNotDiffedAsText() throws IOException {
        repo.write("services/nginx/logo.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, 3});
        repo.write("services/nginx/service.yaml", Files.readString(repo.dir().resolve("services/nginx/service.yaml"))
                .replace("handlers:", "  - path: /srv/www/logo.png\n    source: logo.png\nhandlers:")).commit("logo");

        Cli.Result plan = run("plan");

        assertThat(plan.out()).contains("+ /srv/www/logo.png (nginx)", "(binary content differs: nothing -> 8 bytes)");
        assertThat(run("apply").exitCode()).isZero();
        assertThat(Files.readAllBytes(root.resolve("srv/www/logo.png"))).hasSize(8);
        assertThat(new String(Files.readAllBytes(root.resolve("etc/motd")), StandardCharsets.UTF_8)).isNotEmpty();
    }

    @Test
    void anApplyStoppedByAnErrorLeavesTheRemainingChangesPending() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        repo.write("services/nginx/service.yaml", Files.readString(repo.dir().resolve("services/nginx/service.yaml"))
                .replace("Managed by Driftless.", "Managed by Driftless, v2.").replace("\"0750\"", "\"0700\""))
                .commit("motd and the mode of /srv/www");
        Path motd = root.resolve("etc/motd");
        Files.delete(motd);
        Files.createDirectories(motd);

        Cli.Result failed = run("apply");
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.out()).contains("/etc/motd is a directory on the host");
        Files.delete(motd);
        Files.writeString(motd, "Managed by Driftless.\n"); // back to what the last complete apply wrote

        Cli.Result check = run("check");
        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("~ /etc/motd (nginx)  # pending", "~ /srv/www (nginx) [directory]  # pending",
                "mode 0750 -> 0700");
    }

    @Test
    void anApplyOfOneServiceDoesNotHideChangesPendingInTheOthers() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        repo.write("services/motd/service.yaml", """
                hosts: [web]
                files:
                  - path: /etc/issue
                    content: "hello\\n"
                """).write("services/nginx/nginx.conf", "worker_processes 6;\n").commit("motd and nginx");

        assertThat(run("apply", "--service", "motd").exitCode()).isZero();

        Cli.Result check = run("check");
        assertThat(check.exitCode()).isEqualTo(2);
        assertThat(check.out()).contains("~ /etc/nginx/nginx.conf (nginx)  # pending");
    }

    @Test
    void driftInOneServiceIsHealedWithoutDisturbingTheOthersAndLaterPrunesStillWork() throws IOException {
        repo.write("services/motd/service.yaml", """
                hosts: [web]
                files:
                  - path: /etc/issue
                    content: "hello\\n"
                """).commit("motd");
        assertThat(run("apply").exitCode()).isZero();
        Files.writeString(root.resolve("etc/nginx/nginx.conf"), "worker_processes 99;\n");
        var issueModified = Files.getLastModifiedTime(root.resolve("etc/issue"));

        Cli.Result check = run("check");
        assertThat(check.exitCode()).isEqualTo(2);
        assertThat(check.out()).contains("~ /etc/nginx/nginx.conf (nginx)  # drift", "-worker_processes 99;",
                "+worker_processes 2;", "handlers to run: nginx/reload", "Plan: 0 to add, 1 to change, 0 to delete.");

        Cli.Result heal = run("apply");
        assertThat(heal.exitCode()).as(heal.toString()).isZero();
        assertThat(live("/etc/nginx/nginx.conf")).isEqualTo("worker_processes 2;\n");
        assertThat(Files.getLastModifiedTime(root.resolve("etc/issue"))).isEqualTo(issueModified);
        assertThat(handlerLog()).containsExactly("reload", "reload");
        assertThat(run("check").exitCode()).isZero();

        repo.delete("services/motd/service.yaml").commit("no more motd");
        assertThat(run("apply").exitCode()).isZero();
        assertThat(root.resolve("etc/issue")).doesNotExist();
    }

    @Test
    void ownerAndGroupAreSetByNameAndAChangeOfOwnerIsDrift() throws IOException {
        repo.write("services/nginx/service.yaml", Files.readString(repo.dir().resolve("services/nginx/service.yaml"))
                .replace("    content: \"Managed by Driftless.\\n\"\n",
                        "    content: \"Managed by Driftless.\\n\"\n    owner: nobody\n    group: nogroup\n    mode: \"0640\"\n"))
                .commit("motd owned by nobody");

        assertThat(run("apply").exitCode()).isZero();
        Path motd = root.resolve("etc/motd");
        assertThat(Files.getOwner(motd).getName()).isEqualTo("nobody");
        assertThat(Files.readAttributes(motd, java.nio.file.attribute.PosixFileAttributes.class).group().getName())
                .isEqualTo("nogroup");
        assertThat((Integer) Files.getAttribute(motd, "unix:mode") & 07777).isEqualTo(0640);

        Files.setOwner(motd, motd.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root"));
        Cli.Result check = run("check");
        assertThat(check.exitCode()).isEqualTo(2);
        assertThat(check.out()).contains("~ /etc/motd (nginx)  # drift", "owner root -> nobody");
    }

    @Test
    void aTemporaryFileLeftByAKilledWriteIsRemovedByTheNextApplyEvenWhenNothingElseChanges() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        // what a write killed between its first byte and its rename leaves: the state says all is well
        Path leftover = root.resolve("etc/nginx/.nginx.conf.driftless-tmp");
        Path stateLeftover = root.resolve("var/lib/driftless/state/.web-1.json.driftless-tmp");
        Files.writeString(leftover, "half a secret");
        Files.writeString(stateLeftover, "{\"half\"");

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("Apply complete: 0 added, 0 changed, 0 deleted.");
        assertThat(leftover).doesNotExist();
        assertThat(stateLeftover).doesNotExist();
    }

    /** Moves {@code dir} of the host out of the root, leaving a link to where it went. */
    private Path moveOutsideTheRoot(String dir) throws IOException {
        Path outside = tmp.resolve("outside");
        Files.move(root.resolve(dir), outside);
        Files.createSymbolicLink(root.resolve(dir), outside);
        return outside;
    }

    @Test
    void aFileWhoseParentLinksOutsideTheRootIsRefusedInThePlanAndTheApplyWithoutShowingWhatIsOutside()
            throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        Path outside = moveOutsideTheRoot("etc/nginx");
        Files.writeString(outside.resolve("nginx.conf"), "someone else's secret\n");
        String refusal = "/etc/nginx/nginx.conf: refused: /etc/nginx is a symbolic link to " + outside
                + ", outside the root " + root + "; Driftless never writes outside the root";

        Cli.Result check = run("check");

        assertThat(check.exitCode()).as(check.toString()).isEqualTo(2);
        assertThat(check.out()).contains("~ /etc/nginx/nginx.conf (nginx)", "      " + refusal)
                .doesNotContain("someone else's secret");
        assertThat(run("check", "--output", "json").out()).contains(refusal).doesNotContain("someone else's secret");

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("web-1: error: " + refusal).doesNotContain("someone else's secret");
        assertThat(Files.readString(outside.resolve("nginx.conf"))).isEqualTo("someone else's secret\n");
        try (var files = Files.list(outside)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("nginx.conf", "conf.d", "sites-enabled");
        }
    }

    @Test
    void aPruneThroughAParentLinkedOutsideTheRootIsRefusedAndTheOutsideFileSurvives() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        Path outside = moveOutsideTheRoot("etc/nginx/conf.d");
        repo.write("services/nginx/service.yaml", Files.readString(repo.dir().resolve("services/nginx/service.yaml"))
                .replace("""
                          - path: /etc/nginx/conf.d/site.conf
                            template: site.conf.peb
                            onChange: [reload]
                        """, "")).commit("no site any more");

        Cli.Result apply = run("apply");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains("/etc/nginx/conf.d/site.conf: refused: /etc/nginx/conf.d is a symbolic link to "
                + outside + ", outside the root " + root + "; Driftless never deletes outside the root");
        assertThat(outside.resolve("site.conf")).exists();
    }

    @Test
    void aStateFolderLinkedOutsideTheRootIsRefusedAndNothingIsWrittenThere() throws IOException {
        assertThat(run("apply").exitCode()).isZero();
        Path outside = moveOutsideTheRoot("var/lib/driftless/state");
        Files.delete(outside.resolve("web-1.json"));
        repo.write("services/nginx/nginx.conf", "worker_processes 4;\n").commit("more workers");

        Cli.Result plan = run("plan");
        Cli.Result apply = run("apply");

        String refusal = "web-1: error: /var/lib/driftless/state/web-1.json: refused: /var/lib/driftless/state is a"
                + " symbolic link to " + outside + ", outside the root " + root;
        assertThat(plan.exitCode()).as(plan.toString()).isEqualTo(1);
        assertThat(plan.out()).contains(refusal);
        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.out()).contains(refusal);
        assertThat(live("/etc/nginx/nginx.conf")).isEqualTo("worker_processes 2;\n");
        try (var files = Files.list(outside)) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void aManagedFileGrownToAGibibyteByHandIsReportedWithoutBeingReadIntoMemory() throws Exception {
        assertThat(run("apply").exitCode()).isZero();
        try (java.io.RandomAccessFile motd = new java.io.RandomAccessFile(root.resolve("etc/motd").toFile(), "rw")) {
            motd.setLength(1L << 30); // sparse: costs no disk
        }

        // a JVM with a 64 MiB heap: reading the file whole, or diffing it, cannot fit (and with C2, whose
        // SHA-256 intrinsic hashes the gibibyte in seconds where C1 alone takes most of a minute)
        ProcessBuilder check = dev.driftless.testing.Processes.driftless(tmp, "check", "--repo", repo.dir().toString(),
                "--root", root.toString()).redirectErrorStream(true);
        check.command().remove("-XX:TieredStopAtLevel=1");
        check.command().add(1, "-Xmx64m");
        Process process = dev.driftless.testing.Processes.start(check);
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(300, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(out).isEqualTo(2);
        assertThat(out).contains("~ /etc/motd (nginx)  # drift",
                "large content differs (1073741824 bytes on the host, 22 bytes in the repository)");
    }

    @Test
    void anOwnerOrGroupTheHostLacksFailsThatHostsPlanNamingEachFileBeforeAnythingIsWritten() throws IOException {
        repo.write("driftless.yaml", Files.readString(repo.dir().resolve("driftless.yaml")).replace("vars:\n  domain",
                "  web-2:\n    address: local\n    groups: [web]\n    vars: { server_name: www2.example.org }\n"
                + "vars:\n  domain"));
        repo.write("services/app/service.yaml", """
                hosts: [web-1]
                files:
                  - path: /etc/app.conf
                    content: "a\\n"
                    owner: no-such-user-here
                  - path: /srv/app
                    type: directory
                    group: no-such-group-here
                  - path: /etc/app.d/ok.conf
                    content: "ok\\n"
                    owner: root
                """).commit("an app owned by accounts web-1 does not have");

        Cli.Result plan = run("plan");
        Cli.Result apply = run("apply");

        for (Cli.Result result : List.of(plan, apply)) {
            assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
            assertThat(result.out()).as(result.toString()).contains(
                    "web-1: error: services/app/service.yaml:3 (/etc/app.conf): user 'no-such-user-here' does not exist on web-1\n"
                    + "web-1: services/app/service.yaml:6 (/srv/app): group 'no-such-group-here' does not exist on web-1")
                    .doesNotContain("(/etc/app.d/ok.conf)");
        }
        assertThat(root.resolve("web-1")).as("nothing on web-1, not even its lock file").doesNotExist();
        assertThat(root.resolve("web-2/etc/nginx/nginx.conf")).exists();
        assertThat(apply.out()).contains("web-2: applied");
    }

    @Test
    void worktreeCannotBeCombinedWithARef() {
        Cli.Result plan = run("plan", "--worktree", "--ref", "main");

        assertThat(plan.exitCode()).isEqualTo(1);
        assertThat(plan.err()).contains("--worktree reads the files of the working tree; it cannot be combined with --ref");
    }

    @Test
    void validateReportsTheInventorysAndTheServicesProblemsInOneGo() {
        repo.write("driftless.yaml", "hosts:\n  web-1:\n    adress: local\n")
                .write("services/nginx/service.yaml", "hosts: [web]\nfiles: nope\n").commit("two mistakes");

        Cli.Result validate = Cli.run("validate", "--repo", repo.dir().toString());

        assertThat(validate.exitCode()).isEqualTo(1);
        assertThat(validate.err()).contains("driftless.yaml:3: hosts.web-1.adress: unknown key (did you mean 'address'?",
                "services/nginx/service.yaml:2: files: must be a list");
    }
}
