package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The run bin/driftless records its class-data archive on goes on doing what it is there for: every command
 * of it, on the bundled example here and over SSH, runs as expected (a command that failed half-way would
 * leave the classes of its second half out of the archive, and every later command slower, silently).
 */
class TrainingTest {

    @Test
    void everyCommandOfTheTrainingRunRunsAsExpected() throws Exception {
        assertThat(Training.train(Path.of("examples/homelab").toAbsolutePath(),
                Path.of("examples/demo-age-key.txt").toAbsolutePath())).isEmpty();
    }
}
