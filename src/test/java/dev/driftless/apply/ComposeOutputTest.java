package dev.driftless.apply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What compose printed, cut to what says why it failed: Debian's podman-compose 1.0.3 and docker-compose 1.29 run on
 * files they reject before they ask any engine.
 */
class ComposeOutputTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    /** Runs {@code program} in {@code dir}; a machine without it skips the test. */
    private static Command.Result compose(Path dir, String program, String... args) {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(program)), program + " is not installed");
        List<String> command = new ArrayList<>(List.of("env", "--chdir=" + dir, program));
        command.addAll(List.of(args));
        return Command.run(TIMEOUT, command);
    }

    @Test
    void aPodmanComposeTracebackIsCutToItsExceptionAndItsEchoOfTheMergedFileLeftOut() throws Exception {
        Files.writeString(temp.resolve("compose.yaml"), "services:\n  web:\n    image: x\n    environment:\n"
                + "      PASSWORD: in-the-merged-file\n    extends: {service: nowhere}\n");
        Files.writeString(temp.resolve("compose.driftless.yaml"), "services:\n  web:\n    labels:\n      a: b\n");
        // --dry-run: it asks no Podman, this machine's own least of all
        Command.Result result = compose(temp, "/usr/bin/podman-compose", "-p", "t", "-f", "compose.yaml", "-f",
                "compose.driftless.yaml", "--dry-run", "up", "-d");
        assertThat(result.output()).as("what podman-compose printed").contains("Traceback (most recent call last):")
                .contains("** merged:").contains("in-the-merged-file");

        String useful = ComposeOutput.useful(result.output());

        assertThat(useful).isEqualTo("KeyError: '_deps'\n");
    }

    @Test
    void composeV1SaysAnErrorOnceWithoutItsProgressLines() throws Exception {
        Files.writeString(temp.resolve("compose.yaml"), "services:\n  web:\n    image: x\n    imag: y\n");
        Command.Result result = compose(temp, "/usr/bin/docker-compose", "-p", "t", "-f", "compose.yaml", "config", "-q");

        assertThat(ComposeOutput.useful(result.output())).isEqualTo("The Compose file './compose.yaml' is invalid because:\n"
                + "Unsupported config option for services.web: 'imag'\n");
        assertThat(ComposeOutput.useful("Recreating app_web_1 ... \napp_db_1 is up-to-date\nRecreating app_web_1 ... error\n\n"
                + "ERROR: for app_web_1  Cannot create container for service web: invalid restart policy 'sometimes'\n\n"
                + "ERROR: for web  Cannot create container for service web: invalid restart policy 'sometimes'\n"
                + "Encountered errors while bringing up the project.\n"))
                .as("compose v1's words for a restart policy the engine refuses, as it printed them")
                .isEqualTo("ERROR: for web  Cannot create container for service web: invalid restart policy 'sometimes'\n");
    }
}
