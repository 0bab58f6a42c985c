package dev.driftless.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The quick scan for a committed age key says what the case-insensitive pattern would, on any bytes. */
class CommittedKeysProperties {

    private static final Pattern PREFIX = Pattern.compile("AGE-SECRET-KEY-1", Pattern.CASE_INSENSITIVE);

    @Property(tries = 2000)
    void theScanFindsThePrefixExactlyWhenThePatternDoes(@ForAll("texts") String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        assertThat(CommittedKeys.mayHoldKey(bytes)).as(text)
                .isEqualTo(PREFIX.matcher(new String(bytes, StandardCharsets.ISO_8859_1)).find());
    }

    @Example
    void aKeyInAnyCaseAnywhereIsFound() {
        for (String text : new String[] {"AGE-SECRET-KEY-1QQ", "x\nage-secret-key-1", "Age-Secret-Key-1 at the end",
                "\u00ffAGE-SECRET-key-1"}) {
            assertThat(CommittedKeys.mayHoldKey(text.getBytes(StandardCharsets.ISO_8859_1))).as(text).isTrue();
        }
        for (String text : new String[] {"", "AGE-SECRET-KEY-", "AGE_SECRET-KEY-1", "AGE-SECRET-KEY-I", "\u00c1GE-SECRET-KEY-1"}) {
            assertThat(CommittedKeys.mayHoldKey(text.getBytes(StandardCharsets.ISO_8859_1))).as(text).isFalse();
        }
    }

    /** Texts made of the prefix's pieces in either case, with other bytes between them. */
    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> piece = Arbitraries.of("AGE-", "age-", "SECRET-", "secret-", "KEY-1", "key-1", "Key-1",
                "AGE-SECRET-KEY-1", "aGe-SeCrEt-KeY-1", "A", "a", "-", "1", "\u00c1", "\u00e1", "\n", "\0", " ");
        return piece.list().ofMaxSize(12).map(p -> String.join("", p));
    }
}
