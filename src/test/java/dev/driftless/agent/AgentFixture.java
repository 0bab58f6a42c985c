package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.host.SshSettings;
import dev.driftless.secrets.AgeKeyring;
import dev.driftless.source.RepoSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Agent settings for tests: everything under one temporary folder, intervals long enough never to fire. */
final class AgentFixture {

    private AgentFixture() {
    }

    /** Watches {@code url}; state in {@code tmp/state}, hosts under {@code tmp/root}. */
    static AgentSettings settings(String url, Path tmp) {
        return settings(url, Optional.empty(), tmp, Optional.empty(), RepoSource.GitAuth.none());
    }

    static AgentSettings settings(String url, Optional<String> ref, Path tmp, Optional<Path> ageKey,
            RepoSource.GitAuth git) {
        return new AgentSettings(url, ref, Optional.empty(), List.of(), Duration.ofHours(1), Duration.ofHours(1),
                tmp.resolve("state"), Optional.of(tmp.resolve("root")),
                new SshSettings(Optional.empty(), tmp.resolve("known_hosts"), false, Duration.ofSeconds(5),
                        Optional.empty()),
                // HOME points into tmp, so no age key of the machine's user is picked up
                new AgeKeyring(ageKey, Map.of("HOME", tmp.toString())), 4, Duration.ofSeconds(10),
                Duration.ofSeconds(60), git);
    }

    /** Named pipes a handler uses to say it is running and to wait until the test lets it go. */
    static void mkfifo(Path... fifos) throws Exception {
        for (Path fifo : fifos) {
            assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        }
    }
}
