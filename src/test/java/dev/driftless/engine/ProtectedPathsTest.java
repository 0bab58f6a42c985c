package dev.driftless.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.host.SshSettings;
import dev.driftless.model.Problem;
import dev.driftless.model.ValidationException;
import dev.driftless.render.RenderLimits;
import dev.driftless.secrets.AgeKeyring;
import dev.driftless.source.RepoSource;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local host never manages what Driftless itself uses on this machine (the agent's state folder, its
 * keys and tokens, as the command lists them in {@link Selection#protectedPaths}): not the file, not
 * anything inside the folder, and no file or link above them.
 */
class ProtectedPathsTest {

    private static final String ONE_LOCAL_HOST = "hosts:\n  box:\n    address: local\n";

    @TempDir
    Path tmp;

    @Test
    void aLocalHostCannotManageAKeyFileThisMachineUses() throws IOException {
        Path root = tmp.resolve("root");
        Path key = write(root.resolve("etc/age/keys.txt"));
        commit(ONE_LOCAL_HOST, """
                hosts: [box]
                files:
                  - path: /etc/age/keys.txt
                    content: "overwritten\\n"
                  - path: /etc/age
                    type: directory
                    mode: "0700"
                  - path: /etc/age/other.txt
                    content: "fine\\n"
                """);

        assertThat(problems(Optional.of(root), List.of(key))).singleElement().asString()
                .startsWith("services/app/service.yaml:3: files[0]: on local host box path /etc/age/keys.txt lands on "
                        + key + ", which Driftless itself uses on this machine");
    }

    @Test
    void aLocalHostCannotManageAnythingInsideTheAgentsStateFolder() throws IOException {
        Path root = tmp.resolve("root");
        Path state = Files.createDirectories(root.resolve("var/lib/agent"));
        commit(ONE_LOCAL_HOST, """
                hosts: [box]
                files:
                  - path: /var/lib/agent-old/history.db
                    content: "fine: only the name starts alike\\n"
                  - path: /var/lib/agent/history.db
                    content: "overwritten\\n"
                """);

        assertThat(problems(Optional.of(root), List.of(state))).singleElement().asString()
                .startsWith("services/app/service.yaml:5: files[1]: on local host box path /var/lib/agent/history.db"
                        + " lands on " + state.resolve("history.db") + ", inside " + state);
    }

    @Test
    void aLinkAboveAProtectedFileIsRefusedOnALocalHostOnly() throws IOException {
        Path root = tmp.resolve("root");
        Path key = write(root.resolve("box/etc/age/keys.txt"));
        commit(ONE_LOCAL_HOST + "  remote:\n    address: ssh://deploy@remote.internal\n", """
                hosts: [box, remote]
                files:
                  - path: /etc/age
                    type: symlink
                    target: /tmp
                """);

        // two hosts: --root puts box in ROOT/box; the SSH host's paths do not land on this machine
        assertThat(problems(Optional.of(root), List.of(key))).singleElement().asString()
                .startsWith("services/app/service.yaml:3: files[0]: on local host box path /etc/age lands on "
                        + root.resolve("box/etc/age") + ", a folder above " + key)
                .contains("a symbolic link there would replace it");
    }

    @Test
    void aProtectedFolderReachedThroughALinkedRootIsRecognised() throws IOException {
        Path state = Files.createDirectories(tmp.resolve("real/state"));
        Path linked = Files.createSymbolicLink(tmp.resolve("linked"), tmp.resolve("real"));
        commit("hosts:\n  box:\n    address: local\n    root: " + linked + "\n", """
                hosts: [box]
                files:
                  - path: /state/token
                    content: "overwritten\\n"
                """);

        assertThat(problems(Optional.empty(), List.of(state))).singleElement().asString()
                .contains("on local host box path /state/token lands on " + state.resolve("token") + ", inside " + state);
    }

    private static Path write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, "AGE-SECRET-KEY-1...\n");
    }

    private void commit(String inventory, String service) {
        try (TestRepo repo = TestRepo.init(tmp.resolve("repo"))) {
            repo.write("driftless.yaml", inventory).write("services/app/service.yaml", service).commit("app");
        }
    }

    /** What loading and rendering tells a command that protects {@code protectedPaths}. */
    private List<String> problems(Optional<Path> root, List<Path> protectedPaths) {
        Selection selection = new Selection(new RepoSource.Request(tmp.resolve("repo").toString(), Optional.empty(),
                Optional.empty(), RepoSource.ReadFrom.COMMIT), List.of(), List.of(), root,
                new SshSettings(Optional.empty(), tmp.resolve("known_hosts"), false, Duration.ofSeconds(5), Optional.empty()),
                new AgeKeyring(Optional.empty(), Map.of()), RenderLimits.DEFAULT, protectedPaths);
        try (Workspace workspace = Workspace.open(selection, new RepoSource(tmp.resolve("cache")))) {
            workspace.repository();
        } catch (ValidationException e) {
            return e.problems().stream().map(Problem::toString).toList();
        }
        throw new AssertionError("the repository validated");
    }
}
