package dev.driftless.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.host.LiveEntry;
import dev.driftless.host.LocalHost;
import dev.driftless.model.Ownership;
import dev.driftless.state.Fingerprint;
import dev.driftless.state.HostState;
import dev.driftless.state.StateEntry;
import dev.driftless.state.StateFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a check of a host's record remembers of files rendered from a secret, for the next check: the
 * recorded (salted) fingerprint a file still matches, never the bare digest of a secret, and it is
 * trusted only against the record it came from.
 */
class RecordedCheckTest {

    private static final String REVISION = "0123456789abcdef0123456789abcdef01234567";
    private static final Ownership PLAIN = new Ownership(Optional.empty(), Optional.empty(), Optional.empty());

    @TempDir
    Path tmp;

    LocalHost host;
    final Planner planner = new Planner();

    @BeforeEach
    void setUp() {
        // a clock a minute ahead: every file is old enough for its stat to be trusted at once
        host = new LocalHost("box", Optional.of(tmp), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1)));
    }

    /** Writes the files and a state that records them (rendered from a secret) as applied in full. */
    private void applied(Map<String, String> files) {
        Map<String, StateEntry> entries = new java.util.TreeMap<>();
        files.forEach((path, content) -> {
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            host.writeFile(path, bytes, PLAIN);
            entries.put(path, new StateEntry("file", "app", LocalHost.sha256(bytes), null, null, null, null, null, true));
        });
        StateFile.write(host, new HostState(HostState.VERSION, "box", REVISION, "2026-11-30T00:00:00Z", true, entries,
                List.of()));
    }

    private String statOf(String path) {
        return ((LiveEntry.File) host.inspect(List.of(path)).get(path)).stat();
    }

    @Test
    void aRememberedSecretFingerprintCountsOnlyWhileTheStateStillRecordsIt() {
        applied(Map.of("/etc/app/secret.conf", "password=1\n"));
        // what a check remembered from an earlier state: the same content, salted differently, as every
        // rewrite of the state salts anew
        String earlier = Fingerprint.salted(LocalHost.sha256("password=1\n".getBytes(StandardCharsets.UTF_8)));
        Map<String, LiveEntry.Known> remembered = Map.of("/etc/app/secret.conf",
                new LiveEntry.Known(statOf("/etc/app/secret.conf"), earlier));

        RecordedCheck check = planner.fromRecord(host, REVISION, remembered).orElseThrow();

        assertThat(check.driftedServices()).as("a file that holds what the state records has not drifted").isEmpty();
    }

    @Test
    void aCheckRemembersASecretFileByItsRecordedFingerprintAndOneChangedByHandNotAtAll() {
        applied(Map.of("/etc/app/kept.conf", "password=1\n", "/etc/app/edited.conf", "password=2\n"));
        host.writeFile("/etc/app/edited.conf", "password=3\n".getBytes(StandardCharsets.UTF_8), PLAIN);

        RecordedCheck check = planner.fromRecord(host, REVISION, Map.of()).orElseThrow();

        assertThat(check.driftedServices()).containsExactly("app");
        String recorded = check.state().resources().get("/etc/app/kept.conf").sha256();
        assertThat(Fingerprint.isSalted(recorded)).isTrue();
        assertThat(check.remembered()).as("no bare digest of a secret outlives the check").containsExactly(
                Map.entry("/etc/app/kept.conf", new LiveEntry.Known(statOf("/etc/app/kept.conf"), recorded)));
    }
}
