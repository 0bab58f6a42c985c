package dev.driftless.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.render.SecretLines;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which lines of the host's side a masked diff hides, block by block. */
class MaskedDiffsTest {

    private static final String MASK = SecretLines.MASK;

    private static String diff(String host, String desired, Set<Integer> secret, boolean hostSecretsElsewhere) {
        return Diffs.masked("/etc/app.conf", Optional.of(host.getBytes(StandardCharsets.UTF_8)),
                desired.getBytes(StandardCharsets.UTF_8), secret, hostSecretsElsewhere).orElseThrow();
    }

    @Test
    void aHostLineEditedInPlaceOfASecretLineIsMaskedAndItsNeighbourIsNot() {
        String diff = diff("a\nhand-typed-secret\nport 1\n", "a\nreal-secret\nport 2\n", Set.of(1), false);

        assertThat(diff).contains(" a\n", "-" + MASK + "\n", "-port 1\n", "+" + MASK + "\n", "+port 2\n")
                .doesNotContain("hand-typed-secret", "real-secret");
    }

    @Test
    void aBlockOfAnotherSizeThatHoldsASecretLineMasksAllItsHostLines() {
        String diff = diff("a\nold-one\nold-two\nz\n", "a\nreal-secret\nz\n", Set.of(1), false);

        assertThat(diff).contains(" a\n", " z\n").doesNotContain("old-one", "old-two", "real-secret");
    }

    @Test
    void aLineTheHostAddedByHandIsShownUnlessTheHostsSecretLinesAreNotKnown() {
        assertThat(diff("a\nadded by hand\nsecret\n", "a\nsecret\n", Set.of(1), false))
                .contains("-added by hand\n", " " + MASK + "\n").doesNotContain(" secret");

        assertThat(diff("a\nold-secret-line\n", "a\n", Set.of(), true))
                .contains(" a\n", "-" + MASK + "\n").doesNotContain("old-secret-line");
    }

    @Test
    void aSideThatIsNotTextGivesNoDiffAtAll() {
        assertThat(Diffs.masked("/etc/app.conf", Optional.of(new byte[] {0, 1, 2}),
                "a\n".getBytes(StandardCharsets.UTF_8), Set.of(0), false)).isEmpty();
    }
}
