package dev.driftless.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.host.CommandResult;
import dev.driftless.host.LocalHost;
import dev.driftless.render.RegistryLogin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The login file a stack's command reads on its standard input, through a real shell on this machine: where Docker
 * and Podman find it, with what modes, and that it is gone when the command has ended, however it ended.
 */
class RegistryLoginsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final List<RegistryLogin> LOGINS = List.of(new RegistryLogin("127.0.0.1:5000", "deployer",
            "pa\"ss:wörd"), new RegistryLogin("docker.io", "hubuser", "hub-token"));

    @TempDir
    Path temp;

    private final LocalHost host = new LocalHost("here", Optional.empty());

    private CommandResult run(String command) {
        return host.run(RegistryLogins.prelude() + command, Map.of("TMPDIR", temp.toString()),
                RegistryLogins.file(LOGINS), TIMEOUT);
    }

    @Test
    void theCommandFindsTheLoginsInAPrivateFolderThatIsGoneAfterIt() throws Exception {
        CommandResult result = run("echo \"$DOCKER_CONFIG\"; [ \"$REGISTRY_AUTH_FILE\" = \"$DOCKER_CONFIG/config.json\" ]"
                + " && stat -c %a \"$DOCKER_CONFIG\" \"$REGISTRY_AUTH_FILE\" && cat \"$REGISTRY_AUTH_FILE\"");

        assertThat(result.exitCode()).as(result.output()).isZero();
        List<String> lines = result.output().lines().toList();
        assertThat(lines.get(0)).startsWith(temp.resolve("driftless-registry.").toString());
        assertThat(lines.subList(1, 3)).containsExactly("700", "600");
        JsonNode auths = new ObjectMapper().readTree(lines.get(3)).get("auths");
        assertThat(new String(Base64.getDecoder().decode(auths.get("127.0.0.1:5000").get("auth").asText()),
                StandardCharsets.UTF_8)).isEqualTo("deployer:pa\"ss:wörd");
        // Docker's CLI keys Docker Hub by its old URL, Podman by docker.io
        assertThat(auths.get("https://index.docker.io/v1/").get("auth").asText())
                .isEqualTo(auths.get("docker.io").get("auth").asText());
        assertThat(Path.of(lines.get(0))).doesNotExist();
        try (var left = Files.list(temp)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void theFolderIsRemovedWhenTheCommandFailsOrIsTerminated() throws Exception {
        assertThat(run("exit 3").exitCode()).isEqualTo(3);
        assertThat(run("kill -TERM $$; sleep 5").exitCode()).isEqualTo(143);
        try (var left = Files.list(temp)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void neitherTheCommandLineNorTheEnvironmentOfTheCommandShowsALogin() {
        // what anyone listing the host's processes reads: the shell's argv and environment, and its children's
        CommandResult result = run("tr '\\0' ' ' </proc/$$/cmdline; tr '\\0' ' ' </proc/$$/environ;"
                + " sh -c 'tr \"\\\\0\" \" \" </proc/$$/environ'");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("DOCKER_CONFIG=").doesNotContain("hub-token").doesNotContain("deployer")
                .doesNotContain(Base64.getEncoder().encodeToString("hubuser:hub-token".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aFolderLeftByACommandKilledOutrightGoesWithTheNextOneAnHourOn() throws Exception {
        Path stale = Files.createDirectory(temp.resolve("driftless-registry.KILLED01"));
        Files.writeString(stale.resolve("config.json"), "{}");
        Path recent = Files.createDirectory(temp.resolve("driftless-registry.RUNNING1"));
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.from(java.time.Instant.now()
                .minus(Duration.ofMinutes(61))));

        assertThat(run("true").exitCode()).isZero();

        assertThat(stale).doesNotExist();
        assertThat(recent).as("one of another command that may still run").exists();
    }
}
