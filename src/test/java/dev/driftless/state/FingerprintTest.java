package dev.driftless.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.host.LocalHost;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Salted fingerprints: they confirm the content they were made from and reveal nothing else. */
class FingerprintTest {

    private static final String SHA = LocalHost.sha256("pin: 1234\n".getBytes(StandardCharsets.UTF_8));

    @Test
    void aSaltedFingerprintMatchesItsContentOnly() {
        String salted = Fingerprint.salted(SHA);
        assertThat(salted).startsWith("salted:").doesNotContain(SHA);
        assertThat(Fingerprint.same(salted, SHA)).isTrue();
        assertThat(Fingerprint.same(SHA, salted)).isTrue();
        assertThat(Fingerprint.same(salted, LocalHost.sha256("pin: 1235\n".getBytes(StandardCharsets.UTF_8)))).isFalse();
        assertThat(Fingerprint.same(salted, salted)).isTrue();
    }

    @Test
    void theSameContentGetsADifferentFingerprintEachTime() {
        assertThat(Fingerprint.salted(SHA)).isNotEqualTo(Fingerprint.salted(SHA));
    }

    @Test
    void aDamagedFingerprintMatchesNothing() {
        assertThat(Fingerprint.same("salted:zz:00", SHA)).isFalse();
        assertThat(Fingerprint.same("salted:", SHA)).isFalse();
    }

    @Test
    void aSensitiveEntryIsWrittenSaltedAndReadBackAsSensitive() throws Exception {
        HostState state = new HostState(HostState.VERSION, "h", "abc", "now", true,
                java.util.Map.of("/etc/key", new StateEntry("file", "app", SHA, "0600", null, null, null, null, true)),
                java.util.List.of());
        String json = new String(StateFile.format(state), StandardCharsets.UTF_8);
        assertThat(json).doesNotContain(SHA).contains("\"sensitive\" : true", "salted:");
        StateEntry back = StateFile.parse(json.getBytes(StandardCharsets.UTF_8)).resources().get("/etc/key");
        assertThat(back.sensitive()).isTrue();
        assertThat(Fingerprint.same(back.sha256(), SHA)).isTrue();
        // written again, the salted fingerprint is kept as it is
        HostState again = new HostState(HostState.VERSION, "h", "abc", "now", true, java.util.Map.of("/etc/key", back),
                java.util.List.of());
        assertThat(new String(StateFile.format(again), StandardCharsets.UTF_8)).contains(back.sha256());
    }
}
