package dev.driftless.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The end of a handler's output as every report shows it: bounded in lines and bytes, secrets masked. */
class OutputTailTest {

    static final UnaryOperator<String> NO_SECRETS = s -> s;

    @Test
    void keepsTheLastTwentyLinesAndSaysEarlierOutputWasLeftOut() {
        OutputTail tail = OutputTail.of(numbered(25), NO_SECRETS);

        assertThat(tail.lines()).hasSize(OutputTail.MAX_LINES).startsWith("line 6").endsWith("line 25");
        assertThat(tail.truncated()).isTrue();
        assertThat(tail.shown()).startsWith(OutputTail.CUT + "\nline 6\n");
    }

    @Test
    void shortOutputIsKeptWhole() {
        OutputTail tail = OutputTail.of("ok\n", NO_SECRETS);

        assertThat(tail.text()).isEqualTo("ok\n");
        assertThat(tail.shown()).isEqualTo("ok\n");
        assertThat(tail.truncated()).isFalse();
    }

    @Test
    void longLinesAreCutToFourKibibytesKeepingTheEnd() {
        String wide = "é".repeat(3000) + " the real error";

        OutputTail tail = OutputTail.of("first\n" + wide + "\n", NO_SECRETS);

        assertThat(tail.text().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(OutputTail.MAX_BYTES);
        assertThat(tail.text()).endsWith("é the real error\n").doesNotContain("first").doesNotContain("\uFFFD");
        assertThat(tail.truncated()).isTrue();
    }

    @Test
    void secretsAreMaskedBeforeTheOutputIsCutSoNoPartOfOneIsLeft() {
        String secret = "s3cr3t-value-" + "x".repeat(40);
        // unmasked, the line is too long and a cut by bytes would fall inside the secret, leaving its end
        String output = secret + "a".repeat(OutputTail.MAX_BYTES - 20) + "\n";

        OutputTail tail = OutputTail.of(output, s -> s.replace(secret, "***"));

        assertThat(tail.text()).startsWith("***a").doesNotContain("x".repeat(10));
    }

    private static String numbered(int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= count; i++) {
            text.append("line ").append(i).append('\n');
        }
        return text.toString();
    }
}
